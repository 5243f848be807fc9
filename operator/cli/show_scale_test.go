package cli

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
)

// showMonth is a month of an organization of 1,000 member accounts in the central bucket: one
// session a day in each account (30,000), in the configuration's regions in turn, with their
// ledger rows (start and end), transcripts, forwarded-output objects and ledger objects.
type showMonth struct {
	ledger      [][]string // sessionsColumns
	transcripts []string   // keys
	objects     []string   // forwarded-output and ledger object keys
}

// newShowMonth builds the month; session noTranscript has no transcript.
func newShowMonth(regions []string, noTranscript string) *showMonth {
	const accounts, days = 1000, 30
	m := &showMonth{}
	for d := 1; d <= days; d++ {
		for a := 1; a <= accounts; a++ {
			id, account, region := fmt.Sprintf("s-%02d-%04d", d, a), fakeaws.AccountID(a), regions[a%len(regions)]
			s := start(id, account, region, "")
			s[0] = fmt.Sprintf("2026-11-%02dT10:00:00Z", d)
			e := slices.Clone(s)
			e[0], e[3], e[9] = fmt.Sprintf("2026-11-%02dT10:05:00Z", d), "TerminateSession", "t-"+id
			m.ledger = append(m.ledger, withJoin(s, "", "", "", "", ""), withJoin(e, "", "", "", "", ""))
			if id != noTranscript {
				m.transcripts = append(m.transcripts, archivelayout.TranscriptKeyPrefix(account, region)+"/"+id+".log")
			}
			m.objects = append(m.objects, fmt.Sprintf("%s%s/2026/11/%02d/%s/session-audit-forwarded-1-2026-11-%02d-10-00-00-%s.gz",
				archivelayout.ForwardedPrefix, region, d, account, d, id))
		}
		for h := range 24 {
			m.objects = append(m.objects, fmt.Sprintf("%s2026/11/%02d/%02d/session-audit-ledger-1-2026-11-%02d-%02d-00-00-0a1b2c3d.gz", archivelayout.LedgerPrefix, d, h, d, h))
		}
	}
	return m
}

// fill puts the month into the fake's bucket and answers show's two queries for session id as
// Athena would from the month: the ledger rows that name it, and its forwarded events (lines).
func (m *showMonth) fill(o *fakeaws.Org, id string, forwarded [][]string) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for i, k := range m.transcripts {
		o.PutVersion(k, fakeaws.ObjectVersion{ID: fmt.Sprintf("v%d", i), Body: []byte("sh-5.2$ echo " + k + "\n"), LastModified: at})
	}
	for _, k := range m.objects {
		o.Objects[k] = time.Time{}
	}
	var rows [][]string
	for _, r := range m.ledger {
		if r[4] == id {
			rows = append(rows, r)
		}
	}
	o.PageSize = coverage.MaxResultsPerPage
	o.Canned = map[string]*fakeaws.Canned{
		coverage.SessionLedgerSQL: {Columns: sessionsColumns, Rows: rows, Scanned: 4_821_390},
		coverage.SessionOutputSQL: {Columns: coverage.SessionOutputColumns, Rows: forwarded, Scanned: 1_204_000},
	}
}

