package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// Region-deny SCPs wherever they reach the StackSet's accounts, in the forms AWS's examples use;
// each finding names where the policy is attached and the region it denies. The example
// configuration governs ap-northeast-1 and us-east-1, with sign-in regions us-east-2, eu-north-1
// and ap-southeast-2; its target is ou-exam-11111111, with the nested OU ou-fake-child001.
func TestRegionDenySCPs(t *testing.T) {
	eachPageMode(t, func(t *testing.T, m pageMode) {
		const (
			blockUSEast1 = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}}`
			exempt       = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"ArnNotLike":{"aws:PrincipalArn":["arn:aws:iam::*:role/stacksets-exec-*"]}}}}`
			adminOnly    = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"},"ArnNotLike":{"aws:PrincipalArn":["arn:aws:iam::*:role/Admin"]}}}}`
		)
		attach := func(content string, targets ...string) func(*fakeaws.Org) {
			return func(o *fakeaws.Org) {
				o.Policies = append(o.Policies, &fakeaws.Policy{ID: "p-team0001", Name: "TeamRegions", Content: content, Targets: targets})
			}
		}
		member := fakeaws.AccountID(0)
		cases := []struct {
			name     string
			mutate   func(*fakeaws.Org)
			severity report.Severity // "" = no finding
			subject  string
			account  string
		}{
			{"block-list on a descendant OU", attach(blockUSEast1, "ou-fake-child001"), report.Fail, "TeamRegions on organizational unit ou-fake-child001", ""},
			{"block-list on an account", attach(blockUSEast1, member), report.Fail, "TeamRegions on account " + member, member},
			{"block-list on the target", attach(blockUSEast1, "ou-exam-11111111"), report.Fail, "TeamRegions on organizational unit ou-exam-11111111", ""},
			{"block-list on the root", attach(blockUSEast1, "r-fake"), report.Fail, "TeamRegions on root r-fake", ""},
			{"block-list outside the targets", attach(blockUSEast1, fakeaws.SandboxOU), "", "", ""},
			{"block-list on the management account", func(o *fakeaws.Org) { attach(blockUSEast1, o.Management)(o) }, "", "", ""},
			{"block-list on a suspended account", func(o *fakeaws.Org) {
				attach(blockUSEast1, member)(o)
				o.Account(member).State = "SUSPENDED"
			}, "", "", ""},
			{"exempting the StackSet execution roles", attach(exempt, "ou-fake-child001", member), "", "", ""},
			{"exempting another role only", attach(adminOnly, "ou-fake-child001"), report.Fail, "TeamRegions on organizational unit ou-fake-child001", ""},
			{"unreadable policy", attach(`{"Statement":`, member), report.Warn, "TeamRegions", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := newFakeIn(t, m, 4, nil, tc.mutate)
				code, r := f.runJSON("preflight")
				got := findings(r, "organizations.region-deny")
				if tc.severity == "" {
					if code != report.ExitClean || len(got) != 0 {
						t.Fatalf("exit %d, want a clean run; findings:\n%s", code, failing(r))
					}
					return
				}
				if code != report.ExitFindings || len(got) != 1 {
					t.Fatalf("exit %d, want one region-deny finding; findings:\n%s", code, failing(r))
				}
				g := got[0]
				if g.Severity != tc.severity || g.Subject != tc.subject || g.Account != tc.account {
					t.Errorf("finding %+v, want %s on %q (account %q)", g, tc.severity, tc.subject, tc.account)
				}
				if tc.severity == report.Fail && (g.Region != "us-east-1" || !strings.Contains(g.Message, "governed region us-east-1")) {
					t.Errorf("finding should name the denied region us-east-1: %+v", g)
				}
			})
		}
	})
}

// The SCP quota at its boundary: exactly MaxSCPsPerTarget (5) after sessionaudit's policies are
// attached passes, one more fails, with one, two or three policies of sessionaudit to add (a way
// into a node in deny adds SessionAuditWays; unloggedSessions deny sets every way to deny).
func TestSCPQuotaBoundary(t *testing.T) {
	eachPageMode(t, func(t *testing.T, m pageMode) {
		for _, tc := range []struct {
			unlogged, runCommand string
			adds                 int
		}{{"notify", "", 1}, {"notify", "deny", 2}, {"deny", "", 3}, {"deny", "notify", 3}} {
			for _, total := range []int{5, 6} {
				t.Run(fmt.Sprintf("%s/%s/%d", tc.unlogged, tc.runCommand, total), func(t *testing.T) {
					change := func(m map[string]any) {
						m["guardrails"].(map[string]any)["unloggedSessions"] = tc.unlogged
						if tc.runCommand != "" {
							m["guardrails"].(map[string]any)["ways"] = map[string]any{"runCommand": tc.runCommand}
						}
					}
					f := newFakeIn(t, m, 2, change, func(o *fakeaws.Org) {
						o.Policies = o.Policies[:2] // FullAWSAccess, RegionDeny (on the root): sessionaudit's not yet attached
						for i := range total - tc.adds - 1 {
							o.Policies = append(o.Policies, &fakeaws.Policy{ID: fmt.Sprintf("p-team%04d", i), Name: "Team", Content: `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"ec2:*","Resource":"*"}}`, Targets: []string{"ou-exam-11111111"}})
						}
					})
					code, r := f.runJSON("preflight")
					got := findings(r, "organizations.scp-quota")
					if total == 5 && (code != report.ExitClean || len(got) != 0) {
						t.Fatalf("%d SCPs after the deploy: exit %d, want clean; findings:\n%s", total, code, failing(r))
					}
					if total == 6 && (code != report.ExitFindings || len(got) != 1 || got[0].Severity != report.Fail) {
						t.Fatalf("%d SCPs after the deploy: exit %d, want one quota failure; findings:\n%s", total, code, failing(r))
					}
				})
			}
		}
	})
}
