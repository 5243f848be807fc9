package test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// The log-archive policies protect functions, roles and stacks by the stack name prefix: every
// stack of the app carries it.
func TestEveryStackNameHasThePrefix(t *testing.T) {
	for name := range defaultApp.templates {
		if !strings.HasPrefix(name, stacks.StackNamePrefix) {
			t.Errorf("stack %q does not start with %q: the log-archive policies would not protect it", name, stacks.StackNamePrefix)
		}
	}
	if len(defaultApp.templates) == 0 {
		t.Fatal("no template synthesized")
	}
}

// With guardrails.protectArchive, SessionAudit-Guardrails attaches two SCPs and one RCP to the
// log-archive account alone, naming what package install names; without it, none.
func TestArchivePoliciesAttachToTheLogArchiveAccount(t *testing.T) {
	cases := []struct {
		name    string
		protect bool
	}{{"protected", true}, {"not protected", false}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := mustConfigWith(t, func(m map[string]any) { m["guardrails"].(map[string]any)["protectArchive"] = tc.protect })
			a := synth(c)
			types := map[string]string{}
			for _, p := range resources(a.templates[stacks.GuardrailsStackName], "AWS::Organizations::Policy") {
				name, _ := props(p)["Name"].(string)
				if !strings.Contains(name, "Archive") {
					continue
				}
				types[name], _ = props(p)["Type"].(string)
				targets, _ := json.Marshal(props(p)["TargetIds"])
				if string(targets) != `["`+c.LogArchiveAccountID+`"]` {
					t.Errorf("%s attached to %s, want the log-archive account only", name, targets)
				}
				content := jsonString(props(p)["Content"])
				named := map[string][]string{
					config.PolicyNamePrefix + guardrails.PolicyArchiveKeep: {stacks.CentralBucketName(c), "alias/session-audit", "cdk-*-cfn-exec-role-*", "stack/" + stacks.StackNamePrefix},
					config.PolicyNamePrefix + guardrails.PolicyArchiveFlow: {"deliverystream/" + stacks.StreamNamePrefix, "destination:" + stacks.DestinationName, "rule/" + stacks.BusName + "/", "cdk-*-cfn-exec-role-*"},
					config.PolicyNamePrefix + guardrails.PolicyArchiveRCP:  {stacks.CentralBucketName(c), "alias/session-audit", "cdk-*"},
				}[name]
				if len(named) == 0 {
					t.Errorf("unknown archive policy %s", name)
				}
				for _, want := range named {
					if !strings.Contains(content, want) {
						t.Errorf("%s does not name %s", name, want)
					}
				}
			}
			want := map[string]string{}
			if tc.protect {
				want = map[string]string{
					config.PolicyNamePrefix + guardrails.PolicyArchiveKeep: "SERVICE_CONTROL_POLICY",
					config.PolicyNamePrefix + guardrails.PolicyArchiveFlow: "SERVICE_CONTROL_POLICY",
					config.PolicyNamePrefix + guardrails.PolicyArchiveRCP:  guardrails.ResourceControlPolicyType,
				}
			}
			got, _ := json.Marshal(types)
			wantJSON, _ := json.Marshal(want)
			if string(got) != string(wantJSON) {
				t.Errorf("archive policies %s, want %s", got, wantJSON)
			}
		})
	}
}

// Config refuses exemptions that would make a log-archive policy too large, and the construct
// refuses such a policy too.
func TestArchivePoliciesStayWithinTheLimit(t *testing.T) {
	var long []any
	for i := 0; ; i++ {
		// Patterns of a usual length (an Identity Center permission set's role: 70 characters).
		next := append(append([]any{}, long...), fmt.Sprintf("arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_BG%02d_*", i))
		c, err := configWith(func(m map[string]any) {
			m["guardrails"] = map[string]any{"protectArchive": true, "exemptPrincipalArns": next}
		})
		if err != nil {
			if !strings.Contains(err.Error(), "guardrails.exemptPrincipalArns: make the guardrail policy SessionAuditArchive") {
				t.Fatalf("config refuses %d patterns for another reason: %v", len(next), err)
			}
			break
		}
		for name, n := range guardrails.ArchiveSizes(c.ArchiveProps()) {
			if n > guardrails.MaxPolicyCharacters {
				t.Fatalf("config accepts %d patterns that make %s %d characters", len(next), name, n)
			}
		}
		long = next
	}
	t.Logf("config accepts %d such patterns with protectArchive", len(long))
	if len(long) < 4 {
		t.Errorf("config accepts only %d exempt patterns with protectArchive", len(long))
	}
	huge := []string{}
	for i := 0; i < 40; i++ {
		huge = append(huge, "arn:aws:iam::*:role/"+strings.Repeat("x", 100))
	}
	got := panicMessage(func() {
		stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
		p := config.Config{LogArchiveAccountID: "222222222222", HomeRegion: "us-east-1"}.ArchiveProps()
		p.ExemptPrincipalArns = huge
		guardrails.NewArchive(stack, "A", p)
	})
	if !strings.HasPrefix(got, "guardrails: policy ArchiveKeep has ") {
		t.Errorf("want a size error, got %q", got)
	}
}
