package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/pack"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

const reportUsage = `  report     writes the evidence pack of -from … -to into a new directory -out: index.html (charts, no
             network), report.json, sessions.csv and SHA256SUMS; from the bucket, or from a downloaded copy
             (-dir, -public-key: no AWS call); exit 1 with findings (docs/audit.md)
`

// digestDue is how long after an hour ends its digest is surely written: the digester runs at five
// past each hour (constructs/digest.Schedule) and writes the hour before; ten minutes of margin.
const digestDue = time.Hour + 10*time.Minute

// reportFlags are the report command's flags.
type reportFlags struct {
	configPath, from, to, out, pubPath, dir string
	maxAttempts                             int
	quiet                                   bool
	archiveFlags
}

func reportCommand(ctx context.Context, args []string, d Deps) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(d.Stderr)
	setHelp(fs, d.Stderr)
	var f reportFlags
	fs.StringVar(&f.configPath, "config", d.Getenv("SESSIONAUDIT_CONFIG"), "configuration file (default $SESSIONAUDIT_CONFIG)")
	fs.StringVar(&f.from, "from", "", "first day (2026-10-01, or 90d: ninety days ago), UTC")
	fs.StringVar(&f.to, "to", "", "last day, included, a day that has ended (default: yesterday, UTC)")
	fs.StringVar(&f.out, "out", "", "`DIR` to write the pack into: a new or empty directory")
	addArchiveFlags(fs, &f.archiveFlags)
	fs.StringVar(&f.dir, "dir", "", dirUsage)
	fs.StringVar(&f.pubPath, "public-key", "", "the digests' public key an auditor trusts, PEM or DER (online, default: the bucket's; required with -dir)")
	fs.IntVar(&f.maxAttempts, "max-attempts", 10, "attempts per AWS call (throttling and 5xx are retried with backoff)")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress lines on stderr (the bytes scanned are still said)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return report.ExitCouldNot
	}
	data, csv, problem := runReport(ctx, f, d)
	if problem == "" {
		var files []pack.File
		if files, problem = packFiles(data, csv); problem == "" {
			if err := pack.Write(f.out, files); err != nil {
				problem = fmt.Sprintf("-out: %v", err)
			} else {
				writeReportSummary(d.Stdout, f.out, data, files)
				return data.Exit()
			}
		}
	}
	fmt.Fprintf(d.Stderr, "sessionaudit report could not run: %s\n", oneLine(problem))
	return report.ExitCouldNot
}

func packFiles(data pack.Data, csv []byte) ([]pack.File, string) {
	files, err := pack.Files(data, csv)
	if err != nil {
		return nil, fmt.Sprintf("rendering the pack: %v", err)
	}
	return files, ""
}

// runReport reads the period: coverage's two queries (the ledger's rows also give the sessions and
// the denied starts) and the digests of its hours, from the bucket or, with -dir, from a
// downloaded copy. It returns the pack's data and sessions.csv, or why it could not run.
func runReport(ctx context.Context, f reportFlags, d Deps) (pack.Data, []byte, string) {
	var data pack.Data
	if f.out == "" {
		return data, nil, "-out: required (a new or empty directory)"
	}
	if f.configPath == "" {
		return data, nil, "no configuration: pass -config <file> or set SESSIONAUDIT_CONFIG"
	}
	c, err := config.LoadFile(f.configPath)
	if err != nil {
		return data, nil, fmt.Sprintf("configuration %s: %v", f.configPath, err)
	}
	now := d.Now().UTC()
	today := now.Truncate(24 * time.Hour)
	first, last, problem := period(f.from, f.to, now, today.AddDate(0, 0, -1))
	if problem == "" && !last.Before(today) {
		problem = fmt.Sprintf("-to: the pack covers whole days that have ended, up to yesterday %s (got %s)", today.AddDate(0, 0, -1).Format("2006-01-02"), last.Format("2006-01-02"))
	}
	if problem != "" {
		return data, nil, problem
	}
	// Checked before the queries, and again by pack.Write (which never writes over files).
	if err := pack.Check(f.out); err != nil {
		return data, nil, fmt.Sprintf("-out: %v", err)
	}
	var src reportSource
	if f.dir != "" {
		src, problem = copySource(f, c, now)
	} else {
		src, problem = bucketSource(ctx, f, d, c, now)
	}
	if problem != "" {
		return data, nil, problem
	}
	var progress io.Writer = io.Discard
	if !f.quiet {
		progress = d.Stderr
	}
	return gatherReport(ctx, d, c, src, first, last, now, progress)
}

