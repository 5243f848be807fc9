package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/cost"
)

// costApp writes the templates of a synthesized app where the cost model reads them.
func costApp(t *testing.T, s *synthesized) *cost.App {
	t.Helper()
	dir := t.TempDir()
	for name, tmpl := range s.templates {
		data, err := json.Marshal(tmpl)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".template.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, err := cost.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func fixed(t *testing.T, a *cost.App, p *cost.Prices, accounts, regions int) float64 {
	t.Helper()
	lines, err := cost.Fixed(a, p, cost.Scale{Accounts: accounts, Regions: regions})
	if err != nil {
		t.Fatal(err)
	}
	return cost.Total(lines)
}

// TestFixedCostTargets: issue 11's targets on the default templates. At 1,000 accounts in 4
// regions the idle cost stays within $100 a month, and it does not grow with the number of
// accounts; with a key per account (session.encryptionKey "account") it does, by a rotated key
// per account and region.
func TestFixedCostTargets(t *testing.T) {
	p, err := cost.DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	org := costApp(t, defaultApp)
	if got := fixed(t, org, p, 1000, 4); got > 100 {
		t.Errorf("fixed cost at 1,000 accounts × 4 regions is $%.2f a month, target ≤ $100", got)
	}
	for _, regions := range []int{1, 4, 17} {
		if small, large := fixed(t, org, p, 10, regions), fixed(t, org, p, 1000, regions); small != large {
			t.Errorf("%d regions: fixed cost grows with accounts: $%.2f at 10, $%.2f at 1,000", regions, small, large)
		}
	}
	account := costApp(t, synth(mustConfigWith(t, func(c map[string]any) { c["session"].(map[string]any)["encryptionKey"] = "account" })))
	perKey := p.Prices["kms.key"].USD + 2*p.Prices["kms.rotation"].USD
	// The account mode has no central session key: four keys fewer (the primary and three replicas).
	want := fixed(t, org, p, 10, 4) - 4*perKey + 1000*4*perKey
	if got := fixed(t, account, p, 1000, 4); got != want {
		t.Errorf("account mode at 1,000 × 4: $%.2f, want $%.2f (a rotated key per account and region)", got, want)
	}
}

// TestCostModelPricesEveryResourceType: an unpriced resource type fails the model instead of
// costing nothing.
func TestCostModelPricesEveryResourceType(t *testing.T) {
	p, err := cost.DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	a := costApp(t, defaultApp)
	a.Templates["SessionAudit-Member"].Resources["Nat"] = cost.Resource{Type: "AWS::EC2::NatGateway"}
	_, err = cost.Fixed(a, p, cost.Scale{Accounts: 10, Regions: 4})
	if err == nil || !strings.Contains(err.Error(), "AWS::EC2::NatGateway has no entry") {
		t.Errorf("want an error naming the unpriced type, got %v", err)
	}
}

// TestCostPerGiBTarget: the cost per GiB stays within 1.5 times the seed design's.
func TestCostPerGiBTarget(t *testing.T) {
	p, err := cost.DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	plan, err := cost.ReadPlan(costApp(t, defaultApp))
	if err != nil {
		t.Fatal(err)
	}
	if plan.BufferSeconds != 900 || !plan.Compressed || plan.ArchiveClass != "GLACIER_IR" || plan.ArchiveMinBytes != 40960 || plan.RetentionDays != 2557 {
		t.Errorf("plan read from the templates: %+v", plan)
	}
	ours, err := cost.PerGiB(p, plan, 4)
	if err != nil {
		t.Fatal(err)
	}
	if r := cost.Total(ours) / cost.Total(cost.Seed(p, plan)); r > 1.5 {
		t.Errorf("cost per GiB is %.2f times the seed design's, target ≤ 1.5", r)
	}
	// The default threshold is at or above the break-even size at the default retention.
	if be := cost.BreakEvenKB(p, plan); be*1024 > plan.ArchiveMinBytes || be < 16 {
		t.Errorf("break-even %v KB, threshold %v bytes", be, plan.ArchiveMinBytes)
	}
}
