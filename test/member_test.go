package test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/inlinefn"
	"github.com/sessionaudit/sessionaudit/constructs/keylookup"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/constructs/logprotect"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
	"github.com/sessionaudit/sessionaudit/stacks"
)

func memberTemplate() map[string]any { return defaultApp.templates[stacks.MemberStackName] }

// logicalID returns the logical ID of the resource of type typ whose ID starts with prefix.
func logicalID(t *testing.T, tmpl map[string]any, typ, prefix string) string {
	t.Helper()
	for id := range resources(tmpl, typ) {
		if strings.HasPrefix(id, prefix) {
			return id
		}
	}
	t.Fatalf("no %s with logical ID %s…", typ, prefix)
	return ""
}

func TestMemberIsEnvironmentAgnosticAndAssetFree(t *testing.T) {
	s := defaultApp.stacks.Member
	if !strings.HasPrefix(*s.Stack.Account(), "${Token") || !strings.HasPrefix(*s.Stack.Region(), "${Token") {
		t.Errorf("member stack must be environment-agnostic, got %s/%s", *s.Stack.Account(), *s.Stack.Region())
	}
	tmpl := memberTemplate()
	// "us-east-1" is a governed region other than home: it would appear only if the template
	// hard-coded the region it runs in (the home region is legitimately in the bucket name).
	body, _ := json.Marshal(tmpl)
	for _, banned := range []string{"BootstrapVersion", "cdk-hnb659fds", "AssetParameters", "S3Bucket\":", "CDKMetadata", "us-east-1"} {
		if strings.Contains(string(body), banned) {
			t.Errorf("member template contains %q (it must stand alone in a StackSet)", banned)
		}
	}
	// The one parameter is the example's guard (stacks.ExampleParameterName), which no deploy can
	// satisfy; a template of any other configuration has none.
	for name := range asMap(tmpl["Parameters"]) {
		if name != stacks.ExampleParameterName {
			t.Errorf("member template has parameter %s", name)
		}
	}
	deployable, err := stacks.Deployable(tmpl)
	if err != nil {
		t.Fatal(err)
	}
	if n := sizeOf(deployable); n > stacks.MaxTemplateBodyBytes {
		t.Errorf("member template is %d bytes, over the StackSet TemplateBody limit of %d", n, stacks.MaxTemplateBodyBytes)
	}
	for id, fn := range resources(tmpl, "AWS::Lambda::Function") {
		code, _ := props(fn)["Code"].(map[string]any)
		zip, ok := code["ZipFile"].(string)
		if !ok {
			t.Errorf("%s has no inline code: %v", id, code)
			continue
		}
		if len(zip) > inlinefn.MaxSourceBytes {
			t.Errorf("%s inline code is %d bytes, over %d", id, len(zip), inlinefn.MaxSourceBytes)
		}
		if props(fn)["Runtime"] != "nodejs24.x" {
			t.Errorf("%s runtime %v", id, props(fn)["Runtime"])
		}
	}
}

func TestMemberKeyLookup(t *testing.T) {
	tmpl := defaultApp.template(defaultApp.stacks.Member.Stack)
	check(t, "lookup resolves the alias of this region in the log-archive account", func() {
		tmpl.HasResourceProperties(jsii.String(keylookup.ResourceType), map[string]any{
			"AliasArn": map[string]any{"Fn::Join": []any{"", []any{
				"arn:", map[string]any{"Ref": "AWS::Partition"}, ":kms:", map[string]any{"Ref": "AWS::Region"}, ":" + archive + ":" + logkey.DefaultAliasName,
			}}},
		})
	})
	check(t, "lookup role may only describe keys of the log-archive account in this region", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": []any{
				map[string]any{"Effect": "Allow", "Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"},
					"Resource": map[string]any{"Fn::GetAtt": []any{logicalID(t, memberTemplate(), "AWS::Logs::LogGroup", "LogKeyHandlerLogs"), "Arn"}}},
				map[string]any{"Effect": "Allow", "Action": "kms:DescribeKey",
					"Resource": map[string]any{"Fn::Join": []any{"", []any{
						"arn:", map[string]any{"Ref": "AWS::Partition"}, ":kms:", map[string]any{"Ref": "AWS::Region"}, ":" + archive + ":key/*",
					}}}},
			}},
		})
	})
}

