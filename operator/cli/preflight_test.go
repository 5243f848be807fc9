package cli

import (
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

func TestPreflightHealthyOrganization(t *testing.T) {
	eachPageMode(t, func(t *testing.T, m pageMode) {
		f := newFakeIn(t, m, 6, nil, nil)
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
	})
}

// Each preflight finding, from a healthy organization with one thing broken.
func TestPreflightFindings(t *testing.T) {
	cases := []struct {
		name     string
		change   func(map[string]any)
		mutate   func(*fakeaws.Org)
		check    string
		severity report.Severity
		contains string
	}{
		{"no trusted access", nil, func(o *fakeaws.Org) { o.TrustedAccess = nil }, "organizations.trusted-access", report.Fail, "activate-organizations-access"},
		{"delegated admin missing", func(m map[string]any) { m["delegatedAdmin"] = true }, nil, "organizations.delegated-admin", report.Fail, "register-delegated-administrator"},
		{"SCP type disabled", nil, func(o *fakeaws.Org) { o.SCPEnabled = false }, "organizations.scp-enabled", report.Fail, "enable-policy-type"},
		{"declarative policy type disabled", func(m map[string]any) { m["guardrails"].(map[string]any)["declarativeSerialConsole"] = true },
			func(o *fakeaws.Org) { o.DeclarativeEC2Enabled = false }, "organizations.declarative-enabled", report.Fail, "DECLARATIVE_POLICY_EC2"},
		{"SCP quota", nil, func(o *fakeaws.Org) {
			o.Policies = o.Policies[:2] // FullAWSAccess, RegionDeny: SessionAuditProtect not yet attached
			for i := range 4 {
				o.Policies = append(o.Policies, &fakeaws.Policy{ID: "p-team" + string(rune('a'+i)), Name: "Team", Content: "{}", Targets: []string{"ou-exam-11111111"}})
			}
		}, "organizations.scp-quota", report.Fail, "merge or detach"},
		{"region deny on a governed region", nil, func(o *fakeaws.Org) {
			o.Policies[1].Content = `{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":["iam:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["ap-northeast-1","us-east-2","eu-north-1","ap-southeast-2"]}}}}`
		}, "organizations.region-deny", report.Fail, "us-east-1"},
		{"region deny with a condition preflight cannot evaluate", nil, func(o *fakeaws.Org) {
			o.Policies[1].Content = `{"Statement":[{"Effect":"Deny","NotAction":"iam:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["ap-northeast-1","us-east-1"],"aws:PrincipalTag/team":"platform"}}}]}`
		}, "organizations.region-deny", report.Warn, "sign-in region"},
		{"account outside the targets", nil, func(o *fakeaws.Org) { o.Account(fakeaws.AccountID(0)).Parent = o.Root }, "organizations.outside-targets", report.Warn, "not below"},
		{"no organization trail", nil, func(o *fakeaws.Org) { o.Trails[0].Organization = false }, "cloudtrail.organization-trail", report.Fail, "create-trail"},
		{"trail without management writes", nil, func(o *fakeaws.Org) { o.Trails[0].ReadWriteType = "ReadOnly" }, "cloudtrail.organization-trail", report.Fail, "create-trail"},
		{"single-region trail", nil, func(o *fakeaws.Org) { o.Trails[0].Multi = false }, "cloudtrail.organization-trail", report.Fail, "us-east-1"},
		{"instance role without the policy", nil, func(o *fakeaws.Org) {
			o.Account(fakeaws.AccountID(1)).RolePolicies[fakeaws.InstanceRole] = []string{"AmazonSSMManagedInstanceCore"}
		}, "iam.instance-roles", report.Warn, "instanceRoleNames"},
		{"DHMC role without the policy", nil, func(o *fakeaws.Org) {
			a := o.Account(fakeaws.AccountID(2))
			a.Regions["us-east-1"].DHMCRole = "service-role/AWSSystemsManagerDefaultEC2InstanceManagementRole"
			a.RolePolicies["AWSSystemsManagerDefaultEC2InstanceManagementRole"] = []string{"AmazonSSMManagedEC2InstanceDefaultPolicy"}
		}, "iam.instance-roles", report.Warn, "Default Host Management"},
		{"private VPC without the logs endpoint", nil, func(o *fakeaws.Org) {
			r := o.Account(fakeaws.AccountID(3)).Regions["us-east-1"]
			r.Endpoints["vpc-private"] = []string{"com.amazonaws.us-east-1.ssm", "com.amazonaws.us-east-1.ssmmessages", "com.amazonaws.us-east-1.ec2messages", "com.amazonaws.us-east-1.kms"}
		}, "ec2.vpc-endpoints", report.Fail, "logs"},
		{"role cannot be assumed", nil, func(o *fakeaws.Org) { o.Account(fakeaws.AccountID(4)).NoRole = true }, "access.assume-role", report.Fail, "OrganizationAccountAccessRole"},
		{"no just-in-time approval policy", nil, func(o *fakeaws.Org) {
			o.Account(fakeaws.AccountID(5)).Regions["us-east-1"].ApprovalPolicies = nil
		}, "ssm.just-in-time", report.Warn, "Create approval policies"},
	}
	eachPageMode(t, func(t *testing.T, m pageMode) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := newFakeIn(t, m, 6, tc.change, tc.mutate)
				code, r := f.runJSON("preflight")
				got := findings(r, tc.check)
				if len(got) == 0 {
					t.Fatalf("no %s finding; exit %d, fatal %q, findings:\n%s", tc.check, code, r.Fatal, failing(r))
				}
				matched := false
				for _, g := range got {
					matched = matched || (g.Severity == tc.severity && strings.Contains(g.Region+" "+g.Message+g.Fix+g.Subject+g.Meaning, tc.contains))
				}
				if !matched {
					t.Errorf("findings %+v: want one of severity %s with %q", got, tc.severity, tc.contains)
				}
				if got[0].Meaning == "" || got[0].Fix == "" {
					t.Errorf("finding without meaning or fix: %+v", got[0])
				}
				if code != report.ExitFindings {
					t.Errorf("exit %d, want %d", code, report.ExitFindings)
				}
			})
		}
	})
}

