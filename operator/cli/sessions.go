package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

const sessionsUsage = `  sessions   lists the sessions and connections the ledger saw start in -from … -to, one line each (-who,
             -account, -node, -way, -grep; -json or -csv): who, reason, approver, where it is recorded, NOT LOGGED
             (Athena; -dir DIR: a downloaded copy of the bucket, no AWS call)
`

// sessionsHeader are the columns of the CSV output, in Session's JSON names; the table shows the
// first tableColumns of them.
var sessionsHeader = []string{"start", "end", "duration", "person", "account", "region", "node", "way", "reason", "approver", "recorded", "id",
	"logged", "request", "requester", "principal"}

const tableColumns = 12

func sessionsRow(s coverage.Session) []string {
	return []string{s.Start, s.End, s.Duration, s.Person, s.Account, s.Region, s.Node, s.Way, s.Reason, s.Approver, s.Recorded, s.ID,
		s.Logged, s.Request, s.Requester, s.Principal}
}

func sessionsCommand(ctx context.Context, args []string, d Deps) int {
	fs := flag.NewFlagSet("sessions", flag.ContinueOnError)
	fs.SetOutput(d.Stderr)
	setHelp(fs, d.Stderr)
	configPath := fs.String("config", d.Getenv("SESSIONAUDIT_CONFIG"), "configuration file (default $SESSIONAUDIT_CONFIG)")
	from := fs.String("from", "", "first day (2026-11-01, or 7d: seven days ago), UTC")
	to := fs.String("to", "", "last day, included (default: today, UTC)")
	var f coverage.Filter
	fs.StringVar(&f.Who, "who", "", "`PATTERN` (* and ?) of the person, the principal ARN, or a just-in-time session's requester ARN")
	fs.StringVar(&f.Account, "account", "", "account `ID`")
	fs.StringVar(&f.Node, "node", "", "node `ID` (instance, managed node, or ECS cluster)")
	fs.StringVar(&f.Way, "way", "", "`KIND`: "+strings.Join(coverage.Ways, ", "))
	grep := fs.String("grep", "", "`REGEX`: only sessions with a forwarded output line that matches (Athena regexp_like; see docs/audit.md)")
	jsonOut := fs.Bool("json", false, "write the sessions as a JSON array")
	csvOut := fs.Bool("csv", false, "write the sessions as CSV with a header row")
	quiet := fs.Bool("quiet", false, "no progress lines on stderr (the bytes scanned are still said)")
	var a archiveFlags
	addArchiveFlags(fs, &a)
	dir := fs.String("dir", "", dirUsage)
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return report.ExitCouldNot
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(d.Stderr, "sessionaudit sessions could not run: "+format+"\n", a...)
		return report.ExitCouldNot
	}
	if *jsonOut && *csvOut {
		return fail("-json and -csv: choose one")
	}
	if f.Way != "" && !slices.Contains(coverage.Ways, f.Way) {
		return fail("-way: not a way in (%s) (got %q)", strings.Join(coverage.Ways, ", "), f.Way)
	}
	if *grep != "" {
		if problem := coverage.CheckGrep(*grep); problem != "" {
			return fail("-grep: %s (got %q)", problem, *grep)
		}
	}
	if *configPath == "" {
		return fail("no configuration: pass -config <file> or set SESSIONAUDIT_CONFIG")
	}
	c, err := config.LoadFile(*configPath)
	if err != nil {
		return fail("configuration %s: %v", *configPath, err)
	}
	f.Regions = c.Regions
	now := d.Now()
	first, last, problem := period(*from, *to, now, now.UTC().Truncate(24*time.Hour))
	if problem != "" {
		return fail("%s", problem)
	}
	progress := d.Stderr
	if *quiet {
		progress = io.Discard
	}
	var scanned coverage.Scanned
	var client *athena.Client
	var rec *coverage.Recordings
	where := fmt.Sprintf("Athena workgroup in %s %s", c.LogArchiveAccountID, c.HomeRegion)
	query := func(sql string, params, columns []string) ([]coverage.Row, error) {
		return coverage.Query(ctx, client, c.LogArchiveAccountID, sql, params, columns, a.poll, a.timeout)
	}
	if *dir != "" {
		offline, problem := offlineCopy(*dir, c)
		if problem != "" {
			return fail("%s", problem)
		}
		where = "from the copy " + *dir + " (no AWS call)"
		query = func(sql string, params, _ []string) ([]coverage.Row, error) { return offline.Rows(ctx, sql, params) }
		rec = dirRecordings(*dir, now)
	} else {
		acfg, _, err := archiveConfig(ctx, d, c, 10, a.role, a.archiveRole)
		if err != nil {
			return fail("%v", err)
		}
		client = athena.NewFromConfig(acfg, scanned.Option)
		rec = recordings(acfg, c, now)
	}
	// The ledger's day is the arrival day: the day after the period catches late arrivals and the
	// TerminateSession of a session started on its last day.
	day := func(t time.Time) string { return t.UTC().Format("2006/01/02") }
	// The access requests of just-in-time sessions are read from LedgerLookBack days before.
	fmt.Fprintf(progress, "sessions: the ledger, %s to %s (access requests from %s), %s\n",
		day(first), day(last.AddDate(0, 0, 1)), day(first.AddDate(0, 0, -coverage.LedgerLookBack)), where)
	started := time.Now()
	rows, err := query(coverage.SessionsSQL,
		[]string{day(first.AddDate(0, 0, -coverage.LedgerLookBack)), day(last.AddDate(0, 0, 1)), day(first)}, coverage.SessionsColumns)
	if err != nil {
		return fail("%v", err)
	}
	if *grep != "" {
		// A session's output arrives from its start day on, the day after the period included.
		fmt.Fprintf(progress, "sessions: forwarded output matching %q, %s to %s\n", *grep, day(first), day(last.AddDate(0, 0, 1)))
		matches, err := query(coverage.GrepSQL, []string{day(first), day(last.AddDate(0, 0, 1)), *grep}, coverage.GrepColumns)
		if err != nil {
			return fail("%v", err)
		}
		f.Grep = map[string]bool{}
		for _, m := range matches {
			f.Grep[m["sessionid"]] = true
		}
	}
	list, err := coverage.Sessions(rows, first, last.AddDate(0, 0, 1), f)
	if err != nil {
		return fail("%v", err)
	}
	// RDP recordings: the digests of each connection's hours, each hour read once.
	err = coverage.LookUpRecordings(ctx, list, rec)
	sayDigestReads(d.Stderr, "sessions", rec) // said even with -quiet, as the bytes scanned
	if err != nil {
		return fail("%v", err)
	}
	n := scanned.Bytes()
	fmt.Fprintf(progress, "sessions: %d ledger event(s) in %s; %d session(s) match\n", len(rows), time.Since(started).Round(time.Millisecond), len(list))
	// Said even with -quiet: the run's cost (Athena pricing, coverage.PricePerTB); none offline.
	if *dir == "" {
		fmt.Fprintf(d.Stderr, "sessions: %d bytes scanned, $%.6f at $%.2f per TB scanned (https://aws.amazon.com/athena/pricing/)\n", n, coverage.Price(n), coverage.PricePerTB)
	}
	if err := writeSessions(d.Stdout, list, *jsonOut, *csvOut); err != nil {
		return fail("writing: %v", err)
	}
	return report.ExitClean
}