func TestMemberLogGroup(t *testing.T) {
	tmpl := defaultApp.template(defaultApp.stacks.Member.Stack)
	lookup := logicalID(t, memberTemplate(), keylookup.ResourceType, "LogKey")
	check(t, "session log group", func() {
		tmpl.HasResource(jsii.String("AWS::Logs::LogGroup"), map[string]any{
			// Deleted only by the rollback of the deployment that creates it, so that it can be retried.
			"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain",
			"Properties": map[string]any{
				"LogGroupName":    map[string]any{"Fn::Join": []any{"", []any{"session-manager-log-", map[string]any{"Ref": "AWS::AccountId"}}}},
				"KmsKeyId":        map[string]any{"Fn::GetAtt": []any{lookup, "Arn"}},
				"RetentionInDays": 365,
			},
		})
	})
	// Every log group (the handlers' too) is retained, except on the rollback of its creation; the
	// session log group is protected from deletion by the custom resource, which is retained the
	// same way (so that it is deleted, turning protection off, only before that rollback deletes the
	// log group).
	group := logicalID(t, memberTemplate(), "AWS::Logs::LogGroup", "SessionPreferencesLogGroup")
	for id, lg := range resources(memberTemplate(), "AWS::Logs::LogGroup") {
		if lg["DeletionPolicy"] != "RetainExceptOnCreate" || lg["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("log group %s is not retained (DeletionPolicy %v, UpdateReplacePolicy %v)", id, lg["DeletionPolicy"], lg["UpdateReplacePolicy"])
		}
	}
	id, protection := only(t, memberTemplate(), logprotect.ResourceType)
	if !strings.HasPrefix(id, "SessionPreferencesLogGroupProtection") {
		t.Errorf("log group protection has logical ID %s", id)
	}
	if protection["DeletionPolicy"] != "RetainExceptOnCreate" {
		t.Errorf("log group protection has DeletionPolicy %v, want RetainExceptOnCreate", protection["DeletionPolicy"])
	}
	equalJSON(t, "log group protection", props(protection), map[string]any{
		"ServiceToken":   map[string]any{"Fn::GetAtt": []any{logicalID(t, memberTemplate(), "AWS::Lambda::Function", "SessionPreferencesDocumentHandler"), "Arn"}},
		"ServiceTimeout": "420",
		"LogGroupName":   map[string]any{"Ref": group},
	})
}

func TestMemberPreferencesDocument(t *testing.T) {
	tmpl := memberTemplate()
	_, doc := only(t, tmpl, sessionprefs.ResourceType)
	if props(doc)["Name"] != sessionprefs.DocumentName {
		t.Errorf("document name %v", props(doc)["Name"])
	}
	got := preferencesIn(t, tmpl, defaultApp.cfg.HomeRegion)
	sessionKey := logicalID(t, tmpl, "Custom::KeyLookup", "SessionKey")
	lg := logicalID(t, tmpl, "AWS::Logs::LogGroup", "SessionPreferencesLogGroup")
	want := map[string]any{
		"schemaVersion": "1.0",
		"description":   "Session Manager preferences managed by sessionaudit",
		"sessionType":   "Standard_Stream",
		"inputs": map[string]any{
			"s3BucketName":                bucketName,
			"s3KeyPrefix":                 "session-manager/{Ref:AWS::AccountId}/{Ref:AWS::Region}",
			"s3EncryptionEnabled":         true,
			"cloudWatchLogGroupName":      "{Ref:" + lg + "}",
			"cloudWatchEncryptionEnabled": true,
			"cloudWatchStreamingEnabled":  true,
			"kmsKeyId":                    "{GetAtt:" + sessionKey + ".Arn}",
		},
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		t.Errorf("document content in the home region:\n%s", g)
	}
	// Outside the bucket's region the same document with no bucket (CloudWatch Logs only): an empty
	// bucket name, which the agent takes for no S3 logging (and checks no bucket encryption).
	inputs := want["inputs"].(map[string]any)
	inputs["s3BucketName"], inputs["s3KeyPrefix"] = "", ""
	for _, region := range defaultApp.cfg.Regions {
		if region == defaultApp.cfg.HomeRegion {
			continue
		}
		if got := preferencesIn(t, tmpl, region); !reflect.DeepEqual(got, want) {
			g, _ := json.MarshalIndent(got, "", " ")
			t.Errorf("document content in %s:\n%s", region, g)
		}
	}
}

