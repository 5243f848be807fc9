package test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/constructs/logforwarder"
	"github.com/sessionaudit/sessionaudit/constructs/logreceiver"
	"github.com/sessionaudit/sessionaudit/stacks"
)

func receiverTemplate(region string) map[string]any {
	return defaultApp.templates[stacks.ReceiverStackName(region)]
}

func TestReceiverPerGovernedRegion(t *testing.T) {
	for _, region := range []string{home, "us-east-1"} {
		r, ok := defaultApp.stacks.Receivers[region]
		if !ok {
			t.Fatalf("no receiver for %s", region)
		}
		if got := *r.Stack.Account() + "/" + *r.Stack.Region(); got != archive+"/"+region {
			t.Errorf("receiver env %s", got)
		}
		_, dest := only(t, receiverTemplate(region), "AWS::Logs::Destination")
		if props(dest)["DestinationName"] != stacks.DestinationName {
			t.Errorf("%s destination name %v", region, props(dest)["DestinationName"])
		}
		replicas := len(resources(receiverTemplate(region), "AWS::KMS::ReplicaKey"))
		// Outside the home region: the LogKey's and the SessionKey's.
		if want := map[bool]int{true: 0, false: 2}[region == home]; replicas != want {
			t.Errorf("%s has %d key replicas, want %d", region, replicas, want)
		}
	}
}

// destinationPolicy parses the destination policy of a receiver template (a JSON string that may
// be an Fn::Join around references).
func destinationPolicy(t *testing.T, tmpl map[string]any) (map[string]any, int) {
	t.Helper()
	_, dest := only(t, tmpl, "AWS::Logs::Destination")
	text := props(dest)["DestinationPolicy"]
	s, ok := text.(string)
	if !ok {
		s = renderJoin(t, text)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(s), &doc); err != nil {
		t.Fatalf("destination policy is not JSON: %v\n%s", err, s)
	}
	return doc, len(s)
}

func TestDestinationPolicy(t *testing.T) {
	doc, size := destinationPolicy(t, receiverTemplate("us-east-1"))
	equalJSON(t, "destination policy", doc, map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid": "AllowOrganizationToSubscribe", "Effect": "Allow", "Principal": map[string]any{"AWS": "*"},
			"Action":    "logs:PutSubscriptionFilter",
			"Resource":  "arn:aws:logs:us-east-1:" + archive + ":destination:" + stacks.DestinationName,
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": org}},
		}},
	})
	if size > logreceiver.MaxDestinationPolicyBytes {
		t.Errorf("destination policy is %d bytes, over %d", size, logreceiver.MaxDestinationPolicyBytes)
	}
}

// Every hop is documented: destinations in their region, one stream per source region in the
// bucket's (home) region, so that no stream writes to a bucket in another region.
func TestStreamsLiveInTheBucketRegion(t *testing.T) {
	for _, region := range []string{home, "us-east-1"} {
		if n := len(resources(receiverTemplate(region), "AWS::KinesisFirehose::DeliveryStream")); n != 0 {
			t.Errorf("receiver %s has %d Firehose streams; they belong to the bucket's region", region, n)
		}
		_, dest := only(t, receiverTemplate(region), "AWS::Logs::Destination")
		if got := props(dest)["TargetArn"]; got != "arn:aws:firehose:"+home+":"+archive+":deliverystream/session-audit-"+region {
			t.Errorf("destination of %s targets %v", region, got)
		}
	}
	var names []string
	for _, st := range resources(logArchiveTemplate(), "AWS::KinesisFirehose::DeliveryStream") {
		if name := props(st)["DeliveryStreamName"].(string); name != stacks.StreamNamePrefix+"ledger" { // TestLedgerStreamWritesTheLedgerPrefixWithTheKey
			names = append(names, name)
		}
	}
	sort.Strings(names)
	equalJSON(t, "one stream per governed region in the log-archive stack", names, []string{"session-audit-" + home, "session-audit-us-east-1"})
}

// streamOf returns the log-archive stack's stream for a source region.
func streamOf(t *testing.T, region string) map[string]any {
	t.Helper()
	for _, st := range resources(logArchiveTemplate(), "AWS::KinesisFirehose::DeliveryStream") {
		if props(st)["DeliveryStreamName"] == "session-audit-"+region {
			return st
		}
	}
	t.Fatalf("no stream for %s", region)
	return nil
}

