package test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// stackSet returns the StackSet of the given name in a StackSet stack template.
func stackSet(t *testing.T, tmpl map[string]any, name string) map[string]any {
	t.Helper()
	for _, set := range resources(tmpl, "AWS::CloudFormation::StackSet") {
		if props(set)["StackSetName"] == name {
			return set
		}
	}
	t.Fatalf("no StackSet %s", name)
	return nil
}

func TestStackSetTemplateBodyIsTheMemberTemplate(t *testing.T) {
	for name, stackName := range map[string]string{stacks.MemberStackSetName: stacks.MemberStackName, stacks.SignInStackSetName: stacks.SignInStackName} {
		set := stackSet(t, defaultApp.templates[stacks.MemberStackSetStackName], name)
		body, ok := props(set)["TemplateBody"].(string)
		if !ok {
			t.Fatalf("TemplateBody is not a literal string: %v", props(set)["TemplateBody"])
		}
		var got any
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("TemplateBody is not the %s template: %v\n%.200s", stackName, err, body)
		}
		// The same template as CloudFormation gets it: without the rule packs' acknowledgments
		// (app.go moves them next to every template too).
		deployable, err := stacks.Deployable(defaultApp.templates[stackName])
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(deployable)
		var want any
		_ = json.Unmarshal(b, &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("StackSet %s TemplateBody differs from the synthesized %s template", name, stackName)
		}
		if strings.Contains(body, `"cdk_nag"`) {
			t.Errorf("StackSet %s TemplateBody carries the rule packs' acknowledgments", name)
		}
		if len(body) > stacks.MaxTemplateBodyBytes {
			t.Errorf("TemplateBody is %d bytes, over %d", len(body), stacks.MaxTemplateBodyBytes)
		}
	}
}

// Console sign-ins are recorded where CloudTrail says (global endpoint: us-east-1, us-east-2,
// eu-north-1, ap-southeast-2); the sign-in StackSet covers those that are not governed, and only
// those.
func TestSignInStackSetRegions(t *testing.T) {
	set := stackSet(t, defaultApp.templates[stacks.MemberStackSetStackName], stacks.SignInStackSetName)
	group := props(set)["StackInstancesGroup"].([]any)[0].(map[string]any)
	equalJSON(t, "sign-in regions beyond the governed ones", group["Regions"], []string{"us-east-2", "eu-north-1", "ap-southeast-2"})
	equalJSON(t, "same targets as the member StackSet", group["DeploymentTargets"], map[string]any{"OrganizationalUnitIds": []string{"ou-exam-11111111"}})
	// Sign-ins, and every session and RDP connection of these regions (not governed, so none is
	// logged): announced whoever starts them; the other ways into a node as in a governed region.
	if n := len(resources(defaultApp.templates[stacks.SignInStackName], "AWS::Events::Rule")); n != 4 {
		t.Errorf("the sign-in stack holds %d rules, want the sign-in, session, RDP connection and ways rules", n)
	}
	for name, patch := range map[string]func(c map[string]any){
		"all governed": func(c map[string]any) {
			c["regions"] = []any{home, "us-east-1", "us-east-2", "eu-north-1", "ap-southeast-2"}
		},
		"sign-ins off": signInsOff,
	} {
		s := synth(mustConfigWith(t, patch))
		if n := len(resources(s.templates[stacks.MemberStackSetStackName], "AWS::CloudFormation::StackSet")); n != 1 || s.stacks.SignIn != nil {
			t.Errorf("%s: %d StackSets, sign-in stack %v; want only the member StackSet", name, n, s.stacks.SignIn != nil)
		}
	}
}

