package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// recordings looks up RDP recordings in the central bucket's digests, read with acfg (in the
// log-archive account) by the online validate's reader: GetObject by key, never a listing. The
// digests of hours not surely written by now (digestDue) are not read.
func recordings(acfg aws.Config, c config.Config, now time.Time) *coverage.Recordings {
	r := coverage.NewRecordings(&bucketArchive{client: s3.NewFromConfig(acfg, awsapi.S3Options(acfg)), bucket: stacks.CentralBucketName(c),
		account: c.LogArchiveAccountID, region: c.HomeRegion})
	r.Due = now.Add(-digestDue).Truncate(time.Hour)
	return r
}

// sayDigestReads writes how many digests the RDP recordings' look-up read (one GetObject per
// distinct hour).
func sayDigestReads(w io.Writer, command string, r *coverage.Recordings) {
	if r.Reads > 0 {
		fmt.Fprintf(w, "%s: %d digest(s) read for RDP recordings (one GetObject per distinct hour)\n", command, r.Reads)
	}
}