// TestMemberSessionKeyModes: session.encryptionKey decides the kmsKeyId of the preferences, the
// keys the member stack creates and the session statement of the instance policy.
func TestMemberSessionKeyModes(t *testing.T) {
	for _, tt := range []struct {
		mode     string
		keys     int    // AWS::KMS::Key in the member stack
		lookups  int    // Custom::KeyLookup in the member stack
		kmsKeyID string // rendered; "lookup" and "key" stand for the session key lookup's ARN and the own key's Ref
		decrypt  string // resource of the instance policy's DecryptSessionData; "" means no such statement
	}{
		{"organization", 0, 2, "lookup", "arn:{Ref:AWS::Partition}:kms:*:{Select:4:{Split:\":\":{GetAtt:LOOKUP.Arn}}}:key/{Select:1:{Split:\"/\":{GetAtt:LOOKUP.Arn}}}"},
		{"account", 1, 1, "key", "arn:{Ref:AWS::Partition}:kms:*:{Ref:AWS::AccountId}:key/*"},
		{"none", 0, 1, "", ""},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			a := synth(mustConfigWith(t, func(c map[string]any) { c["session"].(map[string]any)["encryptionKey"] = tt.mode }))
			tmpl := a.templates[stacks.MemberStackName]
			if n := len(resources(tmpl, "AWS::KMS::Key")); n != tt.keys {
				t.Errorf("%d KMS keys, want %d", n, tt.keys)
			}
			if n := len(resources(tmpl, "Custom::KeyLookup")); n != tt.lookups {
				t.Errorf("%d key lookups, want %d", n, tt.lookups)
			}
			if n := len(resources(tmpl, "AWS::Lambda::Function")); n != 2 {
				t.Errorf("%d functions, want 2 (the lookups share one handler)", n)
			}
			want := tt.kmsKeyID
			switch want {
			case "lookup":
				want = "{GetAtt:" + logicalID(t, tmpl, "Custom::KeyLookup", "SessionKey") + ".Arn}"
			case "key":
				want = "{Ref:" + logicalID(t, tmpl, "AWS::KMS::Key", "SessionPreferencesSessionKey") + "}"
			}
			content := preferencesIn(t, tmpl, "eu-west-1")
			if got := content["inputs"].(map[string]any)["kmsKeyId"]; got != want {
				t.Errorf("kmsKeyId %v, want %v", got, want)
			}
			mp := resources(tmpl, "AWS::IAM::ManagedPolicy")[logicalID(t, tmpl, "AWS::IAM::ManagedPolicy", "SessionPreferencesInstancePolicy")]
			decrypt := ""
			for _, st := range statements(props(mp)["PolicyDocument"]) {
				if st["Sid"] == sessionprefs.SidDecryptSessionData {
					decrypt = renderJoin(t, st["Resource"])
				}
			}
			if tt.mode == "organization" {
				tt.decrypt = strings.ReplaceAll(tt.decrypt, "LOOKUP", logicalID(t, tmpl, "Custom::KeyLookup", "SessionKey"))
			}
			if decrypt != tt.decrypt {
				t.Errorf("DecryptSessionData on %q, want %q", decrypt, tt.decrypt)
			}
			if tt.mode == "account" {
				check(t, "own session key retained and rotated", func() {
					a.template(a.stacks.Member.Stack).HasResource(jsii.String("AWS::KMS::Key"), map[string]any{
						"DeletionPolicy": "RetainExceptOnCreate", "UpdateReplacePolicy": "Retain",
						"Properties": assertions.Match_ObjectLike(&map[string]any{"EnableKeyRotation": true}),
					})
				})
			}
		})
	}
}

