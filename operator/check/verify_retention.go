package check

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/report"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// Checks of the retention proof (docs/evidence.md, "Retention").
const (
	checkObjectLock = "s3.object-lock"
	checkLifecycle  = "s3.lifecycle"
	checkOldest     = "s3.oldest"
)

// Error codes of a bucket without the configuration asked for (S3 API reference, "List of error
// codes": ObjectLockConfigurationNotFoundError, NoSuchLifecycleConfiguration, both 404).
const (
	codeNoObjectLock = "ObjectLockConfigurationNotFoundError"
	codeNoLifecycle  = "NoSuchLifecycleConfiguration"
)

// lifecycleGraceDays is how long after its expiry an object may still be listed: lifecycle rules
// run asynchronously (S3 user guide, "Setting an S3 Lifecycle configuration on a bucket": "there
// might be a delay between the expiration date and the date at which Amazon S3 removes an object").
const lifecycleGraceDays = 2

// retentionChecks prove the central bucket's retention: its Object Lock mode and days, its
// expiry rule, and per region the oldest forwarded day it still holds, against
// retention.archiveDays. Unreadable answers are findings (e.failed), never a clean report.
func retentionChecks(ctx context.Context, e *Env) {
	c := e.Config
	arch, home := c.LogArchiveAccountID, c.HomeRegion
	cfg := e.cfg(arch, home)
	client := s3.NewFromConfig(cfg, awsapi.S3Options(cfg))
	bucket := stacks.CentralBucketName(c)
	if err := objectLockCheck(ctx, e, client, bucket); err != nil {
		e.failed(checkObjectLock, arch, home, err)
	}
	if err := lifecycleCheck(ctx, e, client, bucket); err != nil {
		e.failed(checkLifecycle, arch, home, err)
	}
	created, err := archiveCreated(ctx, e)
	if err != nil {
		e.failed(checkOldest, arch, home, err)
		return
	}
	for _, r := range c.Regions {
		if err := oldestCheck(ctx, e, client, bucket, r, created); err != nil {
			e.failed(checkOldest, arch, home, err)
		}
	}
}

func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// objectLockCheck: the default retention is the configured mode for at least archiveDays (S3
// user guide, "Locking objects with Object Lock": the bucket's default retention applies to every
// new object version; in GOVERNANCE mode a principal with s3:BypassGovernanceRetention can
// delete a locked version, in COMPLIANCE mode nobody can, the root user included).
func objectLockCheck(ctx context.Context, e *Env, client *s3.Client, bucket string) error {
	c := e.Config
	arch, home := c.LogArchiveAccountID, c.HomeRegion
	want, days := c.Retention.ObjectLockMode, c.Retention.ArchiveDays
	add := func(sev report.Severity, msg, meaning, fix string) {
		e.Report.Add(report.Finding{Check: checkObjectLock, Severity: sev, Account: arch, Region: home, Subject: bucket, Message: msg, Meaning: meaning, Fix: fix})
	}
	out, err := client.GetObjectLockConfiguration(ctx, &s3.GetObjectLockConfigurationInput{Bucket: aws.String(bucket)})
	if err != nil && errorCode(err) != codeNoObjectLock {
		return call(err, "s3:GetBucketObjectLockConfiguration", arch, home)
	}
	var olc *s3types.ObjectLockConfiguration
	if err == nil {
		olc = out.ObjectLockConfiguration
	}
	if want == config.ObjectLockNone {
		if olc == nil || olc.ObjectLockEnabled != s3types.ObjectLockEnabledEnabled {
			add(report.Info, "no Object Lock (retention.objectLockMode NONE)", "archived objects can be deleted by anyone the bucket policy and IAM allow, before retention.archiveDays", "set retention.objectLockMode to COMPLIANCE (docs/evidence.md, \"Retention\") on a new bucket: Object Lock cannot be turned on for the deployed one by the template")
			return nil
		}
	}
	if olc == nil || olc.ObjectLockEnabled != s3types.ObjectLockEnabledEnabled {
		add(report.Fail, "Object Lock is not enabled", "archived objects can be deleted before retention.archiveDays", "deploy SessionAudit-LogArchive (README \"Deploy order\", step 1); a bucket created without Object Lock needs S3 support or a new bucket")
		return nil
	}
	if olc.Rule == nil || olc.Rule.DefaultRetention == nil || olc.Rule.DefaultRetention.Mode == "" {
		add(report.Fail, "no default retention", "new objects are written without a lock and can be deleted at once", "deploy SessionAudit-LogArchive again: its template sets the default retention")
		return nil
	}
	dr := olc.Rule.DefaultRetention
	got := int(aws.ToInt32(dr.Days))
	unit := "days"
	if dr.Years != nil {
		// A year of Object Lock retention is 365 days here: the comparison is only against days.
		got, unit = int(aws.ToInt32(dr.Years))*365, "days (from years)"
	}
	mode := string(dr.Mode)
	msg := fmt.Sprintf("default retention %s, %d %s; retention.archiveDays %d, retention.objectLockMode %s", mode, got, unit, days, want)
	switch {
	case want == config.ObjectLockCompliance && mode != config.ObjectLockCompliance:
		add(report.Fail, msg, "a principal with s3:BypassGovernanceRetention can delete locked versions, unlike the COMPLIANCE mode configured", "deploy SessionAudit-LogArchive again")
	case got < days:
		add(report.Fail, msg, "objects are locked for less than the retention: they can be deleted before retention.archiveDays", "deploy SessionAudit-LogArchive again")
	case mode != want || got > days:
		add(report.Warn, msg, "the bucket differs from the configuration (longer or stricter than configured: objects are kept longer than retention.archiveDays)", "deploy SessionAudit-LogArchive again, or set retention in the configuration to what the bucket has")
	default:
		add(report.Info, msg, "every new object version is locked for the retention", "none")
	}
	return nil
}

