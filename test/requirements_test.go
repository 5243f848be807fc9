package test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// requirement is one documented AWS requirement that a synthesized template can satisfy or break.
// Its name says where AWS documents it (guide and section, or the client source that shows it).
type requirement struct {
	name  string
	check func(app *synthesized) []string // problems found; none means satisfied
	// breakIt changes a copy of the templates so that the requirement no longer holds
	// (TestAWSRequirementsCanFail); requirements without one are broken by the list there.
	breakIt func(c *synthesized)
}

// requirements are checked over every template of the app and every StackSet body in them
// (eachResource), whatever the stack, so that a new stack or resource that breaks one is caught
// too. More are added by the files that group them (firstdeploy_test.go).
var requirements = []requirement{
	{name: "CloudWatch Logs user guide, Cross-account subscriptions with AWS Organizations, Step 2 (Create an IAM role): a subscription filter to an organization-scoped destination names a role of the sending account", check: func(app *synthesized) (out []string) {
		eachResource(app, "AWS::Logs::SubscriptionFilter", func(stack, id string, r map[string]any) {
			if strings.Contains(jsonString(props(r)["DestinationArn"]), ":destination:") && props(r)["RoleArn"] == nil {
				out = append(out, stack+"/"+id+" has no RoleArn")
			}
		})
		return out
	}},
	{name: "CloudWatch Logs user guide, Step 3 (account-level subscription filter policy): a destination is in the log group's region and may point to a stream in another region; Firehose documents cross-Region delivery only for HTTP endpoints, so every stream is in the bucket's region", check: func(app *synthesized) (out []string) {
		home := *app.stacks.LogArchive.Stack.Region()
		for name, tmpl := range app.templates {
			if len(resources(tmpl, "AWS::KinesisFirehose::DeliveryStream")) > 0 && name != stacks.LogArchiveStackName {
				out = append(out, name+" has a Firehose stream outside the bucket's stack ("+home+")")
			}
		}
		for region, r := range app.stacks.Receivers {
			_, dest := onlyOf(app.templates[*r.Stack.StackName()], "AWS::Logs::Destination")
			if dest == nil || !strings.Contains(jsonString(props(dest)["TargetArn"]), ":firehose:"+home+":") {
				out = append(out, "destination of "+region+" does not target a stream in "+home)
			}
		}
		return out
	}},
	{name: "GUI Connect API reference, ConnectionRecordingPreferences.KMSKeyArn: the key must exist in the same Region as the node", check: func(app *synthesized) (out []string) {
		eachResource(app, sessionprefs.RecordingResourceType, func(stack, id string, r map[string]any) {
			key := jsonString(props(r)["ConnectionRecordingPreferences"].(map[string]any)["KMSKeyArn"])
			// A key of this stack's region: a resolved lookup of this region's alias or a key of the stack.
			if strings.Contains(key, ":kms:") && !strings.Contains(key, `{"Ref":"AWS::Region"}`) {
				out = append(out, stack+"/"+id+" names a key of a fixed region: "+key)
			}
		})
		return out
	}},
	{name: "Systems Manager user guide, just-in-time node access (Recording RDP connections; session preferences): keys used for session encryption and RDP recording carry SystemsManagerJustInTimeNodeAccessManaged=true", check: func(app *synthesized) (out []string) {
		for name, tmpl := range app.templates {
			for id, k := range resources(tmpl, "AWS::KMS::Key") {
				if (strings.Contains(id, "SessionKey") || strings.HasPrefix(id, "LogKey")) && !strings.Contains(jsonString(props(k)["Tags"]), `"SystemsManagerJustInTimeNodeAccessManaged","Value":"true"`) {
					out = append(out, name+"/"+id+" lacks the tag")
				}
			}
			for id, k := range resources(tmpl, "AWS::KMS::ReplicaKey") {
				if !strings.Contains(jsonString(props(k)["Tags"]), "SystemsManagerJustInTimeNodeAccessManaged") {
					out = append(out, name+"/"+id+" lacks the tag")
				}
			}
		}
		return out
	}},
	{name: "Systems Manager user guide, Recording RDP connections: users need kms:CreateGrant on the recording key (organization principals, through GUI Connect as AWS's managed policy AWSSystemsManagerJustInTimeAccessTokenSessionPolicy writes it)", check: func(app *synthesized) (out []string) {
		for _, doc := range keyPolicies(app) {
			s := statementWithSid(doc, logkey.SidOrganizationGrant)
			if !slices.Contains(asStrings(s["Action"]), "kms:CreateGrant") || !strings.HasPrefix(jsonString(jsonPath(s, "Condition", "StringEquals", "kms:ViaService")), "ssm-guiconnect.") {
				out = append(out, "a LogKey policy has no organization CreateGrant through GUI Connect")
			}
		}
		return out
	}},
	{name: "SNS developer guide, Enable compatibility between event sources from AWS services and encrypted topics: aws:SourceAccount/SourceArn/SourceOrgID are not supported in key policies for EventBridge to encrypted topics", check: func(app *synthesized) (out []string) {
		eachResource(app, "AWS::KMS::Key", func(stack, id string, r map[string]any) {
			for _, s := range statements(props(r)["KeyPolicy"]) {
				if strings.Contains(jsonString(s["Principal"]), "events.amazonaws.com") && strings.Contains(jsonString(s["Condition"]), "aws:Source") {
					out = append(out, stack+"/"+id+" "+fmt.Sprint(s["Sid"]))
				}
			}
		})
		return out
	}},
	{name: "S3 user guide, Multipart upload API and permissions: SSE-KMS multipart uploads need kms:Decrypt as well as kms:GenerateDataKey (the SSM agent uploads in 5 MiB parts)", check: func(app *synthesized) (out []string) {
		var actions []string
		for _, s := range statements(keyPolicies(app)[0]) {
			if s["Sid"] == "AllowOrganizationUseThroughS3ForCentralBucket" {
				actions = asStrings(s["Action"])
			}
		}
		if !slices.Contains(actions, "kms:Decrypt") {
			out = append(out, "the LogKey policy does not let organization principals decrypt through S3")
		}
		var mp map[string]any
		for id, r := range resources(app.templates[stacks.MemberStackName], "AWS::IAM::ManagedPolicy") {
			if strings.HasPrefix(id, "SessionPreferencesInstancePolicy") {
				mp = r
			}
		}
		if !strings.Contains(jsonString(props(mp)["PolicyDocument"]), `"Action":["kms:GenerateDataKey","kms:Decrypt"]`) &&
			!strings.Contains(jsonString(props(mp)["PolicyDocument"]), `"Action":["kms:Decrypt","kms:GenerateDataKey"]`) {
			out = append(out, "the instance policy does not allow kms:Decrypt through S3")
		}
		return out
	}},
	{name: "S3 user guide, Expiring objects: on a versioned bucket expiry only adds a delete marker; NoncurrentVersionExpiration removes the version (Object Lock still protects it until its retention ends)", check: func(app *synthesized) (out []string) {
		eachResource(app, "AWS::S3::Bucket", func(stack, id string, r map[string]any) {
			for _, rule := range asAnyList(jsonPath(props(r), "LifecycleConfiguration", "Rules")) {
				m, _ := rule.(map[string]any)
				if m["ExpirationInDays"] == nil {
					continue
				}
				nc, _ := jsonPath(m, "NoncurrentVersionExpiration", "NoncurrentDays").(float64)
				if nc == 0 || nc > 30 {
					out = append(out, fmt.Sprintf("%s/%s keeps noncurrent versions %v days after expiry", stack, id, nc))
				}
			}
		})
		return out
	}},
	{name: "S3 user guide, Transitioning objects using Amazon S3 Lifecycle: since September 2024 lifecycle moves no object under 128 KB unless the rule's filter says so; every transition names its minimum size (ObjectSizeGreaterThan)", check: func(app *synthesized) (out []string) {
		eachResource(app, "AWS::S3::Bucket", func(stack, id string, r map[string]any) {
			for _, rule := range asAnyList(jsonPath(props(r), "LifecycleConfiguration", "Rules")) {
				m, _ := rule.(map[string]any)
				if (m["Transitions"] != nil || m["NoncurrentVersionTransitions"] != nil) && m["ObjectSizeGreaterThan"] == nil {
					out = append(out, fmt.Sprintf("%s/%s rule %v transitions without a size threshold", stack, id, m["Id"]))
				}
			}
		})
		return out
	}},
	{name: "Service Authorization Reference, logs:DescribeLogGroups supports no resource type (only \"*\"); the SSM agent refuses to start a session when it cannot describe the log group (cloudwatchlogsservice.go)", check: func(app *synthesized) (out []string) {
		eachResource(app, "AWS::IAM::ManagedPolicy", func(stack, id string, r map[string]any) {
			for _, s := range statements(props(r)["PolicyDocument"]) {
				if slices.Contains(asStrings(s["Action"]), "logs:DescribeLogGroups") && jsonString(s["Resource"]) != "*" {
					out = append(out, stack+"/"+id+" scopes DescribeLogGroups to "+jsonString(s["Resource"]))
				}
			}
		})
		return out
	}},
	{name: "IAM and AWS STS quotas, managed policies per role (10 by default): the instance policy is attached once, not once per region", check: func(app *synthesized) (out []string) {
		eachResource(app, "AWS::IAM::ManagedPolicy", func(stack, id string, r map[string]any) {
			if stack == stacks.MemberStackName && r["Condition"] != "IsHomeRegion" {
				out = append(out, stack+"/"+id+" is created (and attached) in every region")
			}
		})
		return out
	}},
	{name: "CloudFormation API reference, CreateStackInstances: at most 50 organizational units per operation", check: func(app *synthesized) (out []string) {
		eachResource(app, "AWS::CloudFormation::StackSet", func(stack, id string, r map[string]any) {
			for _, g := range asAnyList(props(r)["StackInstancesGroup"]) {
				if n := len(asAnyList(jsonPath(g.(map[string]any), "DeploymentTargets", "OrganizationalUnitIds"))); n > config.MaxOrganizationalUnits {
					out = append(out, fmt.Sprintf("%s/%s targets %d OUs", stack, id, n))
				}
			}
		})
		return out
	}},
	{name: "Amazon Data Firehose quota: 500 active partitions per stream with dynamic partitioning; every partitioned stream has a PartitionCountExceeded alarm", check: func(app *synthesized) (out []string) {
		alarmed := map[string]bool{}
		eachResource(app, "AWS::CloudWatch::Alarm", func(_, _ string, r map[string]any) {
			if props(r)["MetricName"] == "PartitionCountExceeded" {
				alarmed[jsonString(props(r)["Dimensions"])] = true
			}
		})
		eachResource(app, "AWS::KinesisFirehose::DeliveryStream", func(stack, id string, r map[string]any) {
			name := props(r)["DeliveryStreamName"].(string)
			if jsonPath(r, "Properties", "ExtendedS3DestinationConfiguration", "DynamicPartitioningConfiguration", "Enabled") != true {
				return // the quota is of dynamic partitioning (the ledger's stream does not partition)
			}
			if !alarmed[`[{"Name":"DeliveryStreamName","Value":"`+name+`"}]`] {
				out = append(out, stack+"/"+id+" ("+name+") has no partition-quota alarm")
			}
		})
		return out
	}},
	{name: "session-manager-plugin src/encryption (GenerateDataKey) and amazon-ssm-agent agent/session/crypto (Decrypt) use the session key with the encryption context aws:ssm:SessionId + aws:ssm:TargetId: organization principals may use a session key only with both", check: func(app *synthesized) (out []string) {
		check := func(where string, doc any) {
			for _, s := range statements(doc) {
				if s["Effect"] != "Allow" || !strings.Contains(jsonString(s["Principal"]), `"*"`) {
					continue
				}
				acts := asStrings(s["Action"])
				if !slices.Contains(acts, "kms:GenerateDataKey") && !slices.Contains(acts, "kms:Decrypt") {
					continue
				}
				null, _ := jsonPath(s, "Condition", "Null").(map[string]any)
				if null["kms:EncryptionContext:aws:ssm:SessionId"] != "false" || null["kms:EncryptionContext:aws:ssm:TargetId"] != "false" {
					out = append(out, where+" "+fmt.Sprint(s["Sid"])+" allows use without the session context")
				}
			}
		}
		n := 0
		eachResource(app, "AWS::KMS::Key", func(stack, id string, r map[string]any) {
			if strings.HasPrefix(id, "SessionKey") {
				n++
				check(stack+"/"+id, props(r)["KeyPolicy"])
			}
		})
		eachResource(app, "AWS::KMS::ReplicaKey", func(stack, id string, r map[string]any) {
			if strings.HasPrefix(id, "SessionKeyReplica") {
				n++
				check(stack+"/"+id, props(r)["KeyPolicy"])
			}
		})
		if n == 0 {
			out = append(out, "no session key found")
		}
		return out
	}},
	{name: "KMS developer guide, key identifiers: a KMS key in another account must be named by key ARN or alias ARN (the agent and the plugin pass kmsKeyId to KMS as it is)", check: func(app *synthesized) (out []string) {
		_, doc := onlyOf(app.templates[stacks.MemberStackName], sessionprefs.ResourceType)
		joins := contentJoins(doc)
		if len(joins) == 0 {
			return []string{"the preferences document content is not a join of references"}
		}
	variant:
		for _, items := range joins {
			for i, item := range items {
				if s, ok := item.(string); ok && strings.HasSuffix(s, `"kmsKeyId":"`) && i+1 < len(items) {
					if ga, _ := jsonPath(items[i+1], "Fn::GetAtt").([]any); len(ga) != 2 || ga[1] != "Arn" {
						out = append(out, "kmsKeyId is "+jsonString(items[i+1])+", not a key ARN")
					}
					continue variant
				}
			}
			out = append(out, "kmsKeyId does not name the log-archive session key")
		}
		return out
	}},
	{name: "Amazon VPC, gateway endpoints for Amazon S3 (\"you can't use a gateway endpoint to access buckets in other Regions\") and amazon-ssm-agent s3util (a session with s3EncryptionEnabled fails when GetBucketEncryption fails): no preferences document points a node at a bucket outside its own region", check: func(app *synthesized) (out []string) {
		bucketRegion := map[string]string{}
		for _, s := range append([]awscdk.Stack{app.stacks.LogArchive.Stack}, receiverStacks(app)...) {
			for _, b := range resources(app.templates[*s.StackName()], "AWS::S3::Bucket") {
				if name, ok := props(b)["BucketName"].(string); ok {
					bucketRegion[name] = *s.Region()
				}
			}
		}
		_, doc := onlyOf(app.templates[stacks.MemberStackName], sessionprefs.ResourceType)
		for _, region := range app.cfg.Regions {
			text := joined(inRegion(app.templates[stacks.MemberStackName], props(doc)["Content"], region))
			for _, m := range regexp.MustCompile(`"s3BucketName":"([^"]*)"`).FindAllStringSubmatch(text, -1) {
				if m[1] == "" {
					continue
				}
				if at, known := bucketRegion[m[1]]; !known || at != region {
					out = append(out, fmt.Sprintf("a node in %s is sent to bucket %s (in %q)", region, m[1], at))
				}
			}
		}
		return out
	}},
	{name: "CloudTrail user guide, AWS Management Console sign-in events: sign-ins through the global endpoint are recorded in us-east-1, us-east-2, eu-north-1 or ap-southeast-2; every one of them the configuration governs or lists in notifications.signInRegions has a sign-in rule", check: func(app *synthesized) (out []string) {
		covered := map[string]bool{}
		eachResource(app, "AWS::CloudFormation::StackSet", func(_, _ string, r map[string]any) {
			for _, g := range asAnyList(props(r)["StackInstancesGroup"]) {
				for _, region := range asAnyList(g.(map[string]any)["Regions"]) {
					covered[region.(string)] = true
				}
			}
		})
		for _, region := range config.GlobalSignInRegions {
			if (slices.Contains(app.cfg.Regions, region) || slices.Contains(app.cfg.Notifications.SignInRegions, region)) && !covered[region] {
				out = append(out, region+" has no sign-in rule")
			}
		}
		return out
	}},
}