// renderJoin renders an Fn::Join (or a plain string) with references shown as {Ref:X} / {GetAtt:X.Y};
// a shape it cannot render fails the test (rendered says which).
func renderJoin(t *testing.T, v any) string {
	t.Helper()
	s, err := rendered(v)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return s
}

// rendered is renderJoin's rendering, or an error for a shape it does not know: it never panics on
// the template it reads.
func rendered(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case map[string]any:
		if ref, ok := x["Ref"].(string); ok {
			return "{Ref:" + ref + "}", nil
		}
		if ga, ok := x["Fn::GetAtt"].([]any); ok && len(ga) == 2 {
			id, _ := ga[0].(string)
			attr, _ := ga[1].(string)
			return "{GetAtt:" + id + "." + attr + "}", nil
		}
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			sep, _ := j[0].(string)
			list, _ := j[1].([]any)
			var parts []string
			for _, p := range list {
				r, err := rendered(p)
				if err != nil {
					return "", err
				}
				parts = append(parts, r)
			}
			return strings.Join(parts, sep), nil
		}
		for _, fn := range []string{"Fn::Select", "Fn::Split"} {
			if s, ok := x[fn].([]any); ok && len(s) == 2 {
				inner, err := rendered(s[1])
				if err != nil {
					return "", err
				}
				if fn == "Fn::Select" {
					return fmt.Sprintf("{Select:%v:%s}", s[0], inner), nil
				}
				return fmt.Sprintf("{Split:%q:%s}", s[0], inner), nil
			}
		}
	}
	return "", fmt.Errorf("cannot render %v", jsonString(v))
}

func TestMemberDocumentHandlerPermissions(t *testing.T) {
	tmpl := defaultApp.template(defaultApp.stacks.Member.Stack)
	lookup := logicalID(t, memberTemplate(), keylookup.ResourceType, "LogKey")
	region := map[string]any{"Ref": "AWS::Region"}
	accountID := map[string]any{"Ref": "AWS::AccountId"}
	group := []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":logs:", region, ":", accountID, ":log-group:session-manager-log-", accountID}
	check(t, "the preferences handler may only manage SSM-SessionManagerRunShell, the session log group's protection and the recording preferences", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
			"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Effect": "Allow", "Action": []any{"logs:CreateLogStream", "logs:PutLogEvents"},
				"Resource": map[string]any{"Fn::GetAtt": []any{logicalID(t, memberTemplate(), "AWS::Logs::LogGroup", "SessionPreferencesDocumentHandlerLogs"), "Arn"}},
			}, map[string]any{
				"Effect": "Allow",
				"Action": []any{"ssm:CreateDocument", "ssm:DeleteDocument", "ssm:DescribeDocument", "ssm:GetDocument",
					"ssm:ListDocumentVersions", "ssm:UpdateDocument", "ssm:UpdateDocumentDefaultVersion"},
				"Resource": map[string]any{"Fn::Join": []any{"", []any{
					"arn:", map[string]any{"Ref": "AWS::Partition"}, ":ssm:", region, ":", accountID, ":document/SSM-SessionManagerRunShell",
				}}},
			}, map[string]any{
				"Effect": "Allow", "Action": "logs:PutLogGroupDeletionProtection",
				"Resource": []any{
					map[string]any{"Fn::Join": []any{"", append(append([]any{}, group...), ":*")}},
					map[string]any{"Fn::Join": []any{"", group}},
				},
			}, map[string]any{
				"Effect": "Allow",
				"Action": []any{"ssm-guiconnect:DeleteConnectionRecordingPreferences", "ssm-guiconnect:GetConnectionRecordingPreferences",
					"ssm-guiconnect:UpdateConnectionRecordingPreferences"},
				"Resource": "*",
			}, map[string]any{
				"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": map[string]any{"Fn::GetAtt": []any{lookup, "Arn"}},
			}}},
		})
	})
	// Without RDP recording, nothing of ssm-guiconnect and no grants.
	off := synth(mustConfigWith(t, func(c map[string]any) { c["rdpRecording"] = map[string]any{"enabled": false} }))
	role := logicalID(t, off.templates[stacks.MemberStackName], "AWS::IAM::Role", "SessionPreferencesDocumentHandlerRole")
	for id, policy := range resources(off.templates[stacks.MemberStackName], "AWS::IAM::Policy") {
		if doc := jsonString(props(policy)); strings.Contains(doc, role) && (strings.Contains(doc, "ssm-guiconnect") || strings.Contains(doc, "kms:CreateGrant")) {
			t.Errorf("without RDP recording, %s still allows %s", id, doc)
		}
	}
}

