package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// sessions for a month of an organization of 1,000 member accounts: one session a day in each
// (30,000 sessions, 60,000 ledger rows with their ends), Athena's pages of 1,000 rows. The query
// reads only the period's arrival days (the ledger's day partitions, and the look-back for access
// requests): its parameters name them. SESSIONAUDIT_BENCH=1 (make bench) prints time and calls.
func TestSessionsOf1000Accounts(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	const accounts, days = 1000, 30
	var rows [][]string
	for d := 1; d <= days; d++ {
		for a := 1; a <= accounts; a++ {
			id := fmt.Sprintf("s-%02d-%04d", d, a)
			account := fakeaws.AccountID(a)
			s := start(id, account, "us-east-1", "")
			s[0] = fmt.Sprintf("2026-11-%02dT10:00:00Z", d)
			e := slices.Clone(s)
			e[0], e[3], e[9] = fmt.Sprintf("2026-11-%02dT10:05:00Z", d), "TerminateSession", "t-"+id
			rows = append(rows, s, e)
		}
	}
	f := newFake(t, 2, nil, func(o *fakeaws.Org) {
		o.PageSize = coverage.MaxResultsPerPage
		cannedLedger(48_213_904, rows...)(o)
	})
	began := time.Now()
	code, list, errOut := runSessionsPeriod(t, f, "2026-11-01", "2026-11-30")
	took := time.Since(began)
	if code != report.ExitClean || len(list) != accounts*days {
		t.Fatalf("exit %d, %d sessions, want %d\n%s", code, len(list), accounts*days, errOut)
	}
	if list[0].Duration != "5m0s" || list[len(list)-1].Start != "2026-11-30T10:00:00Z" {
		t.Errorf("first %+v, last %+v", list[0], list[len(list)-1])
	}
	executed := f.org.Executed()
	if len(executed) != 1 || executed[0].SQL != coverage.SessionsSQL ||
		!slices.Equal(executed[0].Params, []string{"'2026/10/25'", "'2026/12/01'", "'2026/11/01'"}) {
		t.Fatalf("queries: %+v", executed)
	}
	// The parameters bound the partition column of the one table read.
	if !strings.Contains(coverage.SessionsSQL, "FROM ledger_events\n  WHERE day BETWEEN ? AND ?\n") || strings.Count(coverage.SessionsSQL, "FROM ledger_events") != 1 {
		t.Errorf("the sessions query does not read ledger_events by its day partitions only")
	}
	calls := f.srv.TotalCalls()
	// 60,000 rows and a header: 61 pages; StartQueryExecution, the state polls, the caller, the role.
	if calls > 80 {
		t.Errorf("%d AWS calls for a month of 1,000 accounts", calls)
	}
	if took > time.Minute {
		t.Errorf("sessions took %s", took)
	}
	if os.Getenv("SESSIONAUDIT_BENCH") != "" {
		fmt.Printf("| sessions, a month of 1,000 member accounts (30,000 sessions, 60,000 ledger rows) | %.2f | %d calls |\n", took.Seconds(), calls)
	}
}

// runSessionsPeriod runs sessions -json over from … to and reads the array back.
func runSessionsPeriod(t *testing.T, f *fake, from, to string) (int, []coverage.Session, string) {
	t.Helper()
	code, out, errOut := f.run("sessions", "-from", from, "-to", to, "-poll", "1ms", "-json")
	var list []coverage.Session
	if code == report.ExitClean {
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("not a JSON array: %v", err)
		}
	}
	return code, list, errOut
}
