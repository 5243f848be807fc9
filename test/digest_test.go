package test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/digest"
	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/install"
)

// The digester construct on its own (the LogArchive stack has one; the goldens hold it): the signing key the
// format names, the bucket's events to a queue, the hourly schedule, and a function that may write
// only the digests.
func TestDigester(t *testing.T) {
	s := bareStack()
	key := awskms.NewKey(s, jsii.String("LogKey"), nil)
	bucket := awss3.NewBucket(s, jsii.String("Archive"), &awss3.BucketProps{Versioned: jsii.Bool(true)})
	digest.New(s, "Digests", &digest.Props{Bucket: bucket, BucketKey: key})
	tmpl := *assertions.Template_FromStack(s, nil).ToJSON()

	keys := resources(tmpl, "AWS::KMS::Key")
	var signing map[string]any
	for _, k := range keys {
		if props(k)["KeyUsage"] == "SIGN_VERIFY" {
			signing = k
		}
	}
	if signing == nil || props(signing)["KeySpec"] != "ECC_NIST_P256" || evidence.SigningAlgorithm != "ECDSA_SHA_256" {
		t.Errorf("no ECC_NIST_P256 SIGN_VERIFY key for %s: %v", evidence.SigningAlgorithm, keys)
	} else if signing["DeletionPolicy"] != "RetainExceptOnCreate" {
		t.Errorf("the signing key is not retained: %v", signing["DeletionPolicy"])
	}
	if _, alias := only(t, tmpl, "AWS::KMS::Alias"); props(alias)["AliasName"] != install.DigestKeyAlias {
		t.Errorf("the signing key's alias is %v, want %s (the name the log-archive policies protect)", props(alias)["AliasName"], install.DigestKeyAlias)
	}
	_, b := only(t, tmpl, "AWS::S3::Bucket")
	if got := jsonString(props(b)["NotificationConfiguration"]); got != `{"EventBridgeConfiguration":{"EventBridgeEnabled":true}}` {
		t.Errorf("the bucket's EventBridge notifications: %s", got)
	}
	var pattern, schedule bool
	for _, r := range resources(tmpl, "AWS::Events::Rule") {
		p := props(r)
		if e := jsonString(p["EventPattern"]); strings.Contains(e, `"Object Created"`) && strings.Contains(e, `"aws.s3"`) && strings.Contains(e, `"bucket":{"name":[{"Ref":`) {
			pattern = strings.Contains(jsonString(p["Targets"]), "Events")
		}
		if p["ScheduleExpression"] == digest.Schedule {
			schedule = strings.Contains(jsonString(p["Targets"]), "DeadLetterConfig")
		}
	}
	if !pattern || !schedule {
		t.Errorf("rules: bucket events to the queue %v, hourly schedule with dead letters %v", pattern, schedule)
	}
	var code string
	for _, f := range resources(tmpl, "AWS::Lambda::Function") {
		if c, ok := asMap(props(f)["Code"])["ZipFile"].(string); ok && strings.Contains(c, "digestKey") {
			code = c
			env := jsonString(props(f)["Environment"])
			for _, v := range []string{"BUCKET", "QUEUE_URL", "KEY_ID"} {
				if !strings.Contains(env, v) {
					t.Errorf("the digester's environment has no %s: %s", v, env)
				}
			}
		}
	}
	if code == "" || strings.Contains(code, "fake") || !strings.Contains(code, "const DIGEST_PREFIX = '"+archivelayout.DigestPrefix+"';") {
		t.Errorf("the digester's code is not shipped inline with the layout's prefix:\n%s", firstLines(code, 10))
	}
	var puts []string
	for _, p := range resources(tmpl, "AWS::IAM::Policy") {
		for _, st := range statements(asMap(props(p)["PolicyDocument"])) {
			if slices.Contains(asStrings(st["Action"]), "s3:PutObject") {
				puts = append(puts, jsonString(st["Resource"]))
			}
		}
	}
	if len(puts) != 1 || !strings.Contains(puts[0], "/"+archivelayout.DigestPrefix+"*") {
		t.Errorf("the digester may write %v, want only %s*", puts, archivelayout.DigestPrefix)
	}
	outputs := asMap(tmpl["Outputs"])
	found := false
	for name, o := range outputs {
		found = found || (strings.Contains(name, "SigningKeyArn") && strings.Contains(jsonString(o), "aws kms get-public-key"))
	}
	if !found {
		t.Errorf("no output names the signing key and how to get its public key: %v", outputs)
	}
	if msg := panicMessage(func() { digest.New(bareStack(), "D", &digest.Props{}) }); msg != "digest: Props.Bucket and Props.BucketKey are required" {
		t.Errorf("bad props: %q", msg)
	}
}