// What sessionaudit would change in existing preferences is reported, and is no failure.
func TestPreflightReportsPreferenceChanges(t *testing.T) {
	f := newFake(t, 2, nil, func(o *fakeaws.Org) {
		r := o.Account(fakeaws.AccountID(0)).Regions["us-east-1"]
		r.Document = `{"schemaVersion":"1.0","sessionType":"Standard_Stream","inputs":{"runAsEnabled":true,"runAsDefaultUser":"ops","cloudWatchLogGroupName":"team-logs"}}`
		o.Account(fakeaws.AccountID(1)).Regions["us-east-1"].Document = ""
		o.Account(fakeaws.AccountID(1)).Regions["us-east-1"].Recording = &fakeaws.Recording{KMSKeyArn: "arn:aws:kms:us-east-1:1:key/team", Bucket: "team-recordings", Owner: fakeaws.AccountID(1)}
	})
	code, r := f.runJSON("preflight")
	if code != report.ExitClean {
		t.Fatalf("exit %d:\n%s", code, failing(r))
	}
	var changed, created, rdp bool
	for _, x := range findings(r, "ssm.preferences") {
		changed = changed || (x.Account == fakeaws.AccountID(0) && strings.Contains(x.Message, `cloudWatchLogGroupName: "team-logs" → "session-manager-log-`+fakeaws.AccountID(0)+`"`) && !strings.Contains(x.Message, "runAs"))
		created = created || (x.Account == fakeaws.AccountID(1) && strings.Contains(x.Message, "does not exist"))
	}
	for _, x := range findings(r, "ssm.rdp-recording") {
		rdp = rdp || x.Subject == "team-recordings"
	}
	if !changed || !created || !rdp {
		t.Errorf("changed %v, created %v, rdp %v:\n%+v", changed, created, rdp, r.Findings)
	}
}
