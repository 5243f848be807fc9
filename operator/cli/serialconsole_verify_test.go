package cli

import (
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// With guardrails.declarativeSerialConsole, verify finds the EC2 declarative policy on every
// target: attached is clean, detached is a failure, a policy type turned off is a finding (the
// answer could not be read), never clean.
func TestVerifySerialConsolePolicyAttached(t *testing.T) {
	declarative := func(on bool) func(map[string]any) {
		return func(m map[string]any) { m["guardrails"].(map[string]any)["declarativeSerialConsole"] = on }
	}
	detach := func(o *fakeaws.Org) {
		for _, p := range o.Policies {
			if strings.HasSuffix(p.Name, "SerialConsole") {
				p.Targets = nil
			}
		}
	}
	cases := []struct {
		name   string
		change func(map[string]any)
		mutate func(*fakeaws.Org)
		want   string // "" = clean
	}{
		{"attached", declarative(true), nil, ""},
		{"not configured", declarative(false), detach, ""},
		{"detached", declarative(true), detach, "SessionAuditSerialConsole (EC2 declarative policy) is not attached"},
		{"the policy type disabled", declarative(true), func(o *fakeaws.Org) { o.DeclarativeEC2Enabled = false }, "PolicyTypeNotEnabledException"},
	}
	eachPageMode(t, func(t *testing.T, m pageMode) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				f := newFakeIn(t, m, 2, c.change, c.mutate)
				code, r := f.runJSON("verify")
				if c.want == "" {
					if code != report.ExitClean {
						t.Fatalf("exit %d:\n%s", code, failing(r))
					}
					return
				}
				if code == report.ExitClean {
					t.Fatalf("exit %d (clean), want a finding or exit 2", code)
				}
				if got := failing(r) + r.Fatal; !strings.Contains(got, c.want) {
					t.Errorf("no %q in:\n%s", c.want, got)
				}
			})
		}
	})
}