// lifecycleCheck: an enabled rule over the whole bucket expires objects after archiveDays.
func lifecycleCheck(ctx context.Context, e *Env, client *s3.Client, bucket string) error {
	c := e.Config
	arch, home, days := c.LogArchiveAccountID, c.HomeRegion, c.Retention.ArchiveDays
	add := func(sev report.Severity, msg, meaning string) {
		e.Report.Add(report.Finding{Check: checkLifecycle, Severity: sev, Account: arch, Region: home, Subject: bucket, Message: msg, Meaning: meaning,
			Fix: "deploy SessionAudit-LogArchive again: its template sets the lifecycle"})
	}
	out, err := client.GetBucketLifecycleConfiguration(ctx, &s3.GetBucketLifecycleConfigurationInput{Bucket: aws.String(bucket)})
	if err != nil && errorCode(err) != codeNoLifecycle {
		return call(err, "s3:GetLifecycleConfiguration", arch, home)
	}
	var expiries []int
	if err == nil {
		for _, r := range out.Rules {
			if r.Status != s3types.ExpirationStatusEnabled || r.Expiration == nil || r.Expiration.Days == nil || !wholeBucket(r) {
				continue
			}
			expiries = append(expiries, int(*r.Expiration.Days))
		}
	}
	if len(expiries) == 0 {
		add(report.Warn, "no enabled rule expires the bucket's objects", fmt.Sprintf("objects are kept beyond retention.archiveDays (%d days): storage grows without end", days))
		return nil
	}
	first := slices.Min(expiries)
	msg := fmt.Sprintf("objects expire after %d days; retention.archiveDays %d", first, days)
	switch {
	case first < days:
		add(report.Fail, msg, "objects get a delete marker before the retention ends (Object Lock keeps the locked version, but the current object is gone)")
	case first > days:
		add(report.Warn, msg, "objects are kept longer than retention.archiveDays")
	default:
		add(report.Info, msg, "objects expire when the retention ends")
	}
	return nil
}

// wholeBucket: the rule's filter selects every object (no prefix, tag or size; the deprecated
// top-level Prefix empty too).
func wholeBucket(r s3types.LifecycleRule) bool {
	//lint:ignore SA1019 S3 still answers rules written with the retired top-level Prefix, which selects objects (S3 API reference, LifecycleRule)
	if aws.ToString(r.Prefix) != "" {
		return false
	}
	f := r.Filter
	return f == nil || (aws.ToString(f.Prefix) == "" && f.And == nil && f.Tag == nil && f.ObjectSizeGreaterThan == nil && f.ObjectSizeLessThan == nil)
}

