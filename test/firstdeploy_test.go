package test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/constructs/logprotect"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// The requirements of a first deploy and every retry (issue 21): each names where AWS documents
// it, runs over every template and StackSet body (eachResource), and has its way to break it.
func init() {
	requirements = append(requirements,
		requirement{name: "Each service's documentation: a statement for an AWS service principal requires only condition keys its service documents sending (others only …IfExists)", check: undocumentedConditionKeys,
			breakIt: func(c *synthesized) {
				setLogKeyCondition(c, logkey.SidCloudWatchLogs, "StringEquals", "aws:SourceOrgID", "o-exampleorg1")
			}},
		requirement{name: "CloudWatch Logs user guide, Encrypt log data in CloudWatch Logs using AWS KMS (\"CloudWatch Logs now supports kms:ViaService which allows logs to make AWS KMS calls on your behalf\") and AWS's managed policy CloudWatchLogsAPIKeyAccess: the agent's PutLogEvents may use the log key through CloudWatch Logs for its own account's log group, in the key policies and the instance policy, and no decrypt deny closes that path", check: logsOnBehalf,
			breakIt: func(c *synthesized) {
				setLogKeyCondition(c, logkey.SidDenyOutsideDecryption, "StringNotEquals", "kms:ViaService", "s3."+home+".amazonaws.com")
			}},
		requirement{name: "CloudFormation user guide, DeletionPolicy attribute: RetainExceptOnCreate \"behaves like Retain for stack operations, except for the stack operation that initially created the resource\"; a resource kept after a failed create blocks every retry of a fixed name (KMS ReplicateKey: AlreadyExistsException), so nothing is plain Retain (and UpdateReplacePolicy does not take RetainExceptOnCreate)", check: retainExceptOnCreate,
			breakIt: func(c *synthesized) {
				first(c.templates[stacks.MemberStackName], "AWS::Logs::LogGroup", "SessionPreferencesLogGroup")["DeletionPolicy"] = "Retain"
			}},
		requirement{name: "CloudFormation resource reference, AWS::SSMGuiConnect::Preferences (primary identifier AccountId): RDP recording preferences are an account singleton an administrator may have set already, so a custom resource adopts them (Custom::RdpRecordingPreferences)", check: recordingSingleton,
			breakIt: func(c *synthesized) {
				r := first(c.templates[stacks.MemberStackName], "Custom::RdpRecordingPreferences", "")
				r["Type"] = "AWS::SSMGuiConnect::Preferences"
			}},
		requirement{name: "Systems Manager user guide, Recording RDP connections (the key is used \"to temporarily encrypt the recording data while it's generated and stored on Systems Manager resources\"; AWS's managed policy AWSSystemsManagerJustInTimeAccessTokenSessionPolicy: kms:ViaService ssm-guiconnect): no decrypt deny of the recording key applies to AWS services or to calls through GUI Connect", check: recordingKeyOpen,
			breakIt: func(c *synthesized) {
				setLogKeyCondition(c, logkey.SidDenyOtherContexts, "StringNotEquals", "kms:ViaService", "logs."+home+".amazonaws.com")
			}},
		requirement{name: "CloudFormation user guide, Parameters (a parameter without a default value must be given one): every template and StackSet body of the example configuration has a parameter no deploy can satisfy", check: exampleGuard,
			breakIt: func(c *synthesized) {
				c.templates[stacks.MemberStackName]["Parameters"].(map[string]any)[stacks.ExampleParameterName].(map[string]any)["Default"] = "x"
			}},
		requirement{name: "CloudWatch Logs user guide, Protecting log groups from deletion: the session log groups and the log-archive's delivery error log group are protected once they exist (Custom::LogGroupDeletionProtection, RetainExceptOnCreate, so that a rolled-back create can still delete them)", check: logGroupsProtected,
			breakIt: func(c *synthesized) {
				for id := range resources(c.templates[stacks.MemberStackName], logprotect.ResourceType) {
					delete(c.templates[stacks.MemberStackName]["Resources"].(map[string]any), id)
				}
			}},
		requirement{name: "aws-cdk-cli toolkit-lib makeBodyParameter: the member and management stacks name no bootstrap (no BootstrapVersion check) and their deployable templates stay below what the CLI sends inline (50 KiB; make security measures the YAML)", check: bootstrapFree,
			breakIt: func(c *synthesized) {
				c.templates[stacks.GuardrailsStackName]["Rules"] = map[string]any{"CheckBootstrapVersion": map[string]any{}}
			}},
		requirement{name: "AWS Organizations user guide, quotas: a service control policy has at most 5,120 characters", check: scpSizes,
			breakIt: func(c *synthesized) {
				p := props(first(c.templates[stacks.GuardrailsStackName], "AWS::Organizations::Policy", ""))
				p["Content"] = map[string]any{"Padding": strings.Repeat("x", guardrails.MaxPolicyCharacters)}
			}},
	)
}

