package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/report"
	"github.com/sessionaudit/sessionaudit/stacks"
)

const coverageUsage = `  coverage   lists every session started in -from … -to (days, or -from 7d) and what the archive holds
             of it (Athena in the log-archive account; -dir DIR: a downloaded copy of the bucket,
             no AWS call); exit 1 when one has no record
`

// parseDay reads 2026-11-01, or Nd (N days before today, UTC) for -from.
func parseDay(s string, now time.Time) (time.Time, error) {
	if n, err := strconv.Atoi(strings.TrimSuffix(s, "d")); err == nil && strings.HasSuffix(s, "d") && n > 0 {
		d := now.UTC().Truncate(24 * time.Hour)
		return d.AddDate(0, 0, -n), nil
	}
	return time.Parse("2006-01-02", s)
}

func coverageCommand(ctx context.Context, args []string, d Deps) int {
	fs := flag.NewFlagSet("coverage", flag.ContinueOnError)
	fs.SetOutput(d.Stderr)
	setHelp(fs, d.Stderr)
	configPath := fs.String("config", d.Getenv("SESSIONAUDIT_CONFIG"), "configuration file (default $SESSIONAUDIT_CONFIG)")
	from := fs.String("from", "", "first day (2026-11-01, or 7d: seven days ago), UTC")
	to := fs.String("to", "", "last day, included (default: yesterday, UTC)")
	jsonOut := fs.Bool("json", false, "write the report as JSON")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr")
	var a archiveFlags
	addArchiveFlags(fs, &a)
	dir := fs.String("dir", "", dirUsage)
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return report.ExitCouldNot
	}
	rep := &report.Report{Command: "coverage"}
	var code int
	if *dir != "" {
		code = runCoverageDir(ctx, d, rep, *configPath, *dir, *from, *to, *quiet)
	} else {
		code = runCoverage(ctx, d, rep, *configPath, *from, *to, a.role, a.archiveRole, a.poll, a.timeout, *quiet)
	}
	var err error
	if *jsonOut {
		if rep.Fatal != "" {
			fmt.Fprintf(d.Stderr, "sessionaudit coverage could not run: %s\n", oneLine(rep.Fatal))
		}
		err = rep.WriteJSON(d.Stdout)
	} else {
		err = rep.WriteHuman(d.Stdout)
	}
	if err != nil {
		return report.ExitCouldNot
	}
	if code != 0 {
		return code
	}
	return rep.ExitCode()
}

func runCoverage(ctx context.Context, d Deps, rep *report.Report, path, from, to, role, archiveRole string, poll, timeout time.Duration, quiet bool) int {
	fatal := func(format string, a ...any) int {
		rep.Fatal = fmt.Sprintf(format, a...)
		return report.ExitCouldNot
	}
	if path == "" {
		return fatal("no configuration: pass -config <file> or set SESSIONAUDIT_CONFIG")
	}
	c, err := config.LoadFile(path)
	if err != nil {
		return fatal("configuration %s: %v", path, err)
	}
	rep.Organization, rep.Regions = c.OrganizationID, c.Regions
	now := d.Now()
	first, last, problem := period(from, to, now, now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1))
	if problem != "" {
		return fatal("%s", problem)
	}
	acfg, arn, err := archiveConfig(ctx, d, c, 10, role, archiveRole)
	if err != nil {
		return fatal("%v", err)
	}
	rep.Caller = arn
	var progress io.Writer = io.Discard
	if !quiet {
		progress = d.Stderr
	}
	fmt.Fprintf(progress, "coverage: %s to %s, Athena workgroup in %s %s\n", first.Format("2006-01-02"), last.Format("2006-01-02"), c.LogArchiveAccountID, c.HomeRegion)
	rec := recordings(acfg, c, now)
	err = coverage.Run(ctx, coverage.Input{Config: c, Athena: athena.NewFromConfig(acfg), S3: s3.NewFromConfig(acfg, awsapi.S3Options(acfg)),
		Bucket: stacks.Install(c).CentralBucketName(), From: first, To: last.AddDate(0, 0, 1), Poll: poll, Timeout: timeout, Report: rep, Progress: progress,
		Recordings: rec})
	sayDigestReads(d.Stderr, "coverage", rec) // said even with -quiet: the reads cost
	if err != nil {
		return fatal("%v", err)
	}
	rep.Sort()
	return 0
}
