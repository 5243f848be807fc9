package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
	"github.com/sessionaudit/sessionaudit/cost"
	"github.com/sessionaudit/sessionaudit/stacks"
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

// costDir writes the templates of a synthesized app and the configuration the app writes next to
// them (config.Marshal, config.WrittenFile) into dir, as make synth leaves cdk.out.
func costDir(t *testing.T, dir string, s *synthesized) string {
	t.Helper()
	for name, tmpl := range s.templates {
		data, err := json.Marshal(tmpl)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".template.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := config.Marshal(s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, config.WrittenFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// planOf reads the cost model's app and plan from an assembly directory as make cost does, and
// fails the test unless the phase read from the configuration the app wrote is phase.
func planOf(t *testing.T, dir, phase string) (*cost.App, cost.Plan) {
	t.Helper()
	a, err := cost.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if a.Phase != phase {
		t.Errorf("phase read from the written configuration %q, want %q", a.Phase, phase)
	}
	plan, err := cost.ReadPlan(a)
	if err != nil {
		t.Fatalf("make cost fails in the %s phase: %v", phase, err)
	}
	return a, plan
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
	if plan.BufferSeconds != 900 || !plan.Compressed || plan.ArchiveClass != "GLACIER_IR" || plan.ArchiveMinBytes != 40960 || plan.RetentionDays != 2557 ||
		plan.DigesterMemoryMiB <= 0 || plan.DigesterArch == "" {
		t.Errorf("plan read from the templates: %+v", plan)
	}
	g := costApp(t, defaultApp).Governed(4)
	ours, err := cost.PerGiB(p, plan, g)
	if err != nil {
		t.Fatal(err)
	}
	if r := cost.Total(ours) / cost.Total(cost.Seed(p, plan, g)); r > 1.5 {
		t.Errorf("cost per GiB is %.2f times the seed design's, target ≤ 1.5", r)
	}
	// The default threshold is at or above the break-even size at the default retention.
	if be := cost.BreakEvenKB(p, plan); be*1024 > plan.ArchiveMinBytes || be < 16 {
		t.Errorf("break-even %v KB, threshold %v bytes", be, plan.ArchiveMinBytes)
	}
}

// TestCostUsesRegionalPrices: the default templates' governed regions (home ap-northeast-1, and
// us-east-1) are each priced at their own prices: a price changed for the home region changes the
// fixed cost by the home region's resources and the cost per GiB by the share billed there; the
// items without an ap-northeast-1 price are priced at us-east-1's, and the report says which.
func TestCostUsesRegionalPrices(t *testing.T) {
	p, err := cost.DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	org := costApp(t, defaultApp)
	if org.Home != "ap-northeast-1" {
		t.Fatalf("the test expects the example configuration's home region ap-northeast-1, got %s", org.Home)
	}
	lines, err := cost.Fixed(org, p, cost.Scale{Accounts: 10, Regions: len(org.Regions)})
	if err != nil {
		t.Fatal(err)
	}
	homeAlarms := 0.0
	for _, l := range lines {
		if l.Region == "" {
			t.Errorf("%s %s: no region", l.Where, l.What)
		}
		if l.Region == org.Home && strings.Contains(l.What, "AWS::CloudWatch::Alarm") {
			homeAlarms += l.Count
		}
	}
	if homeAlarms == 0 {
		t.Fatal("no alarm in the home region")
	}
	before := cost.Total(lines)
	tokyo := p.Regional[org.Home]
	tokyo.Prices["cloudwatch.alarm"] = cost.Price{USD: 1.10, Unit: "test", Confidence: "test", Source: "https://example.test", Quote: "test"}
	after := fixed(t, org, p, 10, len(org.Regions))
	if got, want := after-before, homeAlarms*(1.10-p.Prices["cloudwatch.alarm"].USD); got < want-1e-9 || got > want+1e-9 {
		t.Errorf("home-region alarms $1 dearer: the fixed cost moved by $%.4f, want $%.4f", got, want)
	}
	delete(tokyo.Prices, "cloudwatch.alarm")

	var out bytes.Buffer
	if err := cost.Report(&out, org, p, cost.Scale{Accounts: 10, Regions: len(org.Regions)}, []int{10}, []int{1, 4}); err != nil {
		t.Fatal(err)
	}
	report := out.String()
	for _, want := range []string{
		"## Regional prices",
		"- us-east-1: its own list prices (the prices file's region).",
		"- ap-northeast-1: **us-east-1 prices (fallback) for ",
		"| CloudWatch Logs | ap-northeast-1 | ingestion",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report does not say %q:\n%s", want, report)
		}
	}
	if !strings.Contains(report, "kms.key, kms.request, kms.rotation") || !strings.Contains(report, "its own prices for logs.ingest, logs.storage") {
		t.Errorf("the fallback line names the wrong items:\n%s", report)
	}
}

// TestCostInEveryRolloutPhase: make cost works in each rollout phase (config.Rollout.Phase), on
// the templates and the configuration make synth writes: in the permissions phase the member keeps
// each account's preferences (no preferences document), so sessionaudit logs nothing and adds no
// VPC endpoint yet; the logging phase adds the logs endpoint; the enforced phase also kms, for
// the session key. A member template that does not match the configuration's phase is an error,
// not a guess.
func TestCostInEveryRolloutPhase(t *testing.T) {
	if cost.PreferencesType != sessionprefs.ResourceType {
		t.Fatalf("cost.PreferencesType %q, the member's preferences are %q", cost.PreferencesType, sessionprefs.ResourceType)
	}
	p, err := cost.DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	phases := []struct {
		phase             string
		logging, encrypts bool
		added             []string
	}{
		{config.PhasePermissions, false, false, nil},
		{config.PhaseLogging, true, false, []string{"logs"}},
		{config.PhaseEnforced, true, true, []string{"logs", "kms"}},
	}
	var permissionsDir, enforcedDir string
	for _, tt := range phases {
		dir := filepath.Join(t.TempDir(), tt.phase) // kept after the subtest, for the mixed cases
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		t.Run(tt.phase, func(t *testing.T) {
			s := defaultApp
			if tt.phase != defaultApp.cfg.Rollout.Phase {
				s = synth(mustConfigWith(t, func(c map[string]any) { c["rollout"] = map[string]any{"phase": tt.phase} }))
			}
			costDir(t, dir, s)
			switch tt.phase {
			case config.PhasePermissions:
				permissionsDir = dir
			case config.PhaseEnforced:
				enforcedDir = dir
			}
			a, plan := planOf(t, dir, tt.phase)
			if plan.Logging != tt.logging || plan.SessionEncryption != tt.encrypts {
				t.Errorf("plan: logging %v, session encryption %v; want %v, %v", plan.Logging, plan.SessionEncryption, tt.logging, tt.encrypts)
			}
			var out bytes.Buffer
			if err := cost.Report(&out, a, p, cost.Scale{Accounts: 100, Regions: len(a.Regions)}, []int{10}, []int{1, 4}); err != nil {
				t.Fatal(err)
			}
			scale := cost.EndpointScale{Accounts: 100, Regions: len(a.Regions), VPCs: 1, AZs: 2, Logging: plan.Logging, SessionEncryption: plan.SessionEncryption, In: a.Governed(len(a.Regions))}
			if err := cost.EndpointReport(&out, p, scale); err != nil {
				t.Fatal(err)
			}
			if got := cost.AddedEndpoints(scale); !slices.Equal(got, tt.added) {
				t.Errorf("sessionaudit adds endpoints %v, want %v", got, tt.added)
			}
			note := "Rollout phase permissions: the member stacks keep each account's Session Manager preferences"
			if got := strings.Contains(out.String(), note); got != !tt.logging {
				t.Errorf("the report says %q: %v, want %v", note, got, !tt.logging)
			}
		})
	}
	// Fail closed: a member without preferences while the configuration says enforced, and one with
	// them while it says permissions, are errors.
	for name, tt := range map[string]struct{ dir, from string }{
		"enforced config, permissions templates": {permissionsDir, enforcedDir},
		"permissions config, enforced templates": {enforcedDir, permissionsDir},
	} {
		if tt.dir == "" || tt.from == "" {
			t.Fatalf("%s: a phase did not run", name)
		}
		mixed := t.TempDir()
		files, _ := filepath.Glob(filepath.Join(tt.dir, "*.template.json"))
		for _, f := range append(files, filepath.Join(tt.from, config.WrittenFile)) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(mixed, filepath.Base(f)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		a, err := cost.ReadDir(mixed)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cost.ReadPlan(a); err == nil || !strings.Contains(err.Error(), "rollout phase") {
			t.Errorf("%s: ReadPlan error %v, want one naming the rollout phase", name, err)
		}
	}
	// One preferences document is the limit: a second one is an error, not a guess between them.
	a, err := cost.ReadDir(enforcedDir)
	if err != nil {
		t.Fatal(err)
	}
	member := a.Templates[stacks.MemberStackName]
	for id, r := range member.Resources {
		if r.Type == cost.PreferencesType {
			member.Resources[id+"Copy"] = r
			break
		}
	}
	if _, err := cost.ReadPlan(a); err == nil || !strings.Contains(err.Error(), "2 "+cost.PreferencesType+" resources") {
		t.Errorf("two preferences documents: ReadPlan error %v", err)
	}
}

// TestCostOnWhatTheAppWrites is the new user's path: the app (as make synth runs it) synthesizes a
// configuration in the permissions phase, as the README's first rollout starts, with an Identity
// Center break-glass exemption and no session settings, and make cost's reading of cdk.out works
// on what it wrote: the configuration loads again (it once wrote "shellProfileLinux": null) and
// the cost model prices the phase.
func TestCostOnWhatTheAppWrites(t *testing.T) {
	res := waitCommand(t, cmdOwnConfig)
	if res.code != 0 {
		t.Fatalf("the app: exit %d\n%s", res.code, res.stderr)
	}
	out := res.outdir
	if _, err := config.LoadFile(filepath.Join(out, config.WrittenFile)); err != nil {
		t.Fatalf("the configuration the app wrote does not load: %v", err)
	}
	a, plan := planOf(t, out, config.PhasePermissions)
	p, err := cost.DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	var report bytes.Buffer
	if err := cost.Report(&report, a, p, cost.Scale{Accounts: 1000, Regions: len(a.Regions)}, []int{10, 100, 1000}, []int{1, 4, 17}); err != nil {
		t.Fatal(err)
	}
	if err := cost.EndpointReport(&report, p, cost.EndpointScale{Accounts: 1000, Regions: len(a.Regions), VPCs: 1, AZs: 2, Logging: plan.Logging, SessionEncryption: plan.SessionEncryption, In: a.Governed(len(a.Regions))}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(report.String(), "### What sessionaudit adds (none)") {
		t.Errorf("the permissions phase adds endpoints:\n%s", report.String())
	}
}

// docs/cost.md's fixed-cost table is what make cost prints for the default templates (us-east-1
// prices where the model has no regional price, as make cost): a change to what bills while idle
// changes the page too.
func TestDocsStateTheFixedCost(t *testing.T) {
	p, err := cost.DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	org := costApp(t, defaultApp)
	var out bytes.Buffer
	if err := cost.Report(&out, org, p, cost.Scale{Accounts: 1000, Regions: len(org.Regions)}, []int{10, 100, 1000}, []int{1, 4, 17}); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../docs/cost.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"10", "100", "1000"} {
		row := ""
		for _, l := range strings.Split(out.String(), "\n") {
			if strings.HasPrefix(l, "| "+n+" | $") {
				row = l
				break
			}
		}
		if row == "" {
			t.Fatalf("make cost prints no fixed-cost row for %s accounts:\n%s", n, out.String())
		}
		want := strings.Replace(row, "| 1000 |", "| 1,000 |", 1)
		if !strings.Contains(string(doc), want+"\n") {
			t.Errorf("docs/cost.md does not have make cost's row %q", want)
		}
	}
}

// firstRolloutConfig writes testdata/other-org.json as the README's first rollout starts: the
// permissions phase, an Identity Center break-glass exemption and no session settings (the
// configuration of the background app run cmdOwnConfig).
func firstRolloutConfig() (string, error) {
	data, err := os.ReadFile("testdata/other-org.json")
	if err != nil {
		return "", err
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return "", err
	}
	guardrails, ok := raw["guardrails"].(map[string]any)
	if !ok {
		return "", fmt.Errorf("testdata/other-org.json has no guardrails object")
	}
	raw["rollout"] = map[string]any{"phase": config.PhasePermissions}
	guardrails["exemptPrincipalArns"] = []any{"arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_PlatformBreakGlass_*"}
	delete(raw, "session")
	cfgFile := filepath.Join(mustTempDir(), "org.json")
	data, _ = json.Marshal(raw)
	return cfgFile, os.WriteFile(cfgFile, data, 0o644)
}
