package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsorganizations"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// denyModePath holds the guardrail policies with guardrails.unloggedSessions "deny", for the
// access matrix (test/security/guardrails.test.js); go test ./test -update rewrites it.
var denyModePath = filepath.Join("testdata", "guardrails-deny.scp.json")

func TestGuardrailsModes(t *testing.T) {
	for _, tt := range []struct {
		mode     string
		more     map[string]any // more fields of guardrails
		enabled  bool
		policies []string // policy names
	}{
		{"notify", nil, true, []string{"SessionAuditProtect"}},
		{"allow", nil, true, []string{"SessionAuditProtect"}},
		{"deny", nil, true, []string{"SessionAuditProtect", "SessionAuditUnloggedSessions", "SessionAuditWays"}},
		{"notify", map[string]any{"ways": map[string]any{"serialConsole": "deny"}}, true, []string{"SessionAuditProtect", "SessionAuditWays"}},
		{"deny", map[string]any{"ways": map[string]any{"instanceConnect": "notify", "instanceConnectEndpoint": "allow", "serialConsole": "notify", "runCommand": "notify", "ecsExec": "allow"}}, true,
			[]string{"SessionAuditProtect", "SessionAuditUnloggedSessions"}},
		{"notify", map[string]any{"declarativeSerialConsole": true}, true, []string{"SessionAuditProtect", "SessionAuditSerialConsole"}},
		{"notify", nil, false, nil},
	} {
		t.Run(fmt.Sprintf("%s/%v/%v", tt.mode, tt.more, tt.enabled), func(t *testing.T) {
			a := synth(mustConfigWith(t, func(c map[string]any) {
				c["guardrails"] = map[string]any{"enabled": tt.enabled, "unloggedSessions": tt.mode}
				maps.Copy(c["guardrails"].(map[string]any), tt.more)
				if tt.enabled {
					c["guardrails"].(map[string]any)["exemptPrincipalArns"] = []any{"arn:aws:iam::*:role/BreakGlass"}
				}
			}))
			tmpl, ok := a.templates[stacks.GuardrailsStackName]
			if ok != tt.enabled {
				t.Fatalf("guardrails stack present = %v, want %v", ok, tt.enabled)
			}
			if !ok {
				return
			}
			if g := a.stacks.Guardrails; *g.Stack.Account() != "111111111111" || !*g.Stack.TerminationProtection() {
				t.Errorf("guardrails stack in %s, termination protection %v: want the management account, on", *g.Stack.Account(), *g.Stack.TerminationProtection())
			}
			var names []string
			for _, p := range resources(tmpl, "AWS::Organizations::Policy") {
				names = append(names, props(p)["Name"].(string))
				// The serial console's is an EC2 declarative policy, with the attribute that keeps the
				// console off (Organizations user guide, "Declarative policy syntax and examples").
				if props(p)["Name"] == "SessionAuditSerialConsole" {
					if props(p)["Type"] != "DECLARATIVE_POLICY_EC2" {
						t.Errorf("%v: type %v", props(p)["Name"], props(p)["Type"])
					}
					equalJSON(t, "serial console", props(p)["Content"], map[string]any{"ec2_attributes": map[string]any{"serial_console_access": map[string]any{"status": map[string]any{"@@assign": "disabled"}}}})
				} else if props(p)["Type"] != "SERVICE_CONTROL_POLICY" {
					t.Errorf("%v: type %v", props(p)["Name"], props(p)["Type"])
				}
				equalJSON(t, "targets", props(p)["TargetIds"], []string{"ou-exam-11111111"})
				if n := len(jsonString(props(p)["Content"])); n > guardrails.MaxPolicyCharacters {
					t.Errorf("%v: %d characters", props(p)["Name"], n)
				}
			}
			if !sameSet(names, tt.policies) {
				t.Errorf("policies %v, want %v", names, tt.policies)
			}
			if tt.mode == "deny" && tt.more == nil {
				golden(t, denyModePath, tmpl)
			}
		})
	}
}

