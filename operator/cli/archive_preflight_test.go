package cli

import (
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// teamSCPs attaches n SCPs of the customer to the log-archive account itself (FullAWSAccess is
// attached there already).
func teamSCPs(n int) func(*fakeaws.Org) {
	return func(o *fakeaws.Org) {
		for i := range n {
			o.Policies = append(o.Policies, &fakeaws.Policy{ID: "p-arch" + string(rune('a'+i)), Name: "Team", Content: "{}", Targets: []string{o.LogArchive}})
		}
	}
}

// With guardrails.protectArchive, preflight fails when the log-archive policies cannot be
// attached (the RESOURCE_CONTROL_POLICY type disabled) or would not apply (the log-archive
// account is the management account); without it, neither is a finding.
func TestPreflightArchivePolicies(t *testing.T) {
	protect := func(on bool) func(map[string]any) {
		return func(m map[string]any) { m["guardrails"].(map[string]any)["protectArchive"] = on }
	}
	cases := []struct {
		name     string
		change   func(map[string]any)
		mutate   func(*fakeaws.Org)
		check    string
		contains string // "" = no finding of check
	}{
		{"RCP type disabled", protect(true), func(o *fakeaws.Org) { o.RCPEnabled = false }, "organizations.rcp-enabled", "RESOURCE_CONTROL_POLICY"},
		{"RCP type enabled", protect(true), nil, "organizations.rcp-enabled", ""},
		{"RCP type disabled, archive not protected", protect(false), func(o *fakeaws.Org) { o.RCPEnabled = false }, "organizations.rcp-enabled", ""},
		{"log archive in the management account", func(m map[string]any) {
			protect(true)(m)
			m["logArchiveAccountId"] = m["managementAccountId"]
		}, nil, "organizations.archive-policies", "never apply to the management account"},
		{"log archive in a member account", protect(true), nil, "organizations.archive-policies", ""},
		{"log-archive account SCP quota", protect(true), teamSCPs(3), "organizations.scp-quota", "log-archive account"},
		{"log-archive account SCP quota exactly full", protect(true), teamSCPs(2), "organizations.scp-quota", ""},
		{"log-archive account SCP quota, archive not protected", protect(false), teamSCPs(4), "organizations.scp-quota", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, 2, tc.change, tc.mutate)
			code, r := f.runJSON("preflight")
			got := findings(r, tc.check)
			if tc.contains == "" {
				if len(got) > 0 {
					t.Errorf("unexpected %s findings: %+v", tc.check, got)
				}
				return
			}
			if len(got) != 1 || got[0].Severity != report.Fail || !strings.Contains(got[0].Message+got[0].Meaning+got[0].Fix, tc.contains) || got[0].Fix == "" {
				t.Fatalf("want one fail %s finding with %q; exit %d, got %+v\nall:\n%s", tc.check, tc.contains, code, got, allFindings(r))
			}
			if code != report.ExitFindings {
				t.Errorf("exit %d, want %d", code, report.ExitFindings)
			}
		})
	}
}
