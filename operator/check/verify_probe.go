package check

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
	"github.com/sessionaudit/sessionaudit/install"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/permissions"
	"github.com/sessionaudit/sessionaudit/operator/report"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// ProbeMarkerPrefix starts the marker of the probe's test event, its log stream's name and its
// session ID: sessionaudit-probe-<random>.
const ProbeMarkerPrefix = permissions.ProbeStreamPrefix

// Probe configures verify's end-to-end probe (verify -probe): the one write the operator commands
// make.
type Probe struct {
	// Account and Region where the test event is written. Default: the first sampled member
	// account and the home region.
	Account, Region string
	// ArchiveRole is the role assumed in the log-archive account to read the bucket and run the
	// saved query. Default: the session's role (the caller's own credentials when the caller is
	// the log-archive account).
	ArchiveRole string
	// Deadline is how long the probe waits for each hop, counted from the write. Default 20 min
	// (Firehose buffers up to 900 s).
	Deadline time.Duration
	// Poll is the wait between two looks. Default 15 s.
	Poll time.Duration
	// CallerArn is written as the test event's userIdentity.arn.
	CallerArn string
	// Marker, when set, replaces the random marker (tests).
	Marker string
}

func (p *Probe) defaults(e *Env, sampled []string) {
	if p.Account == "" && len(sampled) > 0 {
		p.Account = sampled[0]
	}
	if p.Region == "" {
		p.Region = e.Config.HomeRegion
	}
	if p.Deadline <= 0 {
		p.Deadline = 20 * time.Minute
	}
	if p.Poll <= 0 {
		p.Poll = 15 * time.Second
	}
	if p.Marker == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		p.Marker = ProbeMarkerPrefix + hex.EncodeToString(b)
	}
}

// ProbeEvent is the test event: one line of session output in the shape the SSM agent streams to
// CloudWatch Logs (the fields archivesearch.ForwardedColumns reads), carrying the marker in its
// session ID and its one output line.
func ProbeEvent(marker, region, callerArn string, at time.Time) string {
	line, _ := json.Marshal(map[string]any{
		"eventVersion": "1.0", "eventTime": at.UTC().Format(time.RFC3339), "awsRegion": region,
		"target": map[string]any{"id": "sessionaudit-probe"}, "userIdentity": map[string]any{"arn": callerArn},
		"runAsUser": "sessionaudit-probe", "sessionId": marker,
		"sessionData": []string{marker + ": end-to-end test event written by sessionaudit verify -probe"},
	})
	return string(line)
}