// writeSessions writes list as JSON, CSV or a table; an empty table says "no sessions".
func writeSessions(w io.Writer, list []coverage.Session, jsonOut, csvOut bool) error {
	switch {
	case jsonOut:
		if list == nil {
			list = []coverage.Session{}
		}
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(list)
	case csvOut:
		cw := csv.NewWriter(w)
		_ = cw.Write(sessionsHeader)
		for _, s := range list {
			_ = cw.Write(sessionsRow(s))
		}
		cw.Flush()
		return cw.Error()
	case len(list) == 0:
		_, err := fmt.Fprintln(w, "no sessions")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(sessionsHeader[:tableColumns], "\t")))
	for _, s := range list {
		r := sessionsRow(s)
		var names []string // the table names the approvers; CSV and JSON keep their ARNs
		for _, a := range strings.Fields(s.Approver) {
			names = append(names, coverage.Person(a))
		}
		r[slices.Index(sessionsHeader, "approver")] = strings.Join(names, " ")
		for i, v := range r {
			r[i] = strings.Join(strings.Fields(v), " ") // a reason's tabs and line breaks would break the table
			if r[i] == "" {
				r[i] = "-"
			}
		}
		fmt.Fprintln(tw, strings.Join(r[:tableColumns], "\t"))
	}
	return tw.Flush()
}