// documentedConditionKeys are the condition keys each service principal is documented to send
// when it calls on its own behalf, with where AWS says so.
var documentedConditionKeys = []struct {
	service *regexp.Regexp
	keys    []string
	doc     string
}{
	{regexp.MustCompile(`^logs\.[a-z0-9-]+\.amazonaws\.com$`), []string{"kms:EncryptionContext:aws:logs:arn"}, "CloudWatch Logs user guide, Encrypt log data in CloudWatch Logs using AWS KMS"},
	{regexp.MustCompile(`^logs\.amazonaws\.com$`), []string{"aws:SourceArn", "aws:SourceAccount"}, "CloudWatch Logs user guide, Step 2: Create a destination; Confused deputy prevention"},
	{regexp.MustCompile(`^ssm-guiconnect\.amazonaws\.com$`), []string{"aws:SourceAccount", "aws:SourceOrgID", "kms:ViaService"}, "Systems Manager user guide, Recording RDP connections"},
	{regexp.MustCompile(`^events\.amazonaws\.com$`), []string{"aws:SourceArn", "aws:SourceAccount", "kms:EncryptionContext:aws:sns:topicArn"}, "EventBridge user guide, Amazon SNS and Amazon SQS permissions; Cross-service confused deputy prevention; SNS's encryption context as AWS guides use it (GameLift FlexMatch guide, SNS topic with server-side encryption)"},
	{regexp.MustCompile(`^cloudwatch\.amazonaws\.com$`), []string{"aws:SourceArn", "aws:SourceAccount", "kms:EncryptionContext:aws:sns:topicArn"}, "SNS developer guide, Enable compatibility between event sources from AWS services and encrypted topics; CloudWatch user guide, confused deputy prevention"},
	{regexp.MustCompile(`^firehose\.amazonaws\.com$`), []string{"sts:ExternalId"}, "Amazon Data Firehose developer guide, Grant Firehose access to an Amazon S3 destination"},
	{regexp.MustCompile(`^lambda\.amazonaws\.com$`), nil, "Lambda developer guide, Lambda execution role (no condition)"},
	{regexp.MustCompile(`^logging\.s3\.amazonaws\.com$`), []string{"aws:SourceArn", "aws:SourceAccount"}, "S3 user guide, Enabling Amazon S3 server access logging (bucket policy)"},
}

// policyDocuments are the policies of a resource that may name service principals.
func policyDocuments(r map[string]any) []any {
	p, _ := r["Properties"].(map[string]any)
	var out []any
	for _, k := range []string{"KeyPolicy", "AssumeRolePolicyDocument", "PolicyDocument"} {
		if d, ok := p[k].(map[string]any); ok {
			out = append(out, d)
		}
	}
	return out
}

func undocumentedConditionKeys(app *synthesized) (out []string) {
	for name, tmpl := range app.allTemplates() {
		for id, r := range tmpl["Resources"].(map[string]any) {
			for _, doc := range policyDocuments(r.(map[string]any)) {
				for _, s := range statements(doc) {
					if s["Effect"] != "Allow" {
						continue
					}
					for _, service := range asStrings(jsonPath(s, "Principal", "Service")) {
						var keys []string
						found := false
						for _, d := range documentedConditionKeys {
							if d.service.MatchString(service) {
								keys, found = d.keys, true
							}
						}
						if !found {
							out = append(out, fmt.Sprintf("%s/%s: no documented condition keys are recorded for %s (add them to documentedConditionKeys with the document)", name, id, service))
							continue
						}
						for op, cond := range asMap(s["Condition"]) {
							if strings.HasSuffix(op, "IfExists") {
								continue
							}
							for key, value := range asMap(cond) {
								if op == "Null" && value == "true" {
									continue // requires the key's absence
								}
								if !slices.Contains(keys, key) {
									out = append(out, fmt.Sprintf("%s/%s: %s requires %s %s, which its service does not document sending", name, id, service, op, key))
								}
							}
						}
					}
				}
			}
		}
	}
	return out
}

