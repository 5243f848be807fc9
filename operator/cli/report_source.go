package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/report"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// reportSource is where report reads a period from: the bucket (Athena's rows, S3's transcripts
// and digests) or a downloaded copy of it (coverage.Dir's rows, the copy's files). gatherReport is
// the same for both.
type reportSource struct {
	// name is what the pack says it was made from (report.json's source, the page's header).
	name string
	// where is the progress line's words, caller the identity the pack names.
	where, caller string
	// input holds how coverage.Run reads (Athena and S3, or Offline); gatherReport sets the rest.
	input coverage.Input
	// rec looks up RDP recordings in the digests.
	rec *coverage.Recordings
	// validate checks the digests of opts' hours into rep, or says why it could not.
	validate func(ctx context.Context, rep *report.Report, opts evidence.Options) string
	// scanned counts Athena's bytes; nil offline.
	scanned *coverage.Scanned
}

// bucketSource reads the bucket and Athena with one archive configuration.
func bucketSource(ctx context.Context, f reportFlags, d Deps, c config.Config, now time.Time) (reportSource, string) {
	acfg, arn, err := archiveConfig(ctx, d, c, f.maxAttempts, f.role, f.archiveRole)
	if err != nil {
		return reportSource{}, err.Error()
	}
	bucket := stacks.Install(c).CentralBucketName()
	scanned := &coverage.Scanned{}
	return reportSource{
		name:   "s3://" + bucket,
		where:  fmt.Sprintf("Athena workgroup and bucket in %s %s", c.LogArchiveAccountID, c.HomeRegion),
		caller: arn,
		input: coverage.Input{Athena: athena.NewFromConfig(acfg, scanned.Option), S3: s3.NewFromConfig(acfg, awsapi.S3Options(acfg)),
			Bucket: bucket, Poll: f.poll, Timeout: f.timeout},
		rec: recordings(acfg, c, now),
		validate: func(ctx context.Context, rep *report.Report, opts evidence.Options) string {
			return validateBucket(ctx, rep, acfg, c, f.pubPath, opts)
		},
		scanned: scanned,
	}, ""
}

// copySource reads a downloaded copy of the bucket, as coverage -dir, sessions -dir and validate
// -dir do: no AWS call. The public key is the auditor's (-public-key, required as validate -dir
// requires it): a key read from the copy would only prove the copy agrees with itself.
func copySource(f reportFlags, c config.Config, now time.Time) (reportSource, string) {
	if f.pubPath == "" {
		return reportSource{}, "-dir: pass -public-key <file> too (digests/public-key.pem of the bucket, or aws kms get-public-key; docs/evidence.md)"
	}
	pub, fatal := readPublicKey(f.pubPath)
	if fatal != "" {
		return reportSource{}, fatal
	}
	offline, fatal := offlineCopy(f.dir, c)
	if fatal != "" {
		return reportSource{}, fatal
	}
	return reportSource{
		name:   f.dir,
		where:  "from the copy " + f.dir + " (no AWS call)",
		caller: "none: offline, the copy " + f.dir,
		input:  coverage.Input{Offline: offline},
		rec:    dirRecordings(f.dir, now),
		validate: func(_ context.Context, rep *report.Report, opts evidence.Options) string {
			if fatal := publicKeyFinding(rep, c, "-public-key "+f.pubPath, pub); fatal != "" {
				return fatal
			}
			problems, err := evidence.ValidateDir(evidence.DirOptions{Dir: f.dir, PublicKey: pub, From: opts.From, To: opts.To})
			if err != nil {
				return err.Error()
			}
			addProblems(rep, problems)
			return ""
		},
	}, ""
}