func TestMemberRdpRecording(t *testing.T) {
	tmpl := memberTemplate()
	lookup := logicalID(t, tmpl, keylookup.ResourceType, "LogKey")
	id, rdp := only(t, tmpl, sessionprefs.RecordingResourceType)
	if !strings.HasPrefix(id, "SessionPreferencesRdpRecording") {
		t.Errorf("recording preferences have logical ID %s (construct ID RdpRecording)", id)
	}
	// Deleting the stack restores what the account had (handler.js).
	if rdp["DeletionPolicy"] != "Delete" {
		t.Errorf("recording preferences have DeletionPolicy %v, want Delete", rdp["DeletionPolicy"])
	}
	// GUI Connect API reference, ConnectionRecordingPreferences.KMSKeyArn: "This key must exist in
	// the same AWS Region as the node": the LogKey of this region (primary or replica).
	equalJSON(t, "RDP recording", props(rdp), map[string]any{
		"ServiceToken":   map[string]any{"Fn::GetAtt": []any{logicalID(t, tmpl, "AWS::Lambda::Function", "SessionPreferencesDocumentHandler"), "Arn"}},
		"ServiceTimeout": "420",
		"ConnectionRecordingPreferences": map[string]any{
			"KMSKeyArn":             map[string]any{"Fn::GetAtt": []any{lookup, "Arn"}},
			"RecordingDestinations": map[string]any{"S3Buckets": []any{map[string]any{"BucketName": bucketName, "BucketOwner": archive}}},
		},
	})
	// The CloudFormation resource it replaces is gone.
	if n := len(resources(tmpl, "AWS::SSMGuiConnect::Preferences")); n != 0 {
		t.Errorf("%d AWS::SSMGuiConnect::Preferences left: it fails in accounts whose recording is already set", n)
	}
	off := synth(mustConfigWith(t, func(c map[string]any) { c["rdpRecording"] = map[string]any{"enabled": false} }))
	if n := len(resources(off.templates[stacks.MemberStackName], sessionprefs.RecordingResourceType)); n != 0 {
		t.Errorf("rdpRecording.enabled=false still creates %d recording preferences", n)
	}
}

