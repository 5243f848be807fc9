package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/permissions"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// A Control Tower organization: its accounts have AWSControlTowerExecution, not the default
// OrganizationAccountAccessRole. With the default, every account is refused and each finding says
// to pass -role AWSControlTowerExecution; with it, the run is clean. Without Control Tower the
// finding does not mention it.
func TestControlTowerReadRole(t *testing.T) {
	cases := []struct {
		name         string
		controlTower bool
		args         []string
		want         int
		hint         bool
	}{
		{"Control Tower, default role", true, nil, report.ExitFindings, true},
		{"Control Tower, its role", true, []string{"-role", permissions.ControlTowerReadRole}, report.ExitClean, false},
		{"no Control Tower, default role refused", false, nil, report.ExitFindings, false},
	}
	for _, tc := range cases {
		for _, command := range []string{"preflight", "verify"} {
			t.Run(tc.name+" "+command, func(t *testing.T) {
				f := newFake(t, 3, nil, func(o *fakeaws.Org) {
					o.RoleName = permissions.ControlTowerReadRole
					if tc.controlTower {
						o.TrustedAccess = append(o.TrustedAccess, permissions.ControlTowerPrincipal)
					}
				})
				code, r := f.runJSON(append([]string{command}, tc.args...)...)
				if code != tc.want || r.Fatal != "" {
					t.Fatalf("exit %d, want %d; fatal %q, findings:\n%s", code, tc.want, r.Fatal, failing(r))
				}
				refused := findings(r, "access.assume-role")
				if tc.want == report.ExitFindings && len(refused) == 0 {
					t.Fatalf("no access.assume-role finding:\n%s", failing(r))
				}
				for _, x := range refused {
					has := strings.Contains(x.Fix, "-role "+permissions.ControlTowerReadRole) && strings.Contains(x.Fix, "Control Tower")
					if has != tc.hint {
						t.Errorf("%s: Control Tower hint %v, want %v: %s", x.Account, has, tc.hint, x.Fix)
					}
				}
			})
		}
	}
}

// `sessionaudit policy -role` prints the policy that may assume that role; the default is
// OrganizationAccountAccessRole.
func TestPolicyRoleFlag(t *testing.T) {
	cases := []struct {
		args []string
		want string
		code int
	}{
		{[]string{"policy"}, `"arn:*:iam::*:role/OrganizationAccountAccessRole"`, report.ExitClean},
		{[]string{"policy", "-role", "AWSControlTowerExecution"}, `"arn:*:iam::*:role/AWSControlTowerExecution"`, report.ExitClean},
		{[]string{"policy", "-role", ""}, "", report.ExitCouldNot},
		{[]string{"policy", "extra"}, "", report.ExitCouldNot},
	}
	for _, tc := range cases {
		var out, errOut bytes.Buffer
		code := Main(context.Background(), tc.args, Deps{Stdout: &out, Stderr: &errOut})
		if code != tc.code || !strings.Contains(out.String(), tc.want) {
			t.Errorf("%v: exit %d (want %d), output lacks %s:\n%s", tc.args, code, tc.code, tc.want, out.String())
		}
	}
}