func TestFirehoseProcessing(t *testing.T) {
	tmpl := logArchiveTemplate()
	p := props(streamOf(t, "us-east-1"))
	if p["DeliveryStreamName"] != "session-audit-us-east-1" || p["DeliveryStreamType"] != "DirectPut" {
		t.Errorf("stream name/type %v %v", p["DeliveryStreamName"], p["DeliveryStreamType"])
	}
	equalJSON(t, "stream encryption", p["DeliveryStreamEncryptionConfigurationInput"], map[string]any{"KeyType": "AWS_OWNED_CMK"})
	s3 := p["ExtendedS3DestinationConfiguration"].(map[string]any)
	processor := logicalID(t, tmpl, "AWS::Lambda::Function", "LogReceiverProcessor")
	want := map[string]any{
		"BucketARN":         bucketArn,
		"Prefix":            "cloudwatch/us-east-1/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{partitionKeyFromLambda:account}/",
		"ErrorOutputPrefix": "cloudwatch-errors/!{firehose:error-output-type}/us-east-1/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/",
		"BufferingHints":    map[string]any{"IntervalInSeconds": 900, "SizeInMBs": 128},
		"CompressionFormat": "GZIP",
		"FileExtension":     ".json.gz",
		"EncryptionConfiguration": map[string]any{"KMSEncryptionConfig": map[string]any{
			"AWSKMSKeyARN": map[string]any{"Fn::GetAtt": []any{"LogKey15608DC4", "Arn"}},
		}},
		"DynamicPartitioningConfiguration": map[string]any{"Enabled": true, "RetryOptions": map[string]any{"DurationInSeconds": 300}},
		"ProcessingConfiguration": map[string]any{"Enabled": true, "Processors": []any{map[string]any{
			"Type": "Lambda",
			"Parameters": []any{
				map[string]any{"ParameterName": "LambdaArn", "ParameterValue": map[string]any{"Fn::GetAtt": []any{processor, "Arn"}}},
				map[string]any{"ParameterName": "BufferSizeInMBs", "ParameterValue": "0.2"},
				map[string]any{"ParameterName": "BufferIntervalInSeconds", "ParameterValue": "60"},
				map[string]any{"ParameterName": "NumberOfRetries", "ParameterValue": "3"},
			},
		}}},
		"S3BackupMode": "Disabled",
	}
	for k, v := range want {
		equalJSON(t, "ExtendedS3DestinationConfiguration."+k, s3[k], v)
	}
	logging := s3["CloudWatchLoggingOptions"].(map[string]any)
	if logging["Enabled"] != true || logging["LogGroupName"] == nil || logging["LogStreamName"] == nil {
		t.Errorf("error logging %v", logging)
	}
	// The processor is inline (no asset) and is the tested processor.js.
	fn := resources(tmpl, "AWS::Lambda::Function")[processor]
	zip := props(fn)["Code"].(map[string]any)["ZipFile"].(string)
	if !strings.Contains(zip, "partitionKeys: { account: env.owner }") || !strings.Contains(zip, "gunzipSync") {
		t.Errorf("processor code is not processor.js:\n%.300s", zip)
	}
}

// rolePolicies maps role logical IDs to their policy documents.
func rolePolicies(tmpl map[string]any) map[string]any {
	policies := map[string]any{}
	for _, r := range asMap(tmpl["Resources"]) {
		if p := asMap(r); p["Type"] == "AWS::IAM::Policy" {
			for _, role := range asAnyList(jsonPath(p, "Properties", "Roles")) {
				if id, ok := asMap(role)["Ref"].(string); ok {
					policies[id] = jsonPath(p, "Properties", "PolicyDocument")
				}
			}
		}
	}
	return policies
}

