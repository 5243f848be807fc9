package test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/cost"
)

// make cost prices the ledger from the synthesized templates: its stream's buffer is read apart
// from the forwarded logs' streams, and the report shows the ledger at 1,000 accounts.
func TestCostPricesTheLedger(t *testing.T) {
	p, err := cost.DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	a := costApp(t, defaultApp)
	plan, err := cost.ReadPlan(a)
	if err != nil {
		t.Fatal(err)
	}
	if plan.LedgerBufferSeconds != 300 || plan.BufferSeconds != 900 {
		t.Errorf("ledger buffer %v s, forwarded logs' buffer %v s; want 300 and 900", plan.LedgerBufferSeconds, plan.BufferSeconds)
	}
	g := a.Governed(len(a.Regions))
	lines := cost.Ledger(p, plan, g, 1000)
	if len(lines) == 0 || cost.Total(lines) <= 0 {
		t.Fatalf("the ledger costs nothing at 1,000 accounts: %+v", lines)
	}
	var out bytes.Buffer
	if err := cost.Report(&out, a, p, cost.Scale{Accounts: 1000, Regions: len(a.Regions)}, []int{10, 100, 1000}, []int{1, 4}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## The ledger", "| ledger | " + g.Home, "| Firehose ingestion (one record per event", "ledgerEventsPerAccount = "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report does not say %q", want)
		}
	}
}