func logsOnBehalf(app *synthesized) (out []string) {
	for i, doc := range keyPolicies(app) {
		own := statementWithSid(doc, logkey.SidWritersThroughLogs)
		context := jsonString(jsonPath(own, "Condition", "StringLike", "kms:EncryptionContext:aws:logs:arn"))
		if own == nil || !strings.HasPrefix(jsonString(jsonPath(own, "Condition", "StringEquals", "kms:ViaService")), "logs.") ||
			!strings.Contains(context, ":${aws:PrincipalAccount}:log-group:"+sessionprefs.LogGroupNamePrefix+"${aws:PrincipalAccount}") {
			out = append(out, fmt.Sprintf("LogKey policy %d does not let each account use the key through CloudWatch Logs for its own log group", i))
		}
		for _, s := range statements(doc) {
			if s["Effect"] == "Deny" && slices.Contains(asStrings(s["Action"]), "kms:Decrypt") &&
				!slices.ContainsFunc(asStrings(jsonPath(s, "Condition", "StringNotEquals", "kms:ViaService")), func(v string) bool { return strings.HasPrefix(v, "logs.") }) {
				out = append(out, fmt.Sprintf("LogKey policy %d: %v denies decrypting through CloudWatch Logs", i, s["Sid"]))
			}
		}
	}
	eachResource(app, "AWS::IAM::ManagedPolicy", func(stack, id string, r map[string]any) {
		if !instancePolicyID(id) {
			return
		}
		s := statementWithSid(props(r)["PolicyDocument"], sessionprefs.SidLogKeyThroughLogs)
		if s == nil || jsonString(jsonPath(s, "Condition", "StringLike", "kms:ViaService")) != "logs.*.amazonaws.com" ||
			!slices.Equal(asStrings(s["Action"]), []string{"kms:Decrypt", "kms:GenerateDataKey"}) ||
			!strings.Contains(jsonString(jsonPath(s, "Condition", "ArnLike", "kms:EncryptionContext:aws:logs:arn")), sessionprefs.LogGroupNamePrefix) {
			out = append(out, stack+"/"+id+" does not let the agent use the log key through CloudWatch Logs for its session log group")
		}
	})
	return out
}

func retainExceptOnCreate(app *synthesized) (out []string) {
	for name, tmpl := range app.allTemplates() {
		for id, r := range tmpl["Resources"].(map[string]any) {
			res := r.(map[string]any)
			if res["DeletionPolicy"] == "Retain" {
				out = append(out, name+"/"+id+" is kept after a failed create (DeletionPolicy Retain)")
			}
			if res["UpdateReplacePolicy"] == "RetainExceptOnCreate" {
				out = append(out, name+"/"+id+" has UpdateReplacePolicy RetainExceptOnCreate, which CloudFormation documents only for DeletionPolicy")
			}
		}
	}
	return out
}

func recordingSingleton(app *synthesized) (out []string) {
	eachResource(app, "AWS::SSMGuiConnect::Preferences", func(stack, id string, _ map[string]any) {
		out = append(out, stack+"/"+id+" creates the account's RDP recording preferences, which may exist already")
	})
	n := 0
	eachResource(app, "Custom::RdpRecordingPreferences", func(string, string, map[string]any) { n++ })
	if app.cfg.RDPRecording.Enabled && n == 0 {
		out = append(out, "RDP recording is configured but no template adopts the recording preferences")
	}
	return out
}

func recordingKeyOpen(app *synthesized) (out []string) {
	for i, doc := range keyPolicies(app) {
		for _, s := range statements(doc) {
			if s["Effect"] != "Deny" || !slices.ContainsFunc(asStrings(s["Action"]), func(a string) bool { return a == "kms:Decrypt" || a == "kms:GenerateDataKey" || a == "kms:CreateGrant" }) {
				continue
			}
			if jsonString(jsonPath(s, "Condition", "BoolIfExists", "aws:PrincipalIsAWSService")) != "false" {
				out = append(out, fmt.Sprintf("LogKey policy %d: %v also denies AWS services", i, s["Sid"]))
			}
			if !slices.ContainsFunc(asStrings(jsonPath(s, "Condition", "StringNotEquals", "kms:ViaService")), func(v string) bool { return strings.HasPrefix(v, "ssm-guiconnect.") }) {
				out = append(out, fmt.Sprintf("LogKey policy %d: %v denies the recording key's use through GUI Connect", i, s["Sid"]))
			}
		}
	}
	return out
}

func exampleGuard(app *synthesized) (out []string) {
	if !config.IsExample(app.cfg) {
		return nil
	}
	for name, tmpl := range app.allTemplates() {
		p := asMap(jsonPath(tmpl, "Parameters", stacks.ExampleParameterName))
		if p == nil || p["Default"] != nil {
			out = append(out, name+" can be deployed: no parameter without a default stops it")
		}
	}
	return out
}