func TestMemberInstancePolicy(t *testing.T) {
	tmpl := memberTemplate()
	id := logicalID(t, tmpl, "AWS::IAM::ManagedPolicy", "SessionPreferencesInstancePolicy")
	mp := resources(tmpl, "AWS::IAM::ManagedPolicy")[id]
	p := props(mp)
	if got := jsonString(p["ManagedPolicyName"]); got != "SessionAuditInstanceLogging" {
		t.Errorf("policy name %s", got)
	}
	// One policy per account, attached once: created only in the home region.
	if mp["Condition"] != "IsHomeRegion" {
		t.Errorf("instance policy %s condition %v, want IsHomeRegion", id, mp["Condition"])
	}
	equalJSON(t, "IsHomeRegion", tmpl["Conditions"].(map[string]any)["IsHomeRegion"],
		map[string]any{"Fn::Equals": []any{map[string]any{"Ref": "AWS::Region"}, home}})
	equalJSON(t, "output condition", tmpl["Outputs"].(map[string]any)["InstancePolicyArn"].(map[string]any)["Condition"], "IsHomeRegion")
	if p["Roles"] != nil {
		t.Errorf("no instanceRoleNames configured, but attached to %v", p["Roles"])
	}
	doc := p["PolicyDocument"]
	bucket := "arn:{Ref:AWS::Partition}:s3:::" + bucketName
	group := "arn:{Ref:AWS::Partition}:logs:*:{Ref:AWS::AccountId}:log-group:session-manager-log-{Ref:AWS::AccountId}"
	ownPrefix := bucket + "/session-manager/{Ref:AWS::AccountId}/*"
	lookupArn := "{GetAtt:" + logicalID(t, tmpl, "Custom::KeyLookup", "SessionKey") + ".Arn}"
	logKeyArn := "{GetAtt:" + logicalID(t, tmpl, "Custom::KeyLookup", "LogKey") + ".Arn}"
	want := map[string]struct {
		actions   []string
		resources []string
		cond      string
	}{
		sessionprefs.SidWriteLogGroup:        {[]string{"logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"}, []string{group + ":log-stream:*", group}, ""},
		sessionprefs.SidDescribeLogGroups:    {[]string{"logs:DescribeLogGroups"}, []string{"*"}, ""},
		sessionprefs.SidPutOwnPrefix:         {[]string{"s3:AbortMultipartUpload", "s3:PutObject"}, []string{ownPrefix}, ""},
		sessionprefs.SidPutOwnPrefix + "Acl": {[]string{"s3:PutObjectAcl"}, []string{ownPrefix}, `{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}`},
		sessionprefs.SidReadBucketConfig:     {[]string{"s3:GetEncryptionConfiguration"}, []string{bucket}, ""},
		sessionprefs.SidEncryptThroughS3:     {[]string{"kms:Decrypt", "kms:GenerateDataKey"}, []string{"arn:{Ref:AWS::Partition}:kms:" + home + ":" + archive + ":key/*"}, `{"StringEquals":{"kms:EncryptionContext:aws:s3:arn":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":s3:::` + bucketName + `"]]},"kms:ViaService":"s3.` + home + `.amazonaws.com"}}`},
		sessionprefs.SidLogKeyThroughLogs: {[]string{"kms:Decrypt", "kms:GenerateDataKey"}, []string{"arn:{Ref:AWS::Partition}:kms:*:{Select:4:{Split:\":\":" + logKeyArn + "}}:key/{Select:1:{Split:\"/\":" + logKeyArn + "}}"},
			`{"ArnLike":{"kms:EncryptionContext:aws:logs:arn":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":logs:*:",{"Ref":"AWS::AccountId"},":log-group:session-manager-log-",{"Ref":"AWS::AccountId"}]]}},"StringLike":{"kms:ViaService":"logs.*.amazonaws.com"}}`},
		sessionprefs.SidDescribeLogKeyThroughLogs: {[]string{"kms:DescribeKey"}, []string{"arn:{Ref:AWS::Partition}:kms:*:{Select:4:{Split:\":\":" + logKeyArn + "}}:key/{Select:1:{Split:\"/\":" + logKeyArn + "}}"},
			`{"StringLike":{"kms:ViaService":"logs.*.amazonaws.com"}}`},
		sessionprefs.SidDecryptSessionData: {[]string{"kms:Decrypt"}, []string{"arn:{Ref:AWS::Partition}:kms:*:{Select:4:{Split:\":\":" + lookupArn + "}}:key/{Select:1:{Split:\"/\":" + lookupArn + "}}"}, `{"Null":{"kms:EncryptionContext:aws:ssm:SessionId":"false","kms:EncryptionContext:aws:ssm:TargetId":"false"}}`},
	}
	sts := statements(doc)
	if len(sts) != len(want) {
		t.Errorf("instance policy has %d statements, want %d", len(sts), len(want))
	}
	for _, s := range sts {
		sid, _ := s["Sid"].(string)
		w, ok := want[sid]
		if !ok {
			t.Errorf("unexpected statement %v", s)
			continue
		}
		if s["Effect"] != "Allow" || !reflect.DeepEqual(asStrings(s["Action"]), w.actions) {
			t.Errorf("%s: effect %v actions %v, want %v", sid, s["Effect"], s["Action"], w.actions)
		}
		var res []string
		for _, r := range append([]any(nil), asAnyList(s["Resource"])...) {
			res = append(res, renderJoin(t, r))
		}
		if !reflect.DeepEqual(res, w.resources) {
			t.Errorf("%s: resources %v, want %v", sid, res, w.resources)
		}
		if got := jsonString(s["Condition"]); w.cond != "" && got != w.cond || w.cond == "" && s["Condition"] != nil {
			t.Errorf("%s: condition %s, want %s", sid, got, w.cond)
		}
		for _, a := range asStrings(s["Action"]) {
			if a == "s3:GetObject" || strings.HasPrefix(a, "s3:List") || strings.HasPrefix(a, "s3:Delete") || strings.Contains(a, "*") {
				t.Errorf("%s grants %s: the instance may not read, list or delete logs", sid, a)
			}
		}
	}
	withRoles := synth(mustConfigWith(t, func(c map[string]any) {
		c["session"].(map[string]any)["instanceRoleNames"] = []any{"AppServerRole", "BastionRole"}
	}))
	wt := withRoles.templates[stacks.MemberStackName]
	mp2 := resources(wt, "AWS::IAM::ManagedPolicy")[logicalID(t, wt, "AWS::IAM::ManagedPolicy", "SessionPreferencesInstancePolicy")]
	equalJSON(t, "attached roles", props(mp2)["Roles"], []string{"AppServerRole", "BastionRole"})
	if mp2["Condition"] != "IsHomeRegion" {
		t.Error("the attachment must happen once per role (home region only)")
	}
}

