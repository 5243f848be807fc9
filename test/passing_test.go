package test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
	"github.com/sessionaudit/sessionaudit/constructs/inlinefn"
	"github.com/sessionaudit/sessionaudit/constructs/keylookup"
	"github.com/sessionaudit/sessionaudit/constructs/logbucket"
	"github.com/sessionaudit/sessionaudit/constructs/logforwarder"
	"github.com/sessionaudit/sessionaudit/constructs/loginnotifier"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/constructs/logreceiver"
	"github.com/sessionaudit/sessionaudit/constructs/orgkey"
	"github.com/sessionaudit/sessionaudit/constructs/sessionkey"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// Passing a sessionaudit construct where CDK takes a construct used to compile and then panic in
// jsii ("… is embedded in *logkey.LogKey … but was already assigned"). The structs are no longer
// constructs themselves, so that mistake does not compile; their Construct (or Stack) field is.
func TestConstructStructsAreNotConstructs(t *testing.T) {
	iconstruct := reflect.TypeOf((*constructs.IConstruct)(nil)).Elem()
	for _, v := range []any{
		&logkey.Key{}, &sessionkey.Key{}, &orgkey.ReplicaKey{}, &logbucket.CentralLogBucket{}, &logbucket.Imported{},
		&sessionprefs.Preferences{}, &logforwarder.Forwarder{}, &logreceiver.Receiver{}, &logreceiver.Destination{},
		&loginnotifier.Sender{}, &loginnotifier.Inbox{}, &keylookup.Lookup{}, &inlinefn.Function{}, &archivesearch.Search{},
		&guardrails.Policies{}, &stacks.LogArchive{}, &stacks.Member{}, &stacks.Receiver{}, &stacks.MemberStackSet{},
		&stacks.SignIn{}, &stacks.Forwarders{}, &stacks.Guardrails{},
	} {
		if reflect.TypeOf(v).Implements(iconstruct) {
			t.Errorf("%T implements constructs.IConstruct: passing it to CDK would compile and fail in jsii", v)
		}
	}
}

// Their Construct field works wherever CDK takes a construct: tags, dependencies, scopes.
func TestConstructFieldWorksWithCDK(t *testing.T) {
	s := bareStack()
	key := logkey.New(s, "K", &logkey.Props{OrganizationID: jsii.String(org)})
	bucket := logbucket.New(s, "B", &logbucket.Props{OrganizationID: jsii.String(org), EncryptionKey: key.Key})
	awscdk.Tags_Of(key.Construct).Add(jsii.String("team"), jsii.String("security"), nil)
	bucket.Bucket.Node().AddDependency(key.Construct)
	awscdk.NewCfnWaitConditionHandle(bucket.Construct, jsii.String("Child"), nil)
	tmpl := assertions.Template_FromStack(s, nil)
	check(t, "tag on the key", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{
			"Tags": assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "team", "Value": "security"}}),
		})
	})
	buckets := tmpl.FindResources(jsii.String("AWS::S3::Bucket"), nil)
	found := false
	for id, b := range *buckets {
		if strings.HasPrefix(id, "BBucket") {
			found = strings.Contains(jsonString((*b)["DependsOn"]), "KKey")
		}
	}
	if !found {
		t.Error("the bucket does not depend on the key")
	}
	if len(*tmpl.FindResources(jsii.String("AWS::CloudFormation::WaitConditionHandle"), nil)) != 1 {
		t.Error("no child under the bucket's Construct")
	}
}
