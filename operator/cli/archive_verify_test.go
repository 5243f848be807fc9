package cli

import (
	"slices"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// With guardrails.protectArchive, verify fails when a log-archive policy (either SCP, or the
// RCP) is not attached to the log-archive account, and when the attachments cannot be read;
// without it, nothing is read.
func TestVerifyArchivePoliciesAttached(t *testing.T) {
	protect := func(on bool) func(map[string]any) {
		return func(m map[string]any) { m["guardrails"].(map[string]any)["protectArchive"] = on }
	}
	detach := func(suffix string) func(o *fakeaws.Org) {
		return func(o *fakeaws.Org) {
			for _, p := range o.Policies {
				if strings.HasSuffix(p.Name, suffix) {
					p.Targets = slices.DeleteFunc(p.Targets, func(t string) bool { return t == o.LogArchive })
				}
			}
		}
	}
	cases := []struct {
		name   string
		change func(map[string]any)
		mutate func(*fakeaws.Org)
		check  string
		want   string // "" = no failing finding at all
	}{
		{"attached", protect(true), nil, "", ""},
		{"not protected", protect(false), nil, "", ""},
		{"an SCP detached", protect(true), detach("ArchiveFlow"), checkArchiveAttachedName, "SessionAuditArchiveFlow (SERVICE_CONTROL_POLICY) is not attached"},
		{"the RCP detached", protect(true), detach("ArchiveResources"), checkArchiveAttachedName, "SessionAuditArchiveResources (RESOURCE_CONTROL_POLICY) is not attached"},
		{"the RCP type disabled: unknown", protect(true), func(o *fakeaws.Org) { o.RCPEnabled = false }, checkArchiveAttachedName, "PolicyTypeNotEnabledException"},
	}
	eachPageMode(t, func(t *testing.T, m pageMode) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				f := newFakeIn(t, m, 2, func(mm map[string]any) {
					mm["guardrails"].(map[string]any)["exemptPrincipalArns"] = []any{identityCenterBreakGlass}
					c.change(mm)
				}, c.mutate)
				code, r := f.runJSON("verify")
				if c.want == "" {
					if code != report.ExitClean {
						t.Fatalf("exit %d:\n%s", code, failing(r))
					}
					return
				}
				if code != report.ExitFindings {
					t.Errorf("exit %d, want %d", code, report.ExitFindings)
				}
				if !strings.Contains(failing(r), c.check) || !strings.Contains(failing(r), c.want) {
					t.Errorf("no %s finding with %q:\n%s", c.check, c.want, failing(r))
				}
			})
		}
	})
}

// checkArchiveAttachedName is the verify check of the log-archive policies' attachment.
const checkArchiveAttachedName = "guardrails.archive-attached"