// TestGuardrailsProtectPolicy asserts the whole Protect policy of the default app.
func TestGuardrailsProtectPolicy(t *testing.T) {
	// The example also protects the archive (its three policies: archive_policies_test.go).
	tmpl := defaultApp.templates[stacks.GuardrailsStackName]
	p := resources(tmpl, "AWS::Organizations::Policy")[logicalID(t, tmpl, "AWS::Organizations::Policy", "GuardrailsProtect")]
	exempt := map[string]any{"ArnNotLike": map[string]any{"aws:PrincipalArn": []string{
		"arn:*:iam::*:role/stacksets-exec-*", "arn:*:iam::*:role/session-audit-preferences-*", "arn:aws:iam::*:role/BreakGlass"}}}
	deny := func(sid string, actions []string, resource any) map[string]any {
		return map[string]any{"Sid": sid, "Effect": "Deny", "Action": actions, "Resource": resource, "Condition": exempt}
	}
	detach := deny("ProtectInstancePolicyAttachment", []string{"iam:DetachRolePolicy"}, "*")
	detach["Condition"] = map[string]any{"ArnNotLike": exempt["ArnNotLike"], "ArnLike": map[string]any{"iam:PolicyARN": "arn:*:iam::*:policy/SessionAuditInstanceLogging"}}
	group := "arn:*:logs:*:*:log-group:session-manager-log-*"
	function := "arn:*:lambda:*:*:function:session-audit-*"
	equalJSON(t, "Protect", props(p)["Content"], map[string]any{"Version": "2012-10-17", "Statement": []any{
		deny("ProtectSessionAuditResources", []string{
			"ssm:CreateDocument", "ssm:UpdateDocument", "ssm:DeleteDocument", "ssm:UpdateDocumentDefaultVersion", "ssm:UpdateDocumentMetadata", "ssm:ModifyDocumentPermission", "ssm:PutResourcePolicy",
			"logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey",
			"logs:PutLogGroupDeletionProtection", "logs:PutSubscriptionFilter", "logs:DeleteSubscriptionFilter", "logs:DeleteLogStream",
			"logs:PutTransformer", "logs:DeleteTransformer", "logs:PutDataProtectionPolicy", "logs:DeleteDataProtectionPolicy",
			"events:PutRule", "events:DisableRule", "events:DeleteRule", "events:PutTargets", "events:RemoveTargets",
			"iam:DeletePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion",
			"iam:CreateRole", "iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
			"iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:PassRole",
			"lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:InvokeFunction", "lambda:AddPermission",
			"lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig", "lambda:DeleteFunction", "lambda:PublishVersion", "lambda:CreateAlias", "lambda:UpdateAlias",
			"sqs:DeleteQueue", "sqs:SetQueueAttributes", "sqs:PurgeQueue", "sqs:ReceiveMessage", "sqs:DeleteMessage",
		}, []string{
			"arn:*:ssm:*:*:document/SSM-SessionManagerRunShell", group, group + ":*", "arn:*:events:*:*:rule/session-audit-*",
			"arn:*:iam::*:policy/SessionAuditInstanceLogging", "arn:*:iam::*:role/stacksets-exec-*", "arn:*:iam::*:role/session-audit-*",
			function, function + ":*", "arn:*:sqs:*:*:session-audit-*", "arn:*:iam::*:role/BreakGlass",
		}),
		deny("ProtectAccountSettings", []string{"ssm-guiconnect:UpdateConnectionRecordingPreferences", "ssm-guiconnect:DeleteConnectionRecordingPreferences",
			"logs:PutAccountPolicy", "logs:DeleteAccountPolicy"}, "*"),
		detach,
	}})
	// What the policy protects has the names it protects: the member's rules, the document
	// handler's role and function, the notifier's role and queue; and the guardrails' default
	// name prefix is the app's.
	if guardrails.DefaultNamePrefix != stacks.MemberNamePrefix {
		t.Errorf("guardrails.DefaultNamePrefix %q, stacks.MemberNamePrefix %q", guardrails.DefaultNamePrefix, stacks.MemberNamePrefix)
	}
	for typ, prop := range map[string]string{"AWS::Lambda::Function": "FunctionName", "AWS::SQS::Queue": "QueueName"} {
		for id, r := range resources(defaultApp.templates[stacks.MemberStackName], typ) {
			if strings.HasPrefix(id, "LogKeyHandler") { // the key lookup: no exempt role, nothing to protect
				continue
			}
			if name, _ := props(r)[prop].(string); !strings.HasPrefix(name, stacks.MemberNamePrefix) {
				t.Errorf("member %s %s named %v, not %s*", typ, id, props(r)[prop], stacks.MemberNamePrefix)
			}
		}
	}
	member := defaultApp.templates[stacks.MemberStackName]
	for _, r := range resources(member, "AWS::Events::Rule") {
		if name, _ := props(r)["Name"].(string); !strings.HasPrefix(name, stacks.MemberNamePrefix) {
			t.Errorf("member rule named %q, not %s*", name, stacks.MemberNamePrefix)
		}
	}
	role := resources(member, "AWS::IAM::Role")[logicalID(t, member, "AWS::IAM::Role", "SessionPreferencesDocumentHandlerRole")]
	if got := renderJoin(t, props(role)["RoleName"]); got != "session-audit-preferences-{Ref:AWS::Region}" {
		t.Errorf("document handler role %q", got)
	}
}

