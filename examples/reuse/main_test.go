package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// synth builds the example as `cdk synth` would in this directory: an app with no context (this
// app's cdk.json sets no feature flags).
func synth(t *testing.T) map[string]map[string]any {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	NewArchive(app)
	NewWorkload(app)
	out := map[string]map[string]any{}
	for _, s := range *app.Synth(nil).Stacks() {
		data, _ := json.Marshal(s.Template())
		var tmpl map[string]any
		_ = json.Unmarshal(data, &tmpl)
		out[*s.StackName()] = tmpl
	}
	return out
}

func byType(tmpl map[string]any, typ string) []map[string]any {
	var out []map[string]any
	for _, r := range tmpl["Resources"].(map[string]any) {
		if r := r.(map[string]any); r["Type"] == typ {
			out = append(out, r)
		}
	}
	return out
}

func props(r map[string]any) map[string]any { return r["Properties"].(map[string]any) }

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestExampleKeepsTheSecurityProperties(t *testing.T) {
	templates := synth(t)
	archive, workload := templates["Archive"], templates["Workload"]
	var central map[string]any
	for _, b := range byType(archive, "AWS::S3::Bucket") {
		if props(b)["BucketName"] == bucketName {
			central = b
		}
	}
	if central == nil {
		t.Fatal("no central bucket")
	}
	p := props(central)
	for _, want := range []string{`"ObjectLockEnabled":true`, `"Status":"Enabled"`, `"SSEAlgorithm":"aws:kms"`, `"ObjectOwnership":"BucketOwnerEnforced"`, `"DestinationBucketName"`} {
		if !strings.Contains(js(p), want) {
			t.Errorf("central bucket lacks %s: %s", want, js(p))
		}
	}
	if !retained(central) {
		t.Error("central bucket is not retained")
	}
	for _, k := range byType(archive, "AWS::KMS::Key") {
		if props(k)["EnableKeyRotation"] != true || props(k)["MultiRegion"] != true || !retained(k) {
			t.Errorf("log key: %s", js(k))
		}
	}
	if policies := byType(archive, "AWS::S3::BucketPolicy"); !strings.Contains(js(policies), `"aws:SecureTransport":"false"`) || !strings.Contains(js(policies), "logging.s3.amazonaws.com") {
		t.Errorf("bucket policies: TLS-only and access-log delivery by policy expected: %s", js(policies))
	}
	if n := len(byType(workload, "AWS::SNS::Topic")); n != 1 {
		t.Errorf("the inbox created %d topics besides using the team's own (want only the team's)", n-1)
	}
	for _, lg := range byType(workload, "AWS::Logs::LogGroup") {
		if !retained(lg) {
			t.Errorf("log group not retained: %s", js(lg))
		}
	}
	if f := byType(workload, "AWS::Logs::SubscriptionFilter"); len(f) != 1 || !strings.Contains(js(f), ":destination:example") {
		t.Errorf("forwarder: %s", js(f))
	}
}

// retained: kept on stack deletion and replacement. RetainExceptOnCreate (the constructs' choice
// since issue 21) also deletes it when the deployment that created it rolls back, so that a failed
// first deployment can be retried (CloudFormation user guide, "DeletionPolicy attribute").
func retained(r map[string]any) bool {
	d := r["DeletionPolicy"]
	return (d == "Retain" || d == "RetainExceptOnCreate") && r["UpdateReplacePolicy"] == "Retain"
}