func TestReceiverRoles(t *testing.T) {
	tmpl := receiverTemplate("us-east-1")
	subscription := logicalID(t, tmpl, "AWS::IAM::Role", "DestinationRole")
	delivery := logicalID(t, logArchiveTemplate(), "AWS::IAM::Role", "LogReceiverDeliveryRole")
	// CloudWatch Logs user guide, "Step 2: Create a destination": logs.amazonaws.com, aws:SourceArn
	// (aws:SourceOrgID only where present); Firehose guide: sts:ExternalId.
	equalJSON(t, "destination role trust", props(resources(tmpl, "AWS::IAM::Role")[subscription])["AssumeRolePolicyDocument"], map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect": "Allow", "Action": "sts:AssumeRole",
			"Principal": map[string]any{"Service": "logs.amazonaws.com"},
			"Condition": map[string]any{
				"StringEqualsIfExists": map[string]any{"aws:SourceOrgID": org},
				"StringLike":           map[string]any{"aws:SourceArn": "arn:aws:logs:us-east-1:*:*"},
			},
		}},
	})
	equalJSON(t, "delivery role trust", props(resources(logArchiveTemplate(), "AWS::IAM::Role")[delivery])["AssumeRolePolicyDocument"], map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect": "Allow", "Action": "sts:AssumeRole",
			"Principal": map[string]any{"Service": "firehose.amazonaws.com"},
			"Condition": map[string]any{"StringEquals": map[string]any{"sts:ExternalId": archive}},
		}},
	})
	equalJSON(t, "destination role may only put into its stream", statements(rolePolicies(tmpl)[subscription]), []any{map[string]any{
		"Effect": "Allow", "Action": []string{"firehose:PutRecord", "firehose:PutRecordBatch"},
		"Resource": "arn:aws:firehose:" + home + ":" + archive + ":deliverystream/session-audit-us-east-1",
	}})
	doc := rolePolicies(logArchiveTemplate())[delivery]
	equalJSON(t, "delivery writes only its prefixes", statement(t, doc, "WriteOwnPrefixes")["Resource"],
		[]string{bucketArn + "/cloudwatch-errors/*", bucketArn + "/cloudwatch/*"})
	kms := statement(t, doc, "EncryptThroughS3")
	equalJSON(t, "delivery key conditions", kms["Condition"], map[string]any{"StringEquals": map[string]any{
		"kms:ViaService": "s3." + home + ".amazonaws.com", "kms:EncryptionContext:aws:s3:arn": bucketArn,
	}})
	for _, s := range statements(doc) {
		for _, a := range asStrings(s["Action"]) {
			if strings.Contains(a, "*") || a == "s3:GetObject" || strings.HasPrefix(a, "s3:Delete") {
				t.Errorf("delivery role grants %s", a)
			}
		}
	}
}

func TestReceiverAlarms(t *testing.T) {
	want := map[string]string{
		"DeliveryToS3.DataFreshness": "Maximum GreaterThanThreshold 3600",
		"DeliveryToS3.Success":       "Minimum LessThanThreshold 1",
		"ExecuteProcessing.Success":  "Minimum LessThanThreshold 1",
		"ThrottledRecords":           "Sum GreaterThanThreshold 0",
		// Firehose quota: 500 active partitions per stream by default (logreceiver.MaxActivePartitions).
		"PartitionCountExceeded": "Maximum GreaterThanThreshold 0",
	}
	got := map[string]string{}
	for _, a := range resources(logArchiveTemplate(), "AWS::CloudWatch::Alarm") {
		p := props(a)
		if p["Namespace"] != "AWS/Firehose" || !strings.Contains(jsonString(p["Dimensions"]), "session-audit-us-east-1") {
			continue
		}
		if p["TreatMissingData"] != "notBreaching" {
			t.Errorf("alarm %v: missing data %v", p["MetricName"], p["TreatMissingData"])
		}
		equalJSON(t, "dimensions", p["Dimensions"], []any{map[string]any{"Name": "DeliveryStreamName", "Value": "session-audit-us-east-1"}})
		got[p["MetricName"].(string)] = fmt.Sprintf("%v %v %v", p["Statistic"], p["ComparisonOperator"], p["Threshold"])
	}
	equalJSON(t, "alarms", got, want)
}