// TestGuardrailsStayWithinTheSCPLimit: the longest allowed exemptions still fit; the construct
// refuses a policy that would not.
func TestGuardrailsStayWithinTheSCPLimit(t *testing.T) {
	// As many as config accepts, in deny mode with every region of the largest test configuration:
	// config refuses one more, and what it accepts fits.
	largest, err := config.LoadFile("testdata/largest.json")
	if err != nil {
		t.Fatal(err)
	}
	var long []any
	for i := 0; ; i++ {
		next := append(append([]any{}, long...), "arn:aws:iam::*:role/"+strings.Repeat("break-glass-", 6)+fmt.Sprintf("%03d", i)+"/*")
		if _, err := configWith(func(c map[string]any) {
			c["regions"], c["homeRegion"] = jsonList(largest.Regions), largest.HomeRegion
			c["guardrails"] = map[string]any{"unloggedSessions": "deny", "exemptPrincipalArns": next}
		}); err != nil {
			if !strings.Contains(err.Error(), "guardrails.exemptPrincipalArns: make the guardrail policy") {
				t.Fatalf("config refuses %d patterns for another reason: %v", len(next), err)
			}
			break
		}
		long = next
	}
	if len(long) == 0 {
		t.Fatal("config accepts no exemption at all")
	}
	a := synth(mustConfigWith(t, func(c map[string]any) {
		c["regions"], c["homeRegion"] = jsonList(largest.Regions), largest.HomeRegion
		c["guardrails"] = map[string]any{"unloggedSessions": "deny", "exemptPrincipalArns": long}
	}))
	for id, p := range resources(a.templates[stacks.GuardrailsStackName], "AWS::Organizations::Policy") {
		if n := len(jsonString(props(p)["Content"])); n > guardrails.MaxPolicyCharacters {
			t.Errorf("%s: %d characters with the largest accepted exemptions (%d patterns)", id, n, len(long))
		}
	}
	huge := []string{}
	for i := 0; i < 40; i++ {
		huge = append(huge, "arn:aws:iam::*:role/"+strings.Repeat("x", 100))
	}
	got := panicMessage(func() {
		stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
		guardrails.New(stack, "G", &guardrails.Props{TargetIds: []string{"r-ab12"}, NamePrefix: jsii.String("x-"), ExemptPrincipalArns: huge})
	})
	if !strings.HasPrefix(got, "guardrails: policy Protect has ") {
		t.Errorf("want a size error, got %q", got)
	}
}

