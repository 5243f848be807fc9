package check

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/report"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// checkDigests is the check of the digests' freshness (docs/evidence.md, "Signed digests").
const checkDigests = "s3.digests"

// digestsFresh: the digest of the last full hour, or of the hour before (the digester runs five
// minutes past each hour, constructs/digest.Schedule), is in the bucket. It reads them by their
// keys (GetObject), never lists. Neither there: "digests stopped", a fail; an unreadable answer is
// an error (a finding through e.failed, never a clean report).
func digestsFresh(ctx context.Context, e *Env) error {
	c := e.Config
	arch, home := c.LogArchiveAccountID, c.HomeRegion
	cfg := e.cfg(arch, home)
	client := s3.NewFromConfig(cfg, awsapi.S3Options(cfg))
	bucket := stacks.CentralBucketName(c)
	last := e.Now().UTC().Truncate(time.Hour).Add(-time.Hour)
	var tried []string
	for _, h := range []time.Time{last, last.Add(-time.Hour)} {
		key := archivelayout.DigestKey(h)
		tried = append(tried, key)
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err == nil {
			out.Body.Close()
			e.Report.Add(report.Finding{Check: checkDigests, Severity: report.Info, Account: arch, Region: home, Subject: "s3://" + bucket + "/" + key,
				Message: "the newest expected digest is there (" + h.Format(time.RFC3339) + ")"})
			return nil
		}
		// A missing key is NoSuchKey, 404 with s3:ListBucket (the read policy grants it), 403
		// AccessDenied without (S3 API reference, GetObject, "Permissions"): only NoSuchKey
		// means missing.
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != "NoSuchKey" {
			return call(err, "s3:GetObject", arch, home)
		}
	}
	e.Report.Add(report.Finding{Check: checkDigests, Severity: report.Fail, Account: arch, Region: home, Subject: "s3://" + bucket + "/" + archivelayout.DigestPrefix,
		Message: fmt.Sprintf("digests stopped: neither %s nor %s is in the bucket", tried[0], tried[1]),
		Meaning: "the hourly digester has not written a digest for two hours: objects written since are not vouched for, and the chain will show the gap as missing hours",
		Fix:     "read the digester's errors (its log group and dead-letter queue in the log-archive account), its schedule rule and the signing key's state; docs/evidence.md \"Signed digests\""})
	return nil
}
