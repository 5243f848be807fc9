package cli

import (
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/install"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/permissions"
	"github.com/sessionaudit/sessionaudit/operator/report"
	"github.com/sessionaudit/sessionaudit/stacks"
)

func TestVerifyHealthyDeployment(t *testing.T) {
	eachPageMode(t, func(t *testing.T, m pageMode) {
		f := newFakeIn(t, m, 6, nil, nil)
		code, r := f.runJSON("verify", "-sample", "3")
		if code != report.ExitClean || r.Fatal != "" {
			t.Fatalf("exit %d, fatal %q:\n%s", code, r.Fatal, failing(r))
		}
		if f.srv.Calls("logs", "DescribeSubscriptionFilters") != 3*2 {
			t.Errorf("sampled accounts × regions read: %d, want 6", f.srv.Calls("logs", "DescribeSubscriptionFilters"))
		}
	})
}

func TestVerifyFindings(t *testing.T) {
	// every member's us-east-1, whichever are sampled
	members := func(change func(*fakeaws.Region)) func(*fakeaws.Org) {
		return func(o *fakeaws.Org) {
			for _, a := range o.Accounts {
				change(a.Regions["us-east-1"])
			}
		}
	}
	cases := []struct {
		name     string
		mutate   func(*fakeaws.Org)
		check    string
		severity report.Severity
		contains string
	}{
		{"receiver missing", func(o *fakeaws.Org) {
			delete(o.Stacks, o.LogArchive+"/us-east-1/"+stacks.ReceiverStackName("us-east-1"))
		}, "cloudformation.stack", report.Fail, "step 2"},
		{"management direct deploy missing", func(o *fakeaws.Org) { delete(o.Stacks, o.Management+"/us-east-1/"+stacks.MemberStackName) }, "cloudformation.stack", report.Fail, "step 4"},
		{"stack rolled back", func(o *fakeaws.Org) {
			o.Stacks[o.Management+"/"+o.Home+"/"+stacks.GuardrailsStackName] = "ROLLBACK_COMPLETE"
		}, "cloudformation.stack", report.Fail, "delete-stack"},
		{"failed instances grouped by reason", func(o *fakeaws.Org) {
			for _, i := range o.StackSets[stacks.MemberStackSetName][:3] {
				i.Status, i.Detailed, i.Reason = "OUTDATED", "FAILED", "Account 1 should have 'AWSCloudFormationStackSetExecutionRole' role with explicit deny in a service control policy"
			}
		}, "stackset.instances", report.Fail, "SCP denies"},
		{"coverage gap", func(o *fakeaws.Org) {
			o.StackSets[stacks.MemberStackSetName] = o.StackSets[stacks.MemberStackSetName][1:]
		}, "stackset.coverage", report.Fail, "no stack instance"},
		{"sign-in StackSet missing", func(o *fakeaws.Org) { delete(o.StackSets, stacks.SignInStackSetName) }, "stackset.instances", report.Fail, "does not exist"},
		{"key disabled", func(o *fakeaws.Org) { o.Keys["us-east-1/"+install.LogKeyAlias].State = "Disabled" }, "kms.keys", report.Fail, "enable-key"},
		{"rotation off", func(o *fakeaws.Org) { o.Keys[o.Home+"/"+install.SessionKeyAlias].Rotation = false }, "kms.rotation", report.Fail, "enable-key-rotation"},
		{"destination missing", func(o *fakeaws.Org) { delete(o.Destinations, "us-east-1") }, "logs.destination", report.Fail, "Receiver-us-east-1"},
		{"stream missing", func(o *fakeaws.Org) { delete(o.Streams, install.StreamName("us-east-1")) }, "firehose.stream", report.Fail, "missing"},
		{"stale delivery", func(o *fakeaws.Org) {
			for k := range o.Objects {
				if strings.Contains(k, "/us-east-1/") {
					o.Objects[k] = time.Now().Add(-30 * time.Hour)
				}
			}
		}, "s3.delivery", report.Warn, "newest forwarded object"},
		{"unconfirmed subscription", func(o *fakeaws.Org) {
			for k := range o.Subscriptions {
				o.Subscriptions[k] = append(o.Subscriptions[k], k+":PendingConfirmation")
			}
		}, "sns.subscriptions", report.Warn, "confirm"},
		{"formatter errors", func(o *fakeaws.Org) { o.Alarms[1].State, o.Alarms[1].Reason = "ALARM", "Threshold Crossed" }, "cloudwatch.alarms", report.Fail, "formatter"},
		{"guardrail detached", func(o *fakeaws.Org) { o.Policies = o.Policies[:2] }, "guardrails.attached", report.Fail, "SessionAuditProtect"},
		{"member preferences changed", members(func(r *fakeaws.Region) { r.Document = `{"inputs":{"cloudWatchLogGroupName":"other"}}` }), "member.preferences", report.Fail, "cloudWatchEncryptionEnabled"},
		{"member subscription missing", members(func(r *fakeaws.Region) { r.Filters = nil }), "member.subscription", report.Fail, "destination:session-audit"},
		{"member rule disabled", members(func(r *fakeaws.Region) { r.Rules["session-audit-sessions"] = "DISABLED" }), "member.rules", report.Fail, "enable-rule"},
		{"member dead letters", members(func(r *fakeaws.Region) { r.DLQ = 4 }), "member.dead-letters", report.Warn, "4 messages"},
	}
	eachPageMode(t, func(t *testing.T, m pageMode) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := newFakeIn(t, m, 6, nil, tc.mutate)
				code, r := f.runJSON("verify", "-sample", "2")
				matched := false
				for _, g := range findings(r, tc.check) {
					matched = matched || (g.Severity == tc.severity && g.Meaning != "" && g.Fix != "" && strings.Contains(g.Message+g.Fix+g.Subject+g.Meaning, tc.contains))
				}
				if !matched || code != report.ExitFindings {
					t.Fatalf("exit %d, want a %s %s finding with %q; fatal %q, findings:\n%s", code, tc.severity, tc.check, tc.contains, r.Fatal, failing(r))
				}
			})
		}
	})
}