func TestAWSRequirements(t *testing.T) {
	for _, r := range requirements {
		t.Run(r.name, func(t *testing.T) {
			for _, problem := range r.check(defaultApp) {
				t.Errorf("%s\n  violated: %s", r.name, problem)
			}
		})
	}
}

// eachResource calls f for every resource of type typ in every template of the app and every
// StackSet body (allTemplates).
func eachResource(app *synthesized, typ string, f func(stack, id string, r map[string]any)) {
	for name, tmpl := range app.allTemplates() {
		for id, r := range resources(tmpl, typ) {
			f(name, id, r)
		}
	}
}

// allTemplates are the app's templates and, named "<stack>:<StackSet name>", the template bodies
// of the StackSets in them (what CloudFormation deploys to member accounts).
func (s *synthesized) allTemplates() map[string]map[string]any {
	all := map[string]map[string]any{}
	for name, tmpl := range s.templates {
		all[name] = tmpl
		for _, set := range resources(tmpl, "AWS::CloudFormation::StackSet") {
			body, _ := props(set)["TemplateBody"].(string)
			var parsed map[string]any
			if json.Unmarshal([]byte(body), &parsed) == nil && parsed["Resources"] != nil {
				all[name+":"+jsonString(props(set)["StackSetName"])] = parsed
			}
		}
	}
	return all
}

// onlyOf returns the single resource of a type, or nil.
func onlyOf(tmpl map[string]any, typ string) (string, map[string]any) {
	rs := resources(tmpl, typ)
	if len(rs) != 1 {
		return "", nil
	}
	for id, r := range rs {
		return id, r
	}
	return "", nil
}

// keyPolicies are the policies of the LogKey primary and its replicas.
func keyPolicies(app *synthesized) []any {
	var out []any
	eachResource(app, "AWS::KMS::Key", func(_, id string, r map[string]any) {
		if strings.HasPrefix(id, "LogKey") {
			out = append([]any{props(r)["KeyPolicy"]}, out...)
		}
	})
	eachResource(app, "AWS::KMS::ReplicaKey", func(_, id string, r map[string]any) {
		if strings.HasPrefix(id, "LogKeyReplica") {
			out = append(out, props(r)["KeyPolicy"])
		}
	})
	return out
}

// jsonPath follows keys through nested objects; nil when one is missing.
func jsonPath(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