// runProbe writes the marked event and times its hops: to the central bucket under the region's
// forwarded prefix, then to the saved Athena query "output lines matching a pattern". A hop that
// does not complete within the deadline is a finding; a call that fails (access denied included)
// stops the command (exit status 2) with the permission named.
func runProbe(ctx context.Context, e *Env, sampled []string) error {
	p := e.Probe
	p.defaults(e, sampled)
	if p.Account == "" {
		return fmt.Errorf("verify -probe: no member account to write the test event in; pass -probe-account")
	}
	c := e.Config
	account, region, arch, home := p.Account, p.Region, c.LogArchiveAccountID, c.HomeRegion
	logGroup := sessionprefs.LogGroupNamePrefix + account

	// The write: the only one the operator commands make.
	start := time.Now()
	logs := cloudwatchlogs.NewFromConfig(e.cfg(account, region))
	_, err := logs.CreateLogStream(ctx, &cloudwatchlogs.CreateLogStreamInput{LogGroupName: aws.String(logGroup), LogStreamName: aws.String(p.Marker)})
	if err != nil && awsapi.IsNotFound(call(err, "", "", "")) {
		e.Report.Add(report.Finding{Check: "probe.write", Severity: report.Fail, Account: account, Region: region, Subject: logGroup, Message: "the session log group does not exist",
			Meaning: "sessions of this account and region cannot be streamed to CloudWatch Logs, so nothing reaches the archive; the probe wrote nothing",
			Fix:     fmt.Sprintf("`aws cloudformation update-stack-instances --stack-set-name %s --accounts %s --regions %s` (README \"Operations\")", stacks.MemberStackSetName, account, region)})
		return nil
	}
	if err != nil {
		return call(err, "logs:CreateLogStream", account, region)
	}
	written := time.Now()
	_, err = logs.PutLogEvents(ctx, &cloudwatchlogs.PutLogEventsInput{LogGroupName: aws.String(logGroup), LogStreamName: aws.String(p.Marker),
		LogEvents: []cwltypes.InputLogEvent{{Timestamp: aws.Int64(written.UnixMilli()), Message: aws.String(ProbeEvent(p.Marker, region, p.CallerArn, written))}}})
	if err != nil {
		return call(err, "logs:PutLogEvents", account, region)
	}
	e.Report.Hops = append(e.Report.Hops, report.Hop{Name: "write (logs:PutLogEvents)", Duration: time.Since(start), OK: true, Detail: logGroup + " stream " + p.Marker})
	e.Report.Add(report.Finding{Check: "probe.write", Severity: report.Info, Account: account, Region: region, Subject: logGroup + ":" + p.Marker,
		Message: "wrote one test event with the marker " + p.Marker,
		Meaning: "the one write of verify -probe: the marked line stays in this log group and in the archive (searchable by its marker), as any session line does",
		Fix:     "nothing to do; the log group's retention and the bucket's lifecycle remove it like any session line"})
	deadline := written.Add(p.Deadline)

	// Hop 1: the object under the region's forwarded prefix of the write's day (or a later one).
	acfg := e.Session.ConfigAs(arch, home, p.ArchiveRole)
	s3c := s3.NewFromConfig(acfg, awsapi.S3Options(acfg))
	bucket := stacks.Install(c).CentralBucketName()
	seen := map[string]bool{}
	var key string
	for {
		key, err = findMarker(ctx, s3c, bucket, region, account, p.Marker, written, seen, func(err error, action string) error { return call(err, action, arch, home) })
		if err != nil {
			return err
		}
		if key != "" || !time.Now().Before(deadline) {
			break
		}
		if err := sleep(ctx, min(p.Poll, time.Until(deadline))); err != nil {
			return err
		}
	}
	forwarded := archivelayout.ForwardedPrefix + region + "/" + written.UTC().Format("2006/01/02") + "/" + account + "/"
	if key == "" {
		e.Report.Hops = append(e.Report.Hops, report.Hop{Name: "delivery to the central bucket", Duration: time.Since(written), Detail: "not found under " + forwarded})
		e.Report.Add(deliveryFinding(ctx, e, s3c, bucket, account, region, forwarded, written, p.Deadline))
		return nil
	}
	delivered := time.Now()
	e.Report.Hops = append(e.Report.Hops, report.Hop{Name: "delivery to the central bucket", Duration: delivered.Sub(written), OK: true, Detail: "s3://" + bucket + "/" + key})

	// Hop 2: the saved query "output lines matching a pattern" finds the marker.
	q, _ := archivesearch.QueryByID(archivesearch.CommandsMatchingID)
	found, detail, err := runSavedQuery(ctx, athena.NewFromConfig(acfg), q, p.Marker, written, deadline, p.Poll)
	if err != nil {
		return err
	}
	hop := report.Hop{Name: "Athena: " + q.Name, Duration: time.Since(delivered), OK: found == "found", Detail: detail}
	e.Report.Hops = append(e.Report.Hops, hop)
	if found != "found" {
		meaning := "the saved query did not find a line the bucket holds: the archive search's table does not read the forwarded layout (partition projection, location template, SerDe), so an auditor's searches miss sessions"
		fix := "run the saved query \"" + q.Name + "\" by hand with the marker (README \"Finding a session\"); deploy SessionAudit-LogArchive again if the table differs from the template"
		switch found {
		case "timeout":
			meaning = "the query did not finish within the deadline: the workgroup is busy or the query scans too much"
			fix = "run verify -probe again with a longer -probe-deadline, or `aws athena get-query-execution` with the query ID for its state"
		case "failed":
			meaning = "the saved query failed in the workgroup " + archivesearch.DefaultWorkGroupName + ": searches of the archive fail the same way"
			fix = "the reason above; the probe's role in the log-archive account needs the auditor policy (output AuditorPolicyArn of SessionAudit-LogArchive; docs/preflight-verify.md, \"The probe\")"
		}
		e.Report.Add(report.Finding{Check: "probe.search", Severity: report.Fail, Account: arch, Region: home, Subject: archivesearch.DefaultWorkGroupName,
			Message: detail, Meaning: meaning, Fix: fix})
	}
	return nil
}

// findMarker lists the forwarded prefixes of account in region for the write's day and today, and
// reads each object not seen yet that is not older than the write (GZIP, one event per line).
func findMarker(ctx context.Context, client *s3.Client, bucket, region, account, marker string, written time.Time, seen map[string]bool, fail func(error, string) error) (string, error) {
	days := []string{written.UTC().Format("2006/01/02")}
	if today := time.Now().UTC().Format("2006/01/02"); today != days[0] {
		days = append(days, today)
	}
	for _, day := range days {
		prefix := archivelayout.ForwardedPrefix + region + "/" + day + "/" + account + "/"
		pages := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
		for pages.HasMorePages() {
			out, err := pages.NextPage(ctx)
			if err != nil {
				return "", fail(err, "s3:ListBucket")
			}
			for _, o := range out.Contents {
				k := aws.ToString(o.Key)
				// A minute of slack for the clocks of the machine and S3.
				if seen[k] || (o.LastModified != nil && o.LastModified.Before(written.Add(-time.Minute))) {
					continue
				}
				seen[k] = true
				obj, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)})
				if err != nil {
					return "", fail(err, "s3:GetObject")
				}
				ok, err := contains(obj.Body, marker)
				obj.Body.Close()
				if err != nil {
					return "", fail(err, "s3:GetObject")
				}
				if ok {
					return k, nil
				}
			}
		}
	}
	return "", nil
}

