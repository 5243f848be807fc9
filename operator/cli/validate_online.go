package cli

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/report"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// s3NotFoundCodes are S3's answers for a key or version the bucket does not hold (S3 API
// reference, "List of error codes": NoSuchKey and NoSuchVersion, both 404). Without s3:ListBucket
// a missing key answers 403 AccessDenied instead (S3 API reference, GetObject, "Permissions"):
// the validate statement of the policy grants it, so that a removed digest is a finding, not a
// refusal.
var s3NotFoundCodes = []string{"NoSuchKey", "NoSuchVersion"}

// bucketArchive is the central bucket read online by known keys, never listed: the digests and
// their signatures by archivelayout.DigestKey, each listed object version with GetObject and its
// VersionId, and the versions of each listed key with ListObjectVersions whose Prefix is the key.
type bucketArchive struct {
	client          *s3.Client
	bucket          string
	account, region string
}

// Read is GetObject of key (with VersionId when version is set: S3 API reference, GetObject,
// "versionId": "Version ID used to reference a specific version of the object"; reading a version
// needs s3:GetObjectVersion).
func (b *bucketArchive) Read(ctx context.Context, key, version string) ([]byte, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key)}
	if version != "" {
		in.VersionId = aws.String(version)
	}
	out, err := b.client.GetObject(ctx, in)
	if err != nil {
		var api smithy.APIError
		if errors.As(err, &api) && slices.Contains(s3NotFoundCodes, api.ErrorCode()) {
			return nil, fmt.Errorf("%w: s3://%s/%s %s (%s)", evidence.ErrNotFound, b.bucket, key, version, api.ErrorCode())
		}
		return nil, b.call(err, "s3:GetObject")
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("reading s3://%s/%s: %w", b.bucket, key, err)
	}
	return data, nil
}

// Versioned is true: Read reads the version asked for.
func (b *bucketArchive) Versioned() bool { return true }

// Versions pages through ListObjectVersions with Prefix = key and keeps the versions and delete
// markers of exactly key (a prefix also matches longer keys: S3 API reference,
// ListObjectVersions; the paginator follows NextKeyMarker and NextVersionIdMarker while
// IsTruncated).
func (b *bucketArchive) Versions(ctx context.Context, key string) ([]evidence.Version, error) {
	var out []evidence.Version
	p := s3.NewListObjectVersionsPaginator(b.client, &s3.ListObjectVersionsInput{Bucket: aws.String(b.bucket), Prefix: aws.String(key)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, b.call(err, "s3:ListBucketVersions")
		}
		for _, v := range page.Versions {
			if aws.ToString(v.Key) == key {
				out = append(out, evidence.Version{ID: aws.ToString(v.VersionId), LastModified: aws.ToTime(v.LastModified)})
			}
		}
		for _, m := range page.DeleteMarkers {
			if aws.ToString(m.Key) == key {
				out = append(out, evidence.Version{ID: aws.ToString(m.VersionId), DeleteMarker: true, LastModified: aws.ToTime(m.LastModified)})
			}
		}
	}
	return out, nil
}

// Unlisted is not answered online: listing the bucket does not scale to 1,000 accounts' objects.
func (b *bucketArchive) Unlisted(context.Context, map[string]bool, time.Time, time.Time) ([]evidence.Unlisted, int, error) {
	return nil, 0, evidence.ErrCannotList
}

func (b *bucketArchive) String() string { return "s3://" + b.bucket }

func (b *bucketArchive) call(err error, action string) error {
	return awsapi.Classify(err, action, b.account, b.region)
}

// runValidateOnline fills rep from the bucket itself and returns why it could not run, if it
// could not. The public key is the bucket's digests/public-key.pem unless -public-key names the
// exported key an auditor trusts; the report names its fingerprint either way.
func runValidateOnline(ctx context.Context, rep *report.Report, f validateFlags, d Deps) string {
	var bad []string
	if f.configPath == "" {
		bad = append(bad, "pass -dir <a downloaded copy of the bucket>, or -config <file> (or SESSIONAUDIT_CONFIG) to read the bucket itself")
	}
	if f.from == "" || f.to == "" {
		bad = append(bad, "-from and -to: the online check reads the digests of the hours asked for (got -from "+strconv.Quote(f.from)+", -to "+strconv.Quote(f.to)+")")
	}
	if len(bad) > 0 {
		return strings.Join(bad, "; ")
	}
	var opts evidence.Options
	if fatal := parseRange(f.from, f.to, &opts.From, &opts.To); fatal != "" {
		return fatal
	}
	c, err := config.LoadFile(f.configPath)
	if err != nil {
		return fmt.Sprintf("configuration %s: %v", f.configPath, err)
	}
	rep.Organization = c.OrganizationID
	acfg, arn, err := archiveConfig(ctx, d, c, f.maxAttempts, f.archiveRole, f.archiveRole)
	if err != nil {
		return err.Error()
	}
	rep.Caller = arn
	return validateBucket(ctx, rep, acfg, c, f.pubPath, opts)
}

// validateBucket validates opts' hours of the central bucket, read with acfg (in the log-archive
// account), into rep; the public key is pubPath's, or the bucket's when pubPath is empty. It
// returns why it could not run, if it could not (validate and report share it).
func validateBucket(ctx context.Context, rep *report.Report, acfg aws.Config, c config.Config, pubPath string, opts evidence.Options) string {
	arch, home := c.LogArchiveAccountID, c.HomeRegion
	a := &bucketArchive{client: s3.NewFromConfig(acfg, awsapi.S3Options(acfg)), bucket: stacks.CentralBucketName(c), account: arch, region: home}
	source := "-public-key " + pubPath
	if pubPath != "" {
		var fatal string
		if opts.PublicKey, fatal = readPublicKey(pubPath); fatal != "" {
			return fatal
		}
	} else {
		data, err := a.Read(ctx, archivelayout.DigestPublicKey, "")
		if err != nil {
			return fmt.Sprintf("the public key %s/%s: %v (pass -public-key <the exported key>)", a, archivelayout.DigestPublicKey, err)
		}
		if opts.PublicKey, err = evidence.ParsePublicKey(data); err != nil {
			return fmt.Sprintf("the public key %s/%s: %v (pass -public-key <the exported key>)", a, archivelayout.DigestPublicKey, err)
		}
		source = a.String() + "/" + archivelayout.DigestPublicKey
	}
	if fatal := publicKeyFinding(rep, c, source, opts.PublicKey); fatal != "" {
		return fatal
	}
	problems, err := evidence.Validate(ctx, a, opts)
	if err != nil {
		return err.Error()
	}
	addProblems(rep, problems)
	return ""
}

// publicKeyFinding adds the line naming the key the signatures are verified with (source: where it
// was read) and its fingerprint.
func publicKeyFinding(rep *report.Report, c config.Config, source string, pub crypto.PublicKey) string {
	fp, err := evidence.PublicKeySHA256(pub)
	if err != nil {
		return err.Error()
	}
	rep.Add(report.Finding{Check: checkPublicKey, Severity: report.Info, Account: c.LogArchiveAccountID, Region: c.HomeRegion, Subject: source,
		Message: "the signatures are verified with the public key of SHA-256 " + fp,
		Meaning: "a key read from the bucket proves the digests agree with each other; the proof an auditor keeps compares this fingerprint with the key exported at deployment",
		Fix:     "compare it with `openssl pkey -pubin -in <exported key> -outform DER | sha256sum`, or pass -public-key <exported key>"})
	return ""
}

// checkPublicKey is the validate report's line naming the key the signatures were verified with.
const checkPublicKey = "digest.public-key"