// show of one session in a month of an organization of 1,000 member accounts (showMonth), found
// (a) by its transcript and (b) only in its forwarded output. The ledger query names the arrival
// days of the period (and the access-request look-back) as the bounds of the ledger's only
// partition column, day; the forwarded query the session's region and days, the forwarded
// table's two partition columns (the account is a folder below them, checked on each row). S3 is
// read by the transcript's exact key: no ListObjects call, no prefix wider than the key. The AWS
// calls are counted. SESSIONAUDIT_BENCH=1 (make bench) prints time and calls.
func TestShowOf1000Accounts(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	regions := newFake(t, 1, nil, nil).cfg.Regions
	forwardedOnly := "s-20-0777"
	month := newShowMonth(regions, forwardedOnly)
	for _, tc := range []struct {
		name, id, bench string
		forwarded       [][]string
		lines           []string
		// The queries and their parameters, as the SQL literals Athena receives.
		queries [][]string
		// The S3 calls: operation and the key or prefix each names.
		s3 []string
	}{
		{name: "by its transcript", id: "s-15-0500", bench: "from its transcript",
			lines:   []string{"sh-5.2$ echo " + archivelayout.TranscriptKeyPrefix(fakeaws.AccountID(500), regions[500%len(regions)]) + "/s-15-0500.log"},
			queries: [][]string{{"ledger", "'2026/10/24'", "'2026/12/01'", "'2026/10/31'", "'s-15-0500'"}},
			s3: []string{"ListObjectVersions " + archivelayout.TranscriptKeyPrefix(fakeaws.AccountID(500), regions[500%len(regions)]) + "/s-15-0500.log",
				"GetObject " + archivelayout.TranscriptKeyPrefix(fakeaws.AccountID(500), regions[500%len(regions)]) + "/s-15-0500.log"}},
		{name: "only in its forwarded output", id: forwardedOnly, bench: "only in its forwarded output",
			forwarded: [][]string{showScaleRow(fakeaws.AccountID(777), regions[777%len(regions)], "2026-11-20T10:00:05Z", "sh-5.2$ id"),
				showScaleRow(fakeaws.AccountID(777), regions[777%len(regions)], "2026-11-20T10:04:59Z", "sh-5.2$ exit")},
			lines: []string{"sh-5.2$ id", "sh-5.2$ exit"},
			queries: [][]string{{"ledger", "'2026/10/24'", "'2026/12/01'", "'2026/10/31'", "'" + forwardedOnly + "'"},
				{"output", "'" + regions[777%len(regions)] + "'", "'2026/11/20'", "'2026/11/21'", "'" + forwardedOnly + "'"}},
			s3: []string{"ListObjectVersions " + archivelayout.TranscriptKeyPrefix(fakeaws.AccountID(777), regions[777%len(regions)]) + "/" + forwardedOnly + ".log"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, 1, nil, func(o *fakeaws.Org) { month.fill(o, tc.id, tc.forwarded) })
			var mu sync.Mutex
			var s3 []string
			f.srv.Inject = func(r *fakeaws.Request) *fakeaws.APIError {
				if r.Service == "s3" {
					named := r.Query.Get("prefix")
					if r.Operation != "ListObjectVersions" && r.Operation != "ListObjectsV2" && r.Operation != "ListObjects" {
						_, named, _ = strings.Cut(strings.TrimPrefix(r.Path, "/"), "/") // /bucket/key
					}
					mu.Lock()
					s3 = append(s3, r.Operation+" "+named)
					mu.Unlock()
				}
				return nil
			}
			began := time.Now()
			code, out, errs := f.run("show", tc.id, "-to", "2026-11-30", "-poll", "1ms")
			took := time.Since(began)
			if code != 0 {
				t.Fatalf("exit %d:\n%s\n%s", code, errs, out)
			}
			if got := bodyLines(t, out); !slices.Equal(got, tc.lines) {
				t.Errorf("output %q, want %q", got, tc.lines)
			}
			var queries [][]string
			for _, q := range f.org.Executed() {
				name := map[string]string{coverage.SessionLedgerSQL: "ledger", coverage.SessionOutputSQL: "output"}[q.SQL]
				queries = append(queries, append([]string{name}, q.Params...))
			}
			if !slices.EqualFunc(queries, tc.queries, slices.Equal) {
				t.Errorf("queries %q, want %q", queries, tc.queries)
			}
			if !slices.Equal(s3, tc.s3) {
				t.Errorf("S3 calls %q, want %q (no listing, each by the exact key)", s3, tc.s3)
			}
			calls := f.srv.TotalCalls()
			// The caller and the archive's credentials; per query StartQueryExecution, the state
			// polls and one page of results; the transcript's versions and the object: 7 and 9.
			if calls > 12 {
				t.Errorf("%d AWS calls for one session", calls)
			}
			if took > 10*time.Second {
				t.Errorf("show took %s", took)
			}
			if os.Getenv("SESSIONAUDIT_BENCH") != "" {
				fmt.Printf("| show of one session of a month of 1,000 member accounts (30,000 sessions), %s | %.2f | %d calls |\n", tc.bench, took.Seconds(), calls)
			}
		})
	}
}

// The queries prune: each reads its one table once, bounded by the table's partition columns
// (archivesearch: the ledger's day; the forwarded output's region and day), whose bounds are the
// parameters TestShowOf1000Accounts asserts.
func TestShowQueriesReadPartitions(t *testing.T) {
	tables := []string{archivesearch.LedgerTable, archivesearch.ForwardedTable, archivesearch.TranscriptTable}
	for _, tc := range []struct{ name, sql, table, where string }{
		{"ledger", coverage.SessionLedgerSQL, archivesearch.LedgerTable, "\n  WHERE day BETWEEN ? AND ?\n"},
		{"forwarded output", coverage.SessionOutputSQL, archivesearch.ForwardedTable, "\nWHERE region = ? AND day BETWEEN ? AND ? AND sessionid = ?\n"},
	} {
		if strings.Count(tc.sql, tc.table) != 1 || !strings.Contains(tc.sql, "FROM "+tc.table+tc.where) {
			t.Errorf("%s: the query does not read %s once, by %q:\n%s", tc.name, tc.table, strings.TrimSpace(tc.where), tc.sql)
		}
		for _, other := range tables {
			if other != tc.table && strings.Contains(tc.sql, other) {
				t.Errorf("%s: the query reads %s too", tc.name, other)
			}
		}
	}
}

func showScaleRow(account, region, at string, lines ...string) []string {
	r := forwardedRow(account, at, lines...)
	r[5] = region
	return r
}