// contains reads a forwarded object (GZIP, or plain text) and looks for marker.
func contains(body io.Reader, marker string) (bool, error) {
	br := bufio.NewReader(body)
	var r io.Reader = br
	if head, err := br.Peek(2); err == nil && head[0] == 0x1f && head[1] == 0x8b {
		z, err := gzip.NewReader(br)
		if err != nil {
			return false, err
		}
		defer z.Close()
		r = z
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return false, err
	}
	return bytes.Contains(data, []byte(marker)), nil
}

// deliveryFinding explains a marker that did not reach the bucket, naming the Firehose error
// objects of the region written since the probe's write, if any.
func deliveryFinding(ctx context.Context, e *Env, client *s3.Client, bucket, account, region, forwarded string, written time.Time, deadline time.Duration) report.Finding {
	f := report.Finding{Check: "probe.delivery", Severity: report.Fail, Account: account, Region: region, Subject: forwarded,
		Message: fmt.Sprintf("the marked line did not reach s3://%s/%s within %s", bucket, forwarded, deadline),
		Meaning: "this account's session lines of this region do not reach the central bucket: the log group's subscription filter, the region's destination (" + install.DestinationName + "), the Firehose stream " + install.StreamName(region) + " or its record processor fails",
		Fix:     "check the member.subscription, logs.destination and firehose.stream findings of this report; the stream's errors prefix " + archivelayout.ForwardedErrorPrefix + "<type>/" + region + "/ and its DeliveryToS3.Success and IncomingRecords metrics show where records stop; Firehose buffers up to 900 s, so run again with a longer -probe-deadline if the stream was only slow"}
	errorKeys := firehoseErrors(ctx, client, bucket, region, written)
	if len(errorKeys) > 0 {
		f.Message += fmt.Sprintf("; %d Firehose error object(s) of %s since the write, such as s3://%s/%s", len(errorKeys), region, bucket, errorKeys[0])
		f.Meaning = "Firehose received records of this region but could not process or deliver them (the record processor, or the stream's access to the bucket and key)"
		f.Fix = "read the error object (its errorMessage says why), then the record processor's log group in the log-archive account; deploy SessionAudit-LogArchive again if the stream differs from the template"
	}
	return f
}

// firehoseErrors lists the error objects of region (archivelayout.FirehoseErrorPrefix: by error
// type, region and day) written since the probe's write. Failures are ignored: this only refines
// the finding.
func firehoseErrors(ctx context.Context, client *s3.Client, bucket, region string, written time.Time) []string {
	var out []string
	types, ok := listAll(ctx, client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(archivelayout.ForwardedErrorPrefix), Delimiter: aws.String("/")})
	if !ok {
		return nil
	}
	for _, t := range types.CommonPrefixes {
		for _, day := range []string{written.UTC().Format("2006/01/02"), time.Now().UTC().Format("2006/01/02")} {
			list, ok := listAll(ctx, client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(aws.ToString(t.Prefix) + region + "/" + day + "/")})
			for _, o := range list.Contents {
				if o.LastModified == nil || !o.LastModified.Before(written.Add(-time.Minute)) {
					out = append(out, aws.ToString(o.Key))
				}
			}
			if !ok {
				return out
			}
			if day == time.Now().UTC().Format("2006/01/02") {
				break
			}
		}
	}
	return out
}

// listAll reads every page of a ListObjectsV2 call into one answer (its contents and common
// prefixes); false when a page could not be read (what was read so far is returned).
func listAll(ctx context.Context, client *s3.Client, in *s3.ListObjectsV2Input) (s3.ListObjectsV2Output, bool) {
	var all s3.ListObjectsV2Output
	p := s3.NewListObjectsV2Paginator(client, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return all, false
		}
		all.Contents = append(all.Contents, out.Contents...)
		all.CommonPrefixes = append(all.CommonPrefixes, out.CommonPrefixes...)
	}
	return all, true
}

// runSavedQuery runs the saved query q (first day, last day, pattern) for the marker in the
// session-audit workgroup and waits for it: "found", "missing" (it ran and did not find the
// marker), "failed" or "timeout", with a detail for the report.
func runSavedQuery(ctx context.Context, client *athena.Client, q archivesearch.Query, marker string, written, deadline time.Time, poll time.Duration) (string, string, error) {
	first, last := written.UTC().Format("2006/01/02"), time.Now().UTC().Format("2006/01/02")
	rows, err := coverage.Query(ctx, client, "(log archive)", q.SQL, []string{first, last, regexp.QuoteMeta(marker)}, nil, min(poll, 2*time.Second), time.Until(deadline))
	var qe *coverage.QueryError
	switch {
	case errors.As(err, &qe) && qe.Timeout:
		return "timeout", qe.Error(), nil
	case errors.As(err, &qe):
		return "failed", qe.Error(), nil
	case err != nil:
		return "", "", err
	}
	for _, row := range rows {
		for _, v := range row {
			if strings.Contains(v, marker) {
				return "found", "query with the marker " + marker, nil
			}
		}
	}
	return "missing", fmt.Sprintf("the query succeeded with %d row(s), none with the marker %s", len(rows), marker), nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(max(d, 0))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
