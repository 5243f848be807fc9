// Command offlinerows prints the rows operator/coverage.Dir gives for one of coverage's and sessions' queries on
// a directory laid out as the central bucket, as JSON (NULL as null), for test/search's
// offline.test.js to compare with the SQL's rows. Test-only: not part of the CLI.
//
//	offlinerows DIR ledger|forwarded|sessions|grep REGIONS DAY…
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/sessionaudit/sessionaudit/operator/coverage"
)

var queries = map[string]struct {
	sql     string
	columns []string
}{
	"ledger":    {coverage.LedgerSQL, []string{"time", "account", "region", "event", "session", "principal", "target", "document", "error", "id"}},
	"forwarded": {coverage.ForwardedSQL, []string{"account", "region", "sessionid", "events", "first_event", "last_event"}},
	"grep":      {coverage.GrepSQL, []string{"sessionid"}},
	"sessions": {coverage.SessionsSQL, []string{"time", "account", "region", "event", "session", "principal", "target", "document", "error", "id",
		"reason", "request", "requester", "request_reason", "approver"}},
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "offlinerows:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) < 3 {
		return fmt.Errorf("usage: offlinerows DIR ledger|forwarded|sessions|grep REGIONS DAY… (got %d arguments)", len(args))
	}
	q, ok := queries[args[1]]
	if !ok {
		return fmt.Errorf("query: ledger, forwarded, sessions or grep (got %q)", args[1])
	}
	d := coverage.Dir{Path: args[0], Regions: strings.Split(args[2], ",")}
	rows, err := d.Rows(context.Background(), q.sql, args[3:])
	if err != nil {
		return err
	}
	out := []map[string]*string{}
	for _, r := range rows {
		o := map[string]*string{}
		for _, c := range q.columns {
			if v, ok := r[c]; ok {
				o[c] = &v
			} else {
				o[c] = nil
			}
		}
		out = append(out, o)
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}
