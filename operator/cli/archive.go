package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/permissions"
)

// archiveConfig is the AWS configuration of the commands that read the archive (coverage,
// sessions, validate without -dir): the caller's configuration with maxAttempts, the caller named
// (sts:GetCallerIdentity: an empty account or ARN is an error, never an anonymous run), and
// archiveRole (role when empty) assumed in the log-archive account's home region, unless the
// caller is that account. It returns the caller's ARN for the report.
func archiveConfig(ctx context.Context, d Deps, c config.Config, maxAttempts int, role, archiveRole string) (aws.Config, string, error) {
	cfg, err := d.LoadAWS(ctx, c.HomeRegion, awsapi.NewRetryer(awsapi.Retry{MaxAttempts: maxAttempts, MaxBackoff: d.MaxBackoff}))
	if err != nil {
		return aws.Config{}, "", fmt.Errorf("loading the AWS configuration: %v", err)
	}
	if d.Recorder != nil {
		d.Recorder.Install(&cfg)
	}
	account, arn, err := awsapi.CallerIdentity(ctx, cfg)
	if err != nil {
		return aws.Config{}, "", awsapi.Classify(err, "sts:GetCallerIdentity", "(caller)", c.HomeRegion)
	}
	if account == "" || arn == "" {
		return aws.Config{}, "", fmt.Errorf("sts:GetCallerIdentity did not say who the caller is (account %q, ARN %q)", account, arn)
	}
	if archiveRole == "" {
		archiveRole = role
	}
	return awsapi.NewSession(cfg, account, role).ConfigAs(c.LogArchiveAccountID, c.HomeRegion, archiveRole), arn, nil
}

// period reads -from and -to as days (parseDay: 2026-11-01 or 7d; -to a date, lastByDefault when
// empty) and says what is wrong with them, in the CLI's words.
func period(from, to string, now, lastByDefault time.Time) (first, last time.Time, problem string) {
	if from == "" {
		return first, last, "-from: required (2026-11-01 or 7d)"
	}
	first, err := parseDay(from, now)
	if err != nil {
		return first, last, fmt.Sprintf("-from: not a day such as 2026-11-01 or 7d (got %q)", from)
	}
	last = lastByDefault
	if to != "" {
		if last, err = time.Parse("2006-01-02", to); err != nil {
			return first, last, fmt.Sprintf("-to: not a day such as 2026-11-30 (got %q)", to)
		}
	}
	if last.Before(first) {
		return first, last, fmt.Sprintf("-to %s is before -from %s", last.Format("2006-01-02"), first.Format("2006-01-02"))
	}
	return first, last, ""
}

// archiveFlags are the flags of the commands that query the archive (coverage, sessions, report,
// show and play without -file): the roles that reach the log-archive account and how a query is
// waited for.
type archiveFlags struct {
	role, archiveRole string
	poll, timeout     time.Duration
}

// addArchiveFlags registers -role, -archive-role, -poll and -timeout on fs, into f.
func addArchiveFlags(fs *flag.FlagSet, f *archiveFlags) {
	fs.StringVar(&f.role, "role", permissions.DefaultReadRole, roleUsage)
	fs.StringVar(&f.archiveRole, "archive-role", "", "role assumed in the log-archive account (default: -role; none when the caller is the log-archive account)")
	fs.DurationVar(&f.poll, "poll", 2*time.Second, "wait between two looks at a query")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Minute, "longest wait for one query")
}