func TestMemberSubscribesSessionLogGroup(t *testing.T) {
	tmpl := memberTemplate()
	_, filter := only(t, tmpl, "AWS::Logs::SubscriptionFilter")
	lg := logicalID(t, tmpl, "AWS::Logs::LogGroup", "SessionPreferencesLogGroup")
	p := props(filter)
	equalJSON(t, "log group", p["LogGroupName"], map[string]any{"Ref": lg})
	if got := renderJoin(t, p["DestinationArn"]); got != "arn:{Ref:AWS::Partition}:logs:{Ref:AWS::Region}:"+archive+":destination:session-audit" {
		t.Errorf("destination %s", got)
	}
	if p["FilterPattern"] != logforwarder.AllEvents || p["FilterName"] != "session-audit" {
		t.Errorf("filter pattern %q name %v", p["FilterPattern"], p["FilterName"])
	}
	checkSubscriptionRole(t, tmpl, filter, "{Ref:"+lg+"}")
}

// checkSubscriptionRole: a filter to an organization-scoped destination names a role of the
// sending account that logs.amazonaws.com assumes and that may only logs:PutLogEvents to the
// filter's log group (CloudWatch Logs user guide, "Step 2: (Only if using an organization) Create
// an IAM role"). Each problem is an error of the test (subscriptionRoleProblems).
func checkSubscriptionRole(t *testing.T, tmpl map[string]any, filter map[string]any, logGroup string) {
	t.Helper()
	for _, p := range subscriptionRoleProblems(tmpl, filter, logGroup) {
		t.Error(p)
	}
}