func logGroupsProtected(app *synthesized) (out []string) {
	checked := 0
	for name, tmpl := range app.allTemplates() {
		protected := map[string]map[string]any{}
		for _, r := range resources(tmpl, logprotect.ResourceType) {
			if ref, ok := jsonPath(props(r), "LogGroupName", "Ref").(string); ok {
				protected[ref] = r
			}
		}
		// The log group Firehose writes its delivery errors to (the streams' CloudWatchLoggingOptions).
		deliveryErrors := map[string]bool{}
		for _, stream := range resources(tmpl, "AWS::KinesisFirehose::DeliveryStream") {
			if ref, ok := jsonPath(props(stream), "ExtendedS3DestinationConfiguration", "CloudWatchLoggingOptions", "LogGroupName", "Ref").(string); ok {
				deliveryErrors[ref] = true
			}
		}
		for id, lg := range resources(tmpl, "AWS::Logs::LogGroup") {
			holdsRecord := deliveryErrors[id] || strings.Contains(jsonString(props(lg)["LogGroupName"]), sessionprefs.LogGroupNamePrefix)
			if !holdsRecord {
				continue
			}
			checked++
			p := protected[id]
			if p == nil || p["DeletionPolicy"] != "RetainExceptOnCreate" || lg["DeletionPolicy"] != "RetainExceptOnCreate" {
				out = append(out, fmt.Sprintf("%s/%s is not protected from deletion once it exists (protection %v)", name, id, p != nil))
			}
		}
	}
	// The member template, its StackSet body and the log archive's error log group at least.
	if checked < 3 {
		out = append(out, fmt.Sprintf("found %d log groups that hold the record, want the session log groups and the delivery error log group", checked))
	}
	return out
}

func bootstrapFree(app *synthesized) (out []string) {
	for _, name := range []string{stacks.MemberStackName, stacks.SignInStackName, stacks.ForwardersStackName, stacks.GuardrailsStackName, stacks.MemberStackSetStackName} {
		tmpl, ok := app.templates[name]
		if !ok {
			continue
		}
		if jsonPath(tmpl, "Rules", "CheckBootstrapVersion") != nil || jsonPath(tmpl, "Parameters", "BootstrapVersion") != nil {
			out = append(out, name+" checks a CDK bootstrap version")
		}
		deployable, err := stacks.Deployable(tmpl)
		if err != nil || sizeOf(deployable) > stacks.MaxInlineTemplateBytes {
			out = append(out, fmt.Sprintf("%s is %d bytes as compact JSON, over what the CLI sends inline (%v)", name, sizeOf(deployable), err))
		}
	}
	return out
}

func scpSizes(app *synthesized) (out []string) {
	eachResource(app, "AWS::Organizations::Policy", func(stack, id string, r map[string]any) {
		if n := len(jsonString(props(r)["Content"])); n > guardrails.MaxPolicyCharacters {
			out = append(out, fmt.Sprintf("%s/%s has %d characters", stack, id, n))
		}
	})
	return out
}

// setLogKeyCondition sets one condition key of a statement of the LogKey's policy (a break of the
// requirements suite); the operator's block is created when the statement has none.
func setLogKeyCondition(c *synthesized, sid, operator, key string, value any) {
	k := props(first(c.templates[stacks.LogArchiveStackName], "AWS::KMS::Key", "LogKey"))
	cond := asMap(statementWithSid(k["KeyPolicy"], sid)["Condition"])
	if asMap(cond[operator]) == nil {
		cond[operator] = map[string]any{}
	}
	cond[operator].(map[string]any)[key] = value
}

// first returns the first resource of a type whose logical ID starts with prefix, or nil.
func first(tmpl map[string]any, typ, prefix string) map[string]any {
	return firstMatch(tmpl, typ, func(id string) bool { return strings.HasPrefix(id, prefix) })
}

// firstMatch returns the first resource of a type whose logical ID match accepts (any, with a nil
// match), or nil.
func firstMatch(tmpl map[string]any, typ string, match func(id string) bool) map[string]any {
	for id, r := range resources(tmpl, typ) {
		if match == nil || match(id) {
			return r
		}
	}
	return nil
}

// statementWithSid returns the statement of doc with the Sid, or nil.
func statementWithSid(doc any, sid string) map[string]any {
	for _, s := range statements(doc) {
		if s["Sid"] == sid {
			return s
		}
	}
	return nil
}