// archiveCreated is when SessionAudit-LogArchive was created (the archive cannot hold older days).
func archiveCreated(ctx context.Context, e *Env) (time.Time, error) {
	arch, home := e.Config.LogArchiveAccountID, e.Config.HomeRegion
	out, err := cloudformation.NewFromConfig(e.cfg(arch, home)).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(stacks.LogArchiveStackName)})
	if err != nil {
		return time.Time{}, call(err, "cloudformation:DescribeStacks", arch, home)
	}
	if len(out.Stacks) == 0 || out.Stacks[0].CreationTime == nil {
		return time.Time{}, call(fmt.Errorf("DescribeStacks of %s answered no creation time", stacks.LogArchiveStackName), "cloudformation:DescribeStacks", arch, home)
	}
	return *out.Stacks[0].CreationTime, nil
}

// oldestCheck finds the oldest day under the region's forwarded prefix without listing the bucket:
// the prefix is date-partitioned (<prefix><region>/yyyy/MM/dd/), so three listings with the
// delimiter "/" (years, then the oldest year's months, then that month's days) find it; S3 lists
// keys and common prefixes in ascending UTF-8 binary order (S3 API reference, ListObjectsV2), but
// every page is read and the smallest taken. Transcripts (<TranscriptPrefix><account>/<region>/
// <session>.log) are not date-partitioned and are not read here.
func oldestCheck(ctx context.Context, e *Env, client *s3.Client, bucket, region string, created time.Time) error {
	c := e.Config
	arch, home, days := c.LogArchiveAccountID, c.HomeRegion, c.Retention.ArchiveDays
	prefix := archivelayout.ForwardedPrefix + region + "/"
	p := prefix
	for level := 0; level < 3; level++ {
		next, err := smallestPrefix(ctx, client, bucket, p)
		if err != nil {
			return call(err, "s3:ListBucket", arch, home)
		}
		if next == "" {
			e.Report.Add(report.Finding{Check: checkOldest, Severity: report.Info, Account: arch, Region: region, Subject: prefix,
				Message: "no forwarded object", Meaning: "nothing forwarded from this region is archived yet", Fix: "none (s3.delivery says whether delivery works)"})
			return nil
		}
		p = next
	}
	day, err := time.Parse("2006/01/02/", strings.TrimPrefix(p, prefix))
	if err != nil {
		e.Report.Add(report.Finding{Check: checkOldest, Severity: report.Warn, Account: arch, Region: region, Subject: p,
			Message: "the oldest partition is not a date", Meaning: "an object outside the layout (docs/search.md) is in the forwarded prefix", Fix: "find who wrote it (S3 server access logs of the bucket)"})
		return nil
	}
	now := e.Now().UTC()
	age := int(now.Sub(day).Hours() / 24)
	installAge := int(now.Sub(created).Hours() / 24)
	msg := fmt.Sprintf("oldest forwarded day %s (%d days old); retention.archiveDays %d; archive created %s (%d days ago)", day.Format("2006-01-02"), age, days, created.UTC().Format("2006-01-02"), installAge)
	f := report.Finding{Check: checkOldest, Severity: report.Info, Account: arch, Region: region, Subject: prefix, Message: msg, Meaning: "the archive holds this region's forwarded logs back to that day", Fix: "none"}
	switch {
	case age > days+lifecycleGraceDays:
		f.Severity, f.Meaning, f.Fix = report.Warn, "objects older than the retention are still there: the lifecycle does not expire them", "see s3.lifecycle; deploy SessionAudit-LogArchive again"
	case installAge > days+lifecycleGraceDays && age < days-lifecycleGraceDays:
		f.Severity = report.Warn
		f.Meaning = "the archive is older than the retention, but nothing of this region is as old: no session was logged there on the older days, or objects were removed early"
		f.Fix = "compare with the organization trail's S3 data events or the bucket's server access logs for DeleteObject on this prefix"
	}
	e.Report.Add(f)
	return nil
}

// smallestPrefix is the smallest common prefix one level below prefix ("" when none).
func smallestPrefix(ctx context.Context, client *s3.Client, bucket, prefix string) (string, error) {
	smallest := ""
	pg := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix), Delimiter: aws.String("/")})
	for pg.HasMorePages() {
		out, err := pg.NextPage(ctx)
		if err != nil {
			return "", err
		}
		for _, cp := range out.CommonPrefixes {
			if s := aws.ToString(cp.Prefix); s != "" && (smallest == "" || s < smallest) {
				smallest = s
			}
		}
	}
	return smallest, nil
}