func TestStackSetSettings(t *testing.T) {
	s := defaultApp.stacks.MemberStackSet
	if got := *s.Stack.Account() + "/" + *s.Stack.Region(); got != "111111111111/"+home {
		t.Errorf("StackSet stack env %s, want the management account in the home region", got)
	}
	tmpl := defaultApp.template(s.Stack)
	check(t, "StackSet", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::CloudFormation::StackSet"), map[string]any{
			"StackSetName":     stacks.MemberStackSetName,
			"PermissionModel":  "SERVICE_MANAGED",
			"AutoDeployment":   map[string]any{"Enabled": true, "RetainStacksOnAccountRemoval": true},
			"CallAs":           "SELF",
			"Capabilities":     []any{"CAPABILITY_NAMED_IAM"},
			"ManagedExecution": map[string]any{"Active": true},
			"OperationPreferences": map[string]any{
				"RegionConcurrencyType": "PARALLEL", "MaxConcurrentPercentage": 25, "FailureTolerancePercentage": 10,
			},
			"StackInstancesGroup": []any{map[string]any{
				"DeploymentTargets": map[string]any{"OrganizationalUnitIds": []any{"ou-exam-11111111"}},
				"Regions":           []any{home, "us-east-1"},
			}},
			"TemplateBody": assertions.Match_AnyValue(),
		})
	})
	custom := synth(mustConfigWith(t, func(c map[string]any) {
		c["delegatedAdmin"] = true
		c["targetOrganizationalUnitIds"] = []any{"ou-exam-11111111", "ou-exam-22222222", "r-exam"}
		c["stackSet"] = map[string]any{"retainStacksOnAccountRemoval": false, "regionConcurrency": "SEQUENTIAL",
			"maxConcurrentPercentage": 100, "failureTolerancePercentage": 0}
	}))
	p := props(stackSet(t, custom.templates[stacks.MemberStackSetStackName], stacks.MemberStackSetName))
	equalJSON(t, "CallAs", p["CallAs"], "DELEGATED_ADMIN")
	equalJSON(t, "AutoDeployment", p["AutoDeployment"], map[string]any{"Enabled": true, "RetainStacksOnAccountRemoval": false})
	equalJSON(t, "OperationPreferences", p["OperationPreferences"], map[string]any{
		"RegionConcurrencyType": "SEQUENTIAL", "MaxConcurrentPercentage": 100, "FailureTolerancePercentage": 0,
		"RegionOrder": []string{"ap-northeast-1", "us-east-1"},
	})
	equalJSON(t, "targets", p["StackInstancesGroup"].([]any)[0].(map[string]any)["DeploymentTargets"],
		map[string]any{"OrganizationalUnitIds": []string{"ou-exam-11111111", "ou-exam-22222222", "r-exam"}})
}

func TestReceiverKeyReplica(t *testing.T) {
	r, ok := defaultApp.stacks.Receivers["us-east-1"]
	if !ok || len(defaultApp.stacks.Receivers) != 2 {
		t.Fatalf("want a receiver stack per governed region, got %v", defaultApp.stacks.Receivers)
	}
	if got := *r.Stack.Account() + "/" + *r.Stack.Region(); got != archive+"/us-east-1" {
		t.Errorf("receiver env %s", got)
	}
	if !*r.Stack.TerminationProtection() {
		t.Error("receiver termination protection off")
	}
	tmpl := defaultApp.templates[stacks.ReceiverStackName("us-east-1")]
	lookupID := logicalID(t, tmpl, "Custom::KeyLookup", "PrimaryLogKey")
	lookup := resources(tmpl, "Custom::KeyLookup")[lookupID]
	if got := renderJoin(t, props(lookup)["AliasArn"]); got != "arn:aws:kms:"+home+":"+archive+":"+logkey.DefaultAliasName {
		t.Errorf("receiver looks up %s, want the primary's alias", got)
	}
	replicaID := logicalID(t, tmpl, "AWS::KMS::ReplicaKey", "LogKeyReplica")
	replica := resources(tmpl, "AWS::KMS::ReplicaKey")[replicaID]
	if replica["DeletionPolicy"] != "RetainExceptOnCreate" || replica["UpdateReplacePolicy"] != "Retain" {
		t.Error("replica is not retained")
	}
	p := props(replica)
	equalJSON(t, "primary", p["PrimaryKeyArn"], map[string]any{"Fn::GetAtt": []any{lookupID, "Arn"}})
	equalJSON(t, "tags", p["Tags"], []any{map[string]any{"Key": logkey.JustInTimeTagKey, "Value": "true"}})
	logs := statement(t, p["KeyPolicy"], logkey.SidCloudWatchLogs)
	equalJSON(t, "replica lets CloudWatch Logs of its own region use it", logs["Principal"], map[string]any{"Service": "logs.us-east-1.amazonaws.com"})
	equalJSON(t, "replica log group pattern", logs["Condition"].(map[string]any)["ArnLike"],
		map[string]any{"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:*:log-group:*"})
	statement(t, p["KeyPolicy"], logkey.SidDenyOutsideDecryption)
	alias := resources(tmpl, "AWS::KMS::Alias")[logicalID(t, tmpl, "AWS::KMS::Alias", "LogKeyReplica")]
	if r.KeyReplica == nil || defaultApp.stacks.Receivers[home].KeyReplica != nil {
		t.Error("want a replica outside the home region only")
	}
	equalJSON(t, "alias", props(alias), map[string]any{"AliasName": logkey.DefaultAliasName, "TargetKeyId": map[string]any{"Fn::GetAtt": []any{replicaID, "Arn"}}})
}

// The StackSet updates the home region first, whose member stack holds the policies the other
// regions' preferences rely on.
func TestStackSetUpdatesTheHomeRegionFirst(t *testing.T) {
	cfg := mustConfigWith(t, func(c map[string]any) { c["regions"] = []any{"us-east-1", "ap-northeast-1"} })
	set := stackSet(t, synth(cfg).templates[stacks.MemberStackSetStackName], stacks.MemberStackSetName)
	equalJSON(t, "region order", props(set)["OperationPreferences"].(map[string]any)["RegionOrder"], []string{"ap-northeast-1", "us-east-1"})
}
