package coverage

import (
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
)

// The queries read the tables archivesearch defines, with its account expression.
func TestQueriesUseTheArchiveSearchNames(t *testing.T) {
	for _, tc := range []struct{ name, sql, want string }{
		{"ledger table", LedgerSQL, "FROM " + archivesearch.LedgerTable + "\n"},
		{"forwarded table", ForwardedSQL, "FROM " + archivesearch.ForwardedTable + "\n"},
		{"account of path", ForwardedSQL, archivesearch.AccountOfPath + " AS account"},
		{"one session's forwarded table", SessionOutputSQL, "FROM " + archivesearch.ForwardedTable + "\n"},
		{"one session's account of path", SessionOutputSQL, archivesearch.AccountOfPath + " AS account"},
		{"one session's ledger is the sessions query", SessionLedgerSQL, "SELECT * FROM (\n" + strings.TrimSpace(SessionsSQL) + "\n) AS ledger\nWHERE session = ?"},
	} {
		if !strings.Contains(tc.sql, tc.want) {
			t.Errorf("%s: the query lacks %q:\n%s", tc.name, tc.want, tc.sql)
		}
	}
}
