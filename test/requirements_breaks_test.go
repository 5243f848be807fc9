package test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// TestAWSRequirementsCanFail breaks each requirement on a copy of the templates and checks that
// the suite says so: no requirement passes whatever the template holds.
func TestAWSRequirementsCanFail(t *testing.T) {
	first := func(tmpl map[string]any, typ string, match func(id string) bool) map[string]any {
		r := firstMatch(tmpl, typ, match)
		if r == nil {
			t.Fatalf("no %s to break", typ)
		}
		return r
	}
	member := func(c *synthesized) map[string]any { return c.templates[stacks.MemberStackName] }
	la := func(c *synthesized) map[string]any { return c.templates[stacks.LogArchiveStackName] }
	breaks := []func(c *synthesized){
		func(c *synthesized) { delete(props(first(member(c), "AWS::Logs::SubscriptionFilter", nil)), "RoleArn") },
		func(c *synthesized) {
			r := c.templates[stacks.ReceiverStackName("us-east-1")]
			r["Resources"].(map[string]any)["Moved"] = first(la(c), "AWS::KinesisFirehose::DeliveryStream", nil)
		},
		func(c *synthesized) {
			props(first(member(c), sessionprefs.RecordingResourceType, nil))["ConnectionRecordingPreferences"].(map[string]any)["KMSKeyArn"] = "arn:aws:kms:" + home + ":" + archive + ":key/mrk-1"
		},
		func(c *synthesized) {
			delete(props(first(la(c), "AWS::KMS::Key", func(id string) bool { return strings.HasPrefix(id, "SessionKey") })), "Tags")
		},
		func(c *synthesized) {
			k := props(first(la(c), "AWS::KMS::Key", func(id string) bool { return strings.HasPrefix(id, "LogKey") }))
			k["KeyPolicy"] = map[string]any{"Statement": []any{statements(k["KeyPolicy"])[0]}}
		},
		func(c *synthesized) {
			k := props(first(la(c), "AWS::KMS::Key", func(id string) bool { return strings.Contains(id, "TopicKey") }))
			for _, s := range statements(k["KeyPolicy"]) {
				if strings.Contains(jsonString(s["Principal"]), "events.") {
					s["Condition"] = map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": archive}}
				}
			}
		},
		func(c *synthesized) {
			k := props(first(la(c), "AWS::KMS::Key", func(id string) bool { return strings.HasPrefix(id, "LogKey") }))
			for _, s := range statements(k["KeyPolicy"]) {
				if s["Sid"] == "AllowOrganizationUseThroughS3ForCentralBucket" {
					s["Action"] = "kms:GenerateDataKey"
				}
			}
		},
		func(c *synthesized) {
			b := props(first(la(c), "AWS::S3::Bucket", func(id string) bool {
				return strings.HasPrefix(id, "CentralLogBucket") && !strings.Contains(id, "AccessLogs")
			}))
			b["LifecycleConfiguration"].(map[string]any)["Rules"].([]any)[0].(map[string]any)["NoncurrentVersionExpiration"] = map[string]any{"NoncurrentDays": 2557.0}
		},
		func(c *synthesized) {
			b := props(first(la(c), "AWS::S3::Bucket", func(id string) bool {
				return strings.HasPrefix(id, "CentralLogBucket") && !strings.Contains(id, "AccessLogs")
			}))
			delete(b["LifecycleConfiguration"].(map[string]any)["Rules"].([]any)[1].(map[string]any), "ObjectSizeGreaterThan")
		},
		func(c *synthesized) {
			for _, s := range statements(props(first(member(c), "AWS::IAM::ManagedPolicy", instancePolicyID))["PolicyDocument"]) {
				if s["Sid"] == "CheckLogGroupEncryption" {
					s["Resource"] = "arn:aws:logs:" + home + ":333333333333:log-group:*"
				}
			}
		},
		func(c *synthesized) {
			delete(first(member(c), "AWS::IAM::ManagedPolicy", instancePolicyID), "Condition")
		},
		func(c *synthesized) {
			set := first(c.templates[stacks.MemberStackSetStackName], "AWS::CloudFormation::StackSet", nil)
			ous := make([]any, config.MaxOrganizationalUnits+1)
			for i := range ous {
				ous[i] = fmt.Sprintf("ou-exam-%08d", i)
			}
			props(set)["StackInstancesGroup"].([]any)[0].(map[string]any)["DeploymentTargets"] = map[string]any{"OrganizationalUnitIds": ous}
		},
		func(c *synthesized) {
			for id, a := range resources(la(c), "AWS::CloudWatch::Alarm") {
				if props(a)["MetricName"] == "PartitionCountExceeded" {
					delete(la(c)["Resources"].(map[string]any), id)
				}
			}
		},
		func(c *synthesized) {
			r := first(c.templates[stacks.ReceiverStackName("us-east-1")], "AWS::KMS::ReplicaKey", func(id string) bool { return strings.HasPrefix(id, "SessionKeyReplica") })
			for _, s := range statements(props(r)["KeyPolicy"]) {
				if cond, ok := s["Condition"].(map[string]any); ok {
					delete(cond, "Null")
				}
			}
		},
		func(c *synthesized) {
			for _, items := range contentJoins(first(member(c), sessionprefs.ResourceType, nil)) {
				for _, item := range items {
					if ga, _ := jsonPath(item, "Fn::GetAtt").([]any); len(ga) == 2 && strings.HasPrefix(ga[0].(string), "SessionKey") {
						ga[1] = "KeyId"
					}
				}
			}
		},
		func(c *synthesized) {
			// The bucket of the home region everywhere (as before issue 23).
			doc := props(first(member(c), sessionprefs.ResourceType, nil))
			parts := jsonPath(doc, "Content", "Fn::Join").([]any)[1].([]any)
			for i, part := range parts {
				if f, ok := jsonPath(part, "Fn::If").([]any); ok {
					parts[i] = f[1]
				}
			}
		},
		func(c *synthesized) {
			for id, set := range resources(c.templates[stacks.MemberStackSetStackName], "AWS::CloudFormation::StackSet") {
				if props(set)["StackSetName"] == stacks.SignInStackSetName {
					delete(c.templates[stacks.MemberStackSetStackName]["Resources"].(map[string]any), id)
				}
			}
		},
	}
	listed := 0
	for _, r := range requirements {
		if r.breakIt == nil {
			listed++
		}
	}
	if len(breaks) != listed {
		t.Fatalf("%d requirements without a breakIt, %d ways to break them: each requirement needs one", listed, len(breaks))
	}
	next := 0
	for _, r := range requirements {
		breakIt := r.breakIt
		if breakIt == nil {
			breakIt, next = breaks[next], next+1
		}
		broken := &synthesized{cfg: defaultApp.cfg, stacks: defaultApp.stacks, templates: map[string]map[string]any{}}
		for name, tmpl := range defaultApp.templates {
			var copy map[string]any
			_ = jsonRoundTrip(tmpl, &copy)
			broken.templates[name] = copy
		}
		breakIt(broken)
		if len(r.check(broken)) == 0 {
			t.Errorf("requirement %q still holds on a template that breaks it", r.name)
		}
	}
}

func jsonRoundTrip(in any, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

func instancePolicyID(id string) bool {
	return strings.HasPrefix(id, "SessionPreferencesInstancePolicy")
}