// asAnyList returns a policy element that may be one value or a list as a list.
func asAnyList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func TestMemberSessionSettingsFromConfig(t *testing.T) {
	s := synth(mustConfigWith(t, func(c map[string]any) {
		sess := c["session"].(map[string]any)
		sess["idleSessionTimeoutMinutes"], sess["maxSessionDurationMinutes"], sess["cloudWatchStreaming"] = 15, 480, false
		sess["runAsEnabled"], sess["runAsDefaultUser"] = true, "ec2-user"
		sess["shellProfileLinux"], sess["shellProfileWindows"] = "exec bash -l", "$Host.UI"
		c["retention"].(map[string]any)["cloudWatchDays"] = 731
	}))
	tmpl := s.templates[stacks.MemberStackName]
	got := struct{ Inputs map[string]any }{preferencesIn(t, tmpl, "us-east-1")["inputs"].(map[string]any)}
	for k, v := range map[string]any{
		"idleSessionTimeout": "15", "maxSessionDuration": "480", "cloudWatchStreamingEnabled": false,
		"runAsEnabled": true, "runAsDefaultUser": "ec2-user",
		"shellProfile": map[string]any{"linux": "exec bash -l", "windows": "$Host.UI"},
	} {
		if !reflect.DeepEqual(got.Inputs[k], v) {
			t.Errorf("%s = %v, want %v", k, got.Inputs[k], v)
		}
	}
	lgID := logicalID(t, tmpl, "AWS::Logs::LogGroup", "SessionPreferencesLogGroup")
	if days := props(resources(tmpl, "AWS::Logs::LogGroup")[lgID])["RetentionInDays"]; days != float64(731) {
		t.Errorf("retention %v, want 731", days)
	}
}
