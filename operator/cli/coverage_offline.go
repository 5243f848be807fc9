package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/report"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// dirUsage is the -dir flag of the commands that read a downloaded copy of the bucket.
const dirUsage = "a downloaded copy of the archive bucket (aws s3 sync s3://<bucket> <dir>); without it, the bucket itself is read"

// runCoverageDir is coverage -dir: the same comparison (coverage.Run) over the rows the Go reader
// gives from the copy (coverage.Dir: the ledger's and forwarded output's day partitions of the
// period, equal to the queries' rows: test/search/offline.test.js), transcripts by their files,
// RDP recordings by the copy's digests. The configuration (-config) is still read: the governed
// regions, the rollout phase and the log-archive account are the configuration's, as online.
func runCoverageDir(ctx context.Context, d Deps, rep *report.Report, path, dir, from, to string, quiet bool) int {
	fatal := func(format string, a ...any) int {
		rep.Fatal = fmt.Sprintf(format, a...)
		return report.ExitCouldNot
	}
	if path == "" {
		return fatal("no configuration: pass -config <file> or set SESSIONAUDIT_CONFIG (the governed regions and the rollout phase are read from it, with -dir too)")
	}
	c, err := config.LoadFile(path)
	if err != nil {
		return fatal("configuration %s: %v", path, err)
	}
	rep.Organization, rep.Regions = c.OrganizationID, c.Regions
	rep.Caller = "none: offline, the copy " + dir
	now := d.Now()
	first, last, problem := period(from, to, now, now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1))
	if problem != "" {
		return fatal("%s", problem)
	}
	offline, problem := offlineCopy(dir, c)
	if problem != "" {
		return fatal("%s", problem)
	}
	var progress io.Writer = io.Discard
	if !quiet {
		progress = d.Stderr
	}
	fmt.Fprintf(progress, "coverage: %s to %s, from the copy %s (no AWS call)\n", first.Format("2006-01-02"), last.Format("2006-01-02"), dir)
	err = coverage.Run(ctx, coverage.Input{Config: c, Offline: offline,
		From: first, To: last.AddDate(0, 0, 1), Report: rep, Progress: progress, Recordings: dirRecordings(dir, now)})
	if err != nil {
		return fatal("%v", err)
	}
	rep.Sort()
	return 0
}

// offlineCopy is the reader of the copy dir, or what is wrong with it: not a directory, or no
// ledger/ directory (not a copy of the bucket, or not of all of it: the commands cannot see,
// which is not the same as an empty ledger for the period, a finding).
func offlineCopy(dir string, c config.Config) (*coverage.Dir, string) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Sprintf("-dir: not a directory (got %q)", dir)
	}
	if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(archivelayout.LedgerPrefix))); err != nil || !st.IsDir() {
		return nil, fmt.Sprintf("-dir %s: no %s directory: not a copy of the archive bucket (aws s3 sync s3://%s %s)", dir, archivelayout.LedgerPrefix, stacks.CentralBucketName(c), dir)
	}
	return &coverage.Dir{Path: dir, Regions: c.Regions}, ""
}

// dirRecordings looks up RDP recordings in the copy's digests, as recordings does in the bucket's.
func dirRecordings(dir string, now time.Time) *coverage.Recordings {
	r := coverage.NewRecordings(evidence.DirArchive(dir))
	r.Due = now.Add(-digestDue).Truncate(time.Hour)
	return r
}