// gatherReport reads the period's rows, recordings and digests from src and makes the pack's data:
// the one path of report online and offline, which differ only in src.
func gatherReport(ctx context.Context, d Deps, c config.Config, src reportSource, first, last, now time.Time, progress io.Writer) (pack.Data, []byte, string) {
	var data pack.Data
	end := last.AddDate(0, 0, 1)
	fmt.Fprintf(progress, "report: %s to %s, %s\n", first.Format("2006-01-02"), last.Format("2006-01-02"), src.where)
	var ledger []coverage.Row
	cov := &report.Report{Command: "coverage"}
	in := src.input
	in.Config, in.From, in.To, in.Report, in.Progress = c, first, end, cov, progress
	in.Ledger = func(rows []coverage.Row) { ledger = rows }
	in.Recordings = src.rec // coverage's and the sessions' look-ups share the digests read
	if err := coverage.Run(ctx, in); err != nil {
		return data, nil, err.Error()
	}
	sessions, err := coverage.Sessions(ledger, first, end, coverage.Filter{Regions: c.Regions})
	if err == nil {
		err = coverage.LookUpRecordings(ctx, sessions, src.rec)
	}
	sayDigestReads(progress, "report", src.rec)
	if err != nil {
		return data, nil, err.Error()
	}
	denied, err := coverage.Denied(ledger, first, end)
	if err != nil {
		return data, nil, err.Error()
	}
	// The digests of the period's hours whose digest is written by now.
	opts := evidence.Options{From: first, To: end.Add(-time.Hour)}
	if due := now.Add(-digestDue).Truncate(time.Hour); due.Before(opts.To) {
		opts.To = due
	}
	fmt.Fprintf(progress, "report: %d session(s), %d denied; the digests of %s to %s\n", len(sessions), len(denied), opts.From.Format(hourLayout), opts.To.Format(hourLayout))
	val := &report.Report{Command: "validate"}
	if fatal := src.validate(ctx, val, opts); fatal != "" {
		return data, nil, fatal
	}
	cov.Sort()
	val.Sort()
	var n int64
	if src.scanned != nil {
		n = src.scanned.Bytes()
		fmt.Fprintf(d.Stderr, "report: %d bytes scanned, $%.6f at $%.2f per TB scanned (https://aws.amazon.com/athena/pricing/)\n", n, coverage.Price(n), coverage.PricePerTB)
	}
	var csv bytes.Buffer
	if err := writeSessions(&csv, sessions, false, true); err != nil {
		return data, nil, err.Error()
	}
	data = pack.Data{Generated: now, From: first.Format("2006-01-02"), To: last.Format("2006-01-02"), Organization: c.OrganizationID, Caller: src.caller,
		Source: src.name, BytesScanned: n, Sessions: sessions, Denied: denied, Coverage: cov.Findings,
		Validation: pack.Validation{From: opts.From.Format(hourLayout), To: opts.To.Format(hourLayout),
			Hours: int(opts.To.Sub(opts.From)/time.Hour) + 1, Findings: val.Findings}}
	return data, csv.Bytes(), ""
}

// hourLayout writes an hour as validate's -from and -to read it.
const hourLayout = "2006-01-02T15"

// writeReportSummary says what was written, the manifest's own SHA-256 (to note down on handing
// the pack over), and the summary's numbers.
func writeReportSummary(w io.Writer, dir string, data pack.Data, files []pack.File) {
	s := pack.Summarize(data)
	fmt.Fprintf(w, "wrote %s:", dir)
	for _, f := range files {
		fmt.Fprintf(w, " %s", f.Name)
	}
	manifest := pack.Sums(files[len(files)-1:])
	fmt.Fprintf(w, "\n%s (%s)", manifest[:64], pack.Manifest)
	fmt.Fprintf(w, "\n%s to %s: %d session(s), %d NOT LOGGED, %d denied, %d without a record, %d output without a start; digests of %d hour(s): %d problem(s)\n",
		data.From, data.To, s.Sessions, s.NotLogged, s.Denied, s.WithoutRecord, s.Forged, data.Validation.Hours, s.Problems)
	fmt.Fprintf(w, "verdict: %s (%s)\n", s.Verdict, s.VerdictText)
}
