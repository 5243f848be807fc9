package cli

import (
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// Organizations answers an account's lifecycle with State since Account.Status was retired, with
// both before, and older answers carry only Status: each is read, and the run is the same.
func TestAccountStateAnswers(t *testing.T) {
	eachPageMode(t, func(t *testing.T, m pageMode) {
		for _, tc := range []struct {
			name   string
			fields fakeaws.AccountFields
		}{{"State only", fakeaws.StateOnly}, {"State and Status", fakeaws.StateAndStatus}, {"Status only", fakeaws.StatusOnly}} {
			t.Run(tc.name, func(t *testing.T) {
				f := newFakeIn(t, m, 4, nil, func(o *fakeaws.Org) { o.AccountFields = tc.fields })
				for _, cmd := range []string{"preflight", "verify"} {
					code, r := f.runJSON(cmd)
					if code != report.ExitClean || r.Fatal != "" {
						t.Fatalf("%s: exit %d, fatal %q:\n%s", cmd, code, r.Fatal, failing(r))
					}
					if r.Accounts != 6 { // 4 members, the log-archive and the management account
						t.Errorf("%s: accounts checked = %d, want 6", cmd, r.Accounts)
					}
				}
			})
		}
	})
}

// What the organization tree cannot tell is a finding or exit 2, never a clean run of nothing.
func TestOrganizationThatCannotBeSeen(t *testing.T) {
	eachPageMode(t, func(t *testing.T, m pageMode) {
		cases := []struct {
			name     string
			change   func(map[string]any)
			mutate   func(*fakeaws.Org)
			exit     int
			check    string
			severity report.Severity
			contains string
			// preflightOnly: a check verify does not make
			preflightOnly bool
		}{
			{"ListRoots returns no root", nil, func(o *fakeaws.Org) { o.NoRoots = true }, report.ExitCouldNot, "", "", "no root", false},
			{"no account in the organization", nil, func(o *fakeaws.Org) { o.Accounts = nil }, report.ExitCouldNot, "", "", "listed no account", false},
			{"unknown account state", nil, func(o *fakeaws.Org) { o.Account(fakeaws.AccountID(1)).State = "HIBERNATING" }, report.ExitFindings, "organizations.account-state", report.Fail, "HIBERNATING", false},
			{"no state at all", nil, func(o *fakeaws.Org) { o.Account(fakeaws.AccountID(2)).State = "" }, report.ExitFindings, "organizations.account-state", report.Fail, "(none given)", false},
			{"target OU without accounts", nil, func(o *fakeaws.Org) {
				for _, a := range o.Accounts {
					if a.ID != o.Management {
						a.Parent = fakeaws.SandboxOU
					}
				}
			}, report.ExitFindings, "organizations.scope", report.Fail, "no ACTIVE member account", false},
			{"every targeted account suspended", nil, func(o *fakeaws.Org) {
				for _, a := range o.Accounts {
					if a.ID != o.Management {
						a.State = "SUSPENDED"
					}
				}
			}, report.ExitFindings, "organizations.scope", report.Fail, "no ACTIVE member account", false},
			{"no feature set in the answer", nil, func(o *fakeaws.Org) { o.FeatureSet = "" }, report.ExitFindings, "organizations.all-features", report.Fail, "consolidated billing", true},
			{"unknown feature set", nil, func(o *fakeaws.Org) { o.FeatureSet = "SOMETHING_NEW" }, report.ExitFindings, "organizations.all-features", report.Fail, "consolidated billing", true},
			{"no trusted access at all", nil, func(o *fakeaws.Org) { o.TrustedAccess = nil }, report.ExitFindings, "organizations.trusted-access", report.Fail, "not activated", true},
			{"one of two targets empty", func(m map[string]any) {
				m["targetOrganizationalUnitIds"] = []string{"ou-exam-11111111", "ou-exam-22222222"}
			}, nil, report.ExitFindings, "organizations.target-ou", report.Warn, "no account below", false},
		}
		for _, tc := range cases {
			for _, cmd := range []string{"preflight", "verify"} {
				if tc.preflightOnly && cmd == "verify" {
					continue
				}
				t.Run(tc.name+"/"+cmd, func(t *testing.T) {
					f := newFakeIn(t, m, 4, tc.change, tc.mutate)
					code, r := f.runJSON(cmd)
					if code != tc.exit {
						t.Fatalf("exit %d, want %d; fatal %q, findings:\n%s", code, tc.exit, r.Fatal, failing(r))
					}
					if tc.check == "" {
						if !strings.Contains(r.Fatal, tc.contains) {
							t.Errorf("fatal %q, want it to say %q", r.Fatal, tc.contains)
						}
						return
					}
					matched := false
					for _, g := range findings(r, tc.check) {
						matched = matched || (g.Severity == tc.severity && g.Fix != "" && strings.Contains(g.Message, tc.contains))
					}
					if !matched {
						t.Errorf("want a %s %s finding with %q; findings:\n%s", tc.severity, tc.check, tc.contains, failing(r))
					}
				})
			}
		}
	})
}

// A suspended or closed account is skipped everywhere: preflight lists it (info) and checks only
// the others, verify does not expect its instances and lists them as skipped, not failed.
func TestSuspendedAccountsAreSkipped(t *testing.T) {
	eachPageMode(t, func(t *testing.T, m pageMode) {
		suspended, closed := fakeaws.AccountID(1), fakeaws.AccountID(2)
		f := newFakeIn(t, m, 4, nil, func(o *fakeaws.Org) {
			o.Account(suspended).State = "SUSPENDED"
			o.Account(closed).State = "CLOSED"
			for _, i := range o.StackSets[stacks.MemberStackSetName] {
				if i.Account == suspended {
					i.Status, i.Detailed = "OUTDATED", "SKIPPED_SUSPENDED_ACCOUNT"
				}
			}
			// the closed account's instances are gone
			kept := o.StackSets[stacks.MemberStackSetName][:0]
			for _, i := range o.StackSets[stacks.MemberStackSetName] {
				if i.Account != closed {
					kept = append(kept, i)
				}
			}
			o.StackSets[stacks.MemberStackSetName] = kept
		})
		code, r := f.runJSON("preflight")
		if code != report.ExitClean {
			t.Fatalf("preflight exit %d:\n%s", code, failing(r))
		}
		if r.Accounts != 4 { // 2 active members, log-archive, management
			t.Errorf("preflight checked %d accounts, want 4", r.Accounts)
		}
		skipped := map[string]bool{}
		for _, g := range findings(r, "organizations.account-skipped") {
			skipped[g.Account] = g.Severity == report.Info
		}
		if !skipped[suspended] || !skipped[closed] || len(skipped) != 2 {
			t.Errorf("preflight should list the suspended and the closed account as skipped (info): %v", skipped)
		}
		code, r = f.runJSON("verify")
		if code != report.ExitClean {
			t.Fatalf("verify exit %d:\n%s", code, failing(r))
		}
		n := 0
		for _, g := range findings(r, "stackset.instances") {
			if g.Account != suspended || g.Severity != report.Info || !strings.Contains(g.Message, "SUSPENDED") {
				t.Errorf("unexpected instance finding %+v", g)
			}
			n++
		}
		if n != len(f.cfg.Regions) {
			t.Errorf("%d skipped instances listed, want %d", n, len(f.cfg.Regions))
		}
	})
}

// An account that is ACTIVE again but whose instances CloudFormation skipped while it was
// suspended has no stack: a failure, not a skip.
func TestSkippedInstanceOfAnActiveAccount(t *testing.T) {
	eachPageMode(t, func(t *testing.T, m pageMode) {
		f := newFakeIn(t, m, 4, nil, func(o *fakeaws.Org) {
			for _, i := range o.StackSets[stacks.MemberStackSetName] {
				if i.Account == fakeaws.AccountID(3) {
					i.Status, i.Detailed = "OUTDATED", "SKIPPED_SUSPENDED_ACCOUNT"
				}
			}
		})
		code, r := f.runJSON("verify")
		got := findings(r, "stackset.instances")
		if code != report.ExitFindings || len(got) != len(f.cfg.Regions) || got[0].Severity != report.Fail || !strings.Contains(got[0].Meaning, "ACTIVE now") {
			t.Fatalf("exit %d, want a fail per region; findings: %+v", code, got)
		}
	})
}
