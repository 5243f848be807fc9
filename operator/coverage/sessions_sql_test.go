package coverage

import (
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
	"github.com/sessionaudit/sessionaudit/constructs/loginnotifier"
)

// The names the SQL files spell are the ones the Go code defines: the token role, the events the
// ledger's rules let in, the tables, and the columns read.
func TestSessionsSQLNames(t *testing.T) {
	for _, tc := range []struct{ name, sql, want string }{
		{"token role", SessionsSQL, "'%:assumed-role/" + JustInTimeRole + "/%'"},
		{"status event", SessionsSQL, "'" + loginnotifier.AccessRequestStatusDetailType + "'"},
		{"approval signal", SessionsSQL, "= '" + loginnotifier.ApprovalSignals[0] + "'"},
		{"ledger table", SessionsSQL, "FROM " + archivesearch.LedgerTable + "\n"},
		{"forwarded table", GrepSQL, "FROM " + archivesearch.ForwardedTable + "\n"},
		{"grep column", GrepSQL, "SELECT DISTINCT " + GrepColumns[0] + "\n"},
	} {
		if !strings.Contains(tc.sql, tc.want) {
			t.Errorf("%s: the SQL does not contain %q", tc.name, tc.want)
		}
	}
	if loginnotifier.ApprovalSignals[0] != "Approve" {
		t.Errorf("ApprovalSignals[0] is %q: the query counts approvals only", loginnotifier.ApprovalSignals[0])
	}
	for _, c := range SessionsColumns {
		if !strings.Contains(SessionsSQL, " "+c+",") && !strings.Contains(SessionsSQL, "."+c+",") && !strings.Contains(SessionsSQL, " AS "+c) && !strings.Contains(SessionsSQL, "."+c+"\n") {
			t.Errorf("column %q is not selected by SessionsSQL", c)
		}
	}
}