// subscriptionRoleProblems is checkSubscriptionRole's check; a shape it cannot read (a filter
// without RoleArn, a role or policy missing from the template) is a problem, never a panic.
func subscriptionRoleProblems(tmpl map[string]any, filter map[string]any, logGroup string) []string {
	roleArn := jsonPath(filter, "Properties", "RoleArn")
	ga, _ := jsonPath(roleArn, "Fn::GetAtt").([]any)
	if len(ga) != 2 {
		return []string{"subscription filter has no role of this template: RoleArn " + jsonString(roleArn)}
	}
	id, _ := ga[0].(string)
	role := asMap(asMap(tmpl["Resources"])[id])
	if role["Type"] != "AWS::IAM::Role" {
		return []string{"subscription filter's RoleArn names " + jsonString(ga[0]) + ", which is not a role of this template"}
	}
	var out []string
	trust := map[string]any{
		"Version":   "2012-10-17",
		"Statement": []any{map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": map[string]any{"Service": "logs.amazonaws.com"}}},
	}
	if got := jsonPath(role, "Properties", "AssumeRolePolicyDocument"); !sameJSON(got, trust) {
		out = append(out, "subscription role trust "+jsonString(got)+", want "+jsonString(trust))
	}
	sts := statements(rolePolicies(tmpl)[id])
	if len(sts) != 1 || sts[0]["Action"] != "logs:PutLogEvents" {
		return append(out, "subscription role policy "+jsonString(sts)+", want only logs:PutLogEvents")
	}
	want := "arn:{Ref:AWS::Partition}:logs:{Ref:AWS::Region}:{Ref:AWS::AccountId}:log-group:" + logGroup + ":*"
	if got, err := rendered(sts[0]["Resource"]); err != nil || got != want {
		out = append(out, fmt.Sprintf("subscription role resource %s (%v), want %s", got, err, want))
	}
	return out
}

// sameJSON: a and b are the same JSON value.
func sameJSON(a, b any) bool {
	var x, y any
	if jsonRoundTrip(a, &x) != nil || jsonRoundTrip(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

func TestForwardersStack(t *testing.T) {
	tmpl := defaultApp.templates[stacks.ForwardersStackName]
	if tmpl == nil {
		t.Fatal("the default config has a forwarder but no SessionAudit-Forwarders stack")
	}
	_, filter := only(t, tmpl, "AWS::Logs::SubscriptionFilter")
	p := props(filter)
	if p["LogGroupName"] != "aws-cloudtrail-logs-o-exampleorg1" || p["FilterPattern"] != `{ $.eventName = "ConsoleLogin" }` || p["FilterName"] != "console-login" {
		t.Errorf("forwarder %v", p)
	}
	if got := renderJoin(t, p["DestinationArn"]); got != "arn:{Ref:AWS::Partition}:logs:{Ref:AWS::Region}:"+archive+":destination:session-audit" {
		t.Errorf("destination %s", got)
	}
	checkSubscriptionRole(t, tmpl, filter, "aws-cloudtrail-logs-o-exampleorg1")
	none := synth(mustConfigWith(t, func(c map[string]any) { c["forwarders"] = []any{} }))
	if _, ok := none.templates[stacks.ForwardersStackName]; ok {
		t.Error("no forwarders configured, but SessionAudit-Forwarders was synthesized")
	}
}

// TestSubscriptionRoleProblems: the subscription-role check reports every shape it cannot read or
// that is wrong, and never panics (a panic would abort the whole package and hide every result).
func TestSubscriptionRoleProblems(t *testing.T) {
	trust := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": map[string]any{"Service": "logs.amazonaws.com"}}}}
	resource := map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":logs:", map[string]any{"Ref": "AWS::Region"}, ":", map[string]any{"Ref": "AWS::AccountId"}, ":log-group:g:*"}}}
	healthy := func() map[string]any {
		return map[string]any{"Resources": map[string]any{
			"Role": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{"AssumeRolePolicyDocument": trust}},
			"Policy": map[string]any{"Type": "AWS::IAM::Policy", "Properties": map[string]any{"Roles": []any{map[string]any{"Ref": "Role"}},
				"PolicyDocument": map[string]any{"Statement": []any{map[string]any{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": resource}}}}},
		}}
	}
	withRole := map[string]any{"Type": "AWS::Logs::SubscriptionFilter", "Properties": map[string]any{"RoleArn": map[string]any{"Fn::GetAtt": []any{"Role", "Arn"}}}}
	cases := []struct {
		name   string
		tmpl   map[string]any
		filter map[string]any
		want   string // substring of the first problem; "" for none
	}{
		{"healthy", healthy(), withRole, ""},
		{"filter without RoleArn", healthy(), map[string]any{"Type": "AWS::Logs::SubscriptionFilter", "Properties": map[string]any{}}, "has no role"},
		{"filter without Properties", healthy(), map[string]any{"Type": "AWS::Logs::SubscriptionFilter"}, "has no role"},
		{"RoleArn a literal ARN", healthy(), map[string]any{"Properties": map[string]any{"RoleArn": "arn:aws:iam::1:role/x"}}, "has no role"},
		{"GetAtt of a short list", healthy(), map[string]any{"Properties": map[string]any{"RoleArn": map[string]any{"Fn::GetAtt": []any{"Role"}}}}, "has no role"},
		{"role missing from the template", map[string]any{"Resources": map[string]any{}}, withRole, "not a role"},
		{"template without Resources", map[string]any{}, withRole, "not a role"},
		{"role without a policy", func() map[string]any {
			m := healthy()
			delete(m["Resources"].(map[string]any), "Policy")
			return m
		}(), withRole, "want only logs:PutLogEvents"},
		{"role trusts another service", func() map[string]any {
			m := healthy()
			m["Resources"].(map[string]any)["Role"].(map[string]any)["Properties"] = map[string]any{"AssumeRolePolicyDocument": map[string]any{"Statement": []any{}}}
			return m
		}(), withRole, "trust"},
		{"resource of another log group", func() map[string]any {
			m := healthy()
			st := jsonPath(m["Resources"].(map[string]any)["Policy"], "Properties", "PolicyDocument").(map[string]any)["Statement"].([]any)[0].(map[string]any)
			st["Resource"] = "arn:aws:logs:r:1:log-group:other:*"
			return m
		}(), withRole, "resource"},
		{"resource a shape nobody renders", func() map[string]any {
			m := healthy()
			st := jsonPath(m["Resources"].(map[string]any)["Policy"], "Properties", "PolicyDocument").(map[string]any)["Statement"].([]any)[0].(map[string]any)
			st["Resource"] = map[string]any{"Fn::Join": "broken"}
			return m
		}(), withRole, "cannot render"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := subscriptionRoleProblems(c.tmpl, c.filter, "g")
			switch {
			case c.want == "" && len(got) > 0:
				t.Errorf("problems %q, want none", got)
			case c.want != "" && (len(got) == 0 || !strings.Contains(got[0], c.want)):
				t.Errorf("problems %q, want one containing %q", got, c.want)
			}
		})
	}
}