// The policy grants exactly the operations preflight, verify (with its probe), validate and report call: every
// recorded operation is in permissions.Operations, and every listed operation was called by some run.
func TestPolicyMatchesTheCalls(t *testing.T) {
	f := newFake(t, 4, func(m map[string]any) {
		m["delegatedAdmin"] = true
		// An opt-in region (its opt-in status is read) and exempt roles and users (they are listed).
		m["regions"] = append(m["regions"].([]any), "ap-southeast-3")
		m["guardrails"].(map[string]any)["exemptPrincipalArns"] = []any{identityCenterBreakGlass, "arn:aws:iam::*:user/break-glass/*"}
	}, func(o *fakeaws.Org) {
		o.DelegatedAdmins[fakeaws.StackSetsPrincipal] = []string{o.Management}
		digestBucket(t, o)
		cannedCoverage([][]string{start("s-1", fakeaws.AccountID(1), "us-east-1", "")}, nil)(o)
	})
	if code, r := f.runJSON(onlineRange...); code != report.ExitClean {
		t.Fatalf("validate exit %d, fatal %q:\n%s", code, r.Fatal, failing(r))
	}
	// report: coverage's queries and transcript look-up, and the digests of its period.
	if code, _, stdout, stderr := f.runReport(); code != report.ExitFindings {
		t.Fatalf("report exit %d:\n%s\n%s", code, stdout, stderr)
	}
	f.now = time.Now()
	if code, r := f.runJSON("preflight"); code != report.ExitClean {
		t.Fatalf("preflight exit %d:\n%s", code, failing(r))
	}
	if code, r := f.runJSON("verify"); code != report.ExitClean {
		t.Fatalf("verify exit %d:\n%s", code, failing(r))
	}
	if code, r := f.runJSON("verify", "-probe", "-probe-poll", "5ms", "-probe-deadline", "5s"); code != report.ExitClean {
		t.Fatalf("verify -probe exit %d, fatal %q:\n%s", code, r.Fatal, failing(r))
	}
	recorded := f.recorder.Operations()
	var listed []string
	for _, o := range permissions.Operations {
		listed = append(listed, o.Key())
	}
	sort.Strings(listed)
	if strings.Join(recorded, "\n") != strings.Join(listed, "\n") {
		t.Errorf("recorded operations:\n  %s\nlisted in permissions.Operations:\n  %s", strings.Join(recorded, "\n  "), strings.Join(listed, "\n  "))
	}
	checkPolicyGrants(t, recorded)
	policy := permissions.PolicyJSON()
	for _, a := range permissions.Actions() {
		if !strings.Contains(policy, `"`+a+`"`) {
			t.Errorf("policy lacks %s", a)
		}
	}
}
