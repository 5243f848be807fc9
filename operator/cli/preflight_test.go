package cli

import (
	"testing"

	"github.com/sessionaudit/sessionaudit/operator/report"
)

func TestPreflightHealthyOrganization(t *testing.T) {
	f := newFake(t, 6, nil, nil)
	code, r := f.runJSON("preflight")
	if code != report.ExitClean || r.Fatal != "" {
		t.Fatalf("exit %d, fatal %q, findings:\n%s", code, r.Fatal, failing(r))
	}
	if r.Accounts != 8 { // 6 members, the log-archive account, the management account
		t.Errorf("accounts checked = %d, want 8", r.Accounts)
	}
	mgmt := findings(r, "organizations.outside-targets")
	if len(mgmt) != 1 || mgmt[0].Account != f.cfg.ManagementAccountID || mgmt[0].Severity != report.Info {
		t.Errorf("the management account's direct deploy should be the one outside-targets note: %+v", mgmt)
	}
}