// TestGuardrailsDoNotGrowWithTargets: 200 OUs (more than one StackSet operation takes) attach the
// same policies as one.
func TestGuardrailsDoNotGrowWithTargets(t *testing.T) {
	size := func(n int) (sizes []int) {
		targets := make([]string, n)
		for i := range targets {
			targets[i] = fmt.Sprintf("ou-exam-%08d", i)
		}
		stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
		g := guardrails.New(stack, "G", &guardrails.Props{TargetIds: targets, NamePrefix: jsii.String("session-audit-"), DenyUnloggedSessions: true,
			Ways:                guardrails.Ways{InstanceConnect: true, InstanceConnectEndpoint: true, SerialConsole: true, RunCommand: true, ECSExec: true},
			ExemptPrincipalArns: []string{"arn:aws:iam::*:role/BreakGlass"}})
		for _, p := range []awsorganizations.CfnPolicy{g.Protect, g.UnloggedSessions, g.Ways} {
			sizes = append(sizes, guardrails.Size(p.Content().(map[string]any)))
			if got := len(*p.TargetIds()); got != n {
				t.Errorf("%d targets attached, want %d", got, n)
			}
		}
		return sizes
	}
	if one, many := size(1), size(200); !reflect.DeepEqual(one, many) {
		t.Errorf("policy sizes %v with one OU, %v with 200", one, many)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// golden compares v with the file at path (-update rewrites it).
func golden(t *testing.T, path string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (create it with: go test ./test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs; if the change is intended, run go test ./test -update and review the diff\n%s", path, firstDifference(want, got))
	}
}

// jsonList is a list of strings as a JSON configuration holds it.
func jsonList(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

// TestGuardrailsWaysPolicy asserts the whole Ways policy for each way alone and for all: each
// way's actions, Run Command's allow-list of documents, and the exemption on every statement.
func TestGuardrailsWaysPolicy(t *testing.T) {
	exempt := map[string]any{"ArnNotLike": map[string]any{"aws:PrincipalArn": []string{
		"arn:*:iam::*:role/stacksets-exec-*", "arn:*:iam::*:role/session-audit-preferences-*", "arn:aws:iam::*:role/BreakGlass"}}}
	ways := func(actions ...string) map[string]any {
		return map[string]any{"Sid": "DenyWaysIntoNodes", "Effect": "Deny", "Action": actions, "Resource": "*", "Condition": exempt}
	}
	runCommand := map[string]any{"Sid": "DenyRunCommandDocuments", "Effect": "Deny",
		"Action": []string{"ssm:SendCommand", "ssm:CreateAssociation", "ssm:CreateAssociationBatch", "ssm:UpdateAssociation"},
		"NotResource": []string{"arn:*:ec2:*:*:instance/*", "arn:*:ssm:*:*:managed-instance/*", "arn:*:ssm:*:*:association/*", "arn:*:s3:::*",
			"arn:*:ssm:*:*:document/AWS-RunPatchBaseline", "arn:*:ssm:*:*:document/AWS-RunPatchBaselineAssociation", "arn:*:ssm:*:*:document/AWS-UpdateSSMAgent",
			"arn:*:ssm:*:*:document/AWS-GatherSoftwareInventory", "arn:*:ssm:*:*:document/AWS-RefreshAssociation"},
		"Condition": exempt}
	for _, tt := range []struct {
		name       string
		ways       guardrails.Ways
		statements []any
	}{
		{"Instance Connect", guardrails.Ways{InstanceConnect: true}, []any{ways("ec2-instance-connect:SendSSHPublicKey")}},
		{"endpoint tunnels", guardrails.Ways{InstanceConnectEndpoint: true}, []any{ways("ec2-instance-connect:OpenTunnel")}},
		{"serial console", guardrails.Ways{SerialConsole: true}, []any{ways("ec2-instance-connect:SendSerialConsoleSSHPublicKey", "ec2:EnableSerialConsoleAccess")}},
		{"Run Command", guardrails.Ways{RunCommand: true}, []any{ways("ssm:RegisterTaskWithMaintenanceWindow", "ssm:UpdateMaintenanceWindowTask"), runCommand}},
		{"ECS Exec", guardrails.Ways{ECSExec: true}, []any{ways("ecs:ExecuteCommand")}},
		{"all", guardrails.Ways{InstanceConnect: true, InstanceConnectEndpoint: true, SerialConsole: true, RunCommand: true, ECSExec: true}, []any{ways(
			"ec2-instance-connect:SendSSHPublicKey", "ec2-instance-connect:OpenTunnel", "ec2-instance-connect:SendSerialConsoleSSHPublicKey", "ec2:EnableSerialConsoleAccess",
			"ssm:RegisterTaskWithMaintenanceWindow", "ssm:UpdateMaintenanceWindowTask", "ecs:ExecuteCommand"), runCommand}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("S"), nil)
			g := guardrails.New(stack, "G", &guardrails.Props{TargetIds: []string{"r-ab12"}, NamePrefix: jsii.String("session-audit-"),
				ExemptPrincipalArns: []string{"arn:aws:iam::*:role/BreakGlass"}, Ways: tt.ways})
			if g.UnloggedSessions != nil || g.Ways == nil {
				t.Fatalf("a denied way alone: want the Protect and Ways policies, got UnloggedSessions %v, Ways %v", g.UnloggedSessions != nil, g.Ways != nil)
			}
			if *g.Ways.Name() != "SessionAuditWays" {
				t.Errorf("name %s", *g.Ways.Name())
			}
			equalJSON(t, "Ways", g.Ways.Content(), map[string]any{"Version": "2012-10-17", "Statement": tt.statements})
		})
	}
}
