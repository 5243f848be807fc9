package test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
	"github.com/sessionaudit/sessionaudit/constructs/inlinefn"
	"github.com/sessionaudit/sessionaudit/constructs/keylookup"
	"github.com/sessionaudit/sessionaudit/constructs/logbucket"
	"github.com/sessionaudit/sessionaudit/constructs/logforwarder"
	"github.com/sessionaudit/sessionaudit/constructs/loginnotifier"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/constructs/logprotect"
	"github.com/sessionaudit/sessionaudit/constructs/logreceiver"
	"github.com/sessionaudit/sessionaudit/constructs/sessionkey"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
)

// bareStack is an environment-agnostic stack in a fresh app with the project's feature flags.
func bareStack() awscdk.Stack {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(mustTempDir()), Context: &featureFlags})
	return awscdk.NewStack(app, jsii.String("Bare"), nil)
}

// panicMessage runs f and returns what it panicked with ("" if it did not).
func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

func TestConstructsRejectBadProps(t *testing.T) {
	tests := []struct {
		name string
		make func(s awscdk.Stack)
		want string
	}{
		{"guardrails without targets", func(s awscdk.Stack) { guardrails.New(s, "G", &guardrails.Props{}) },
			"guardrails: Props.TargetIds is required"},
		{"logkey without organization", func(s awscdk.Stack) { logkey.New(s, "K", &logkey.Props{}) },
			"logkey: Props.OrganizationID is required"},
		{"logkey bad organization", func(s awscdk.Stack) { logkey.New(s, "K", &logkey.Props{OrganizationID: jsii.String("o-BAD")}) },
			`logkey: Props.OrganizationID must be "o-" followed by 10 to 32 lowercase letters or digits (got "o-BAD")`},
		{"logbucket without key", func(s awscdk.Stack) { logbucket.New(s, "B", &logbucket.Props{OrganizationID: jsii.String(org)}) },
			"logbucket: Props.EncryptionKey is required"},
		{"logbucket bad lock mode", func(s awscdk.Stack) {
			k := logkey.New(s, "K", &logkey.Props{OrganizationID: jsii.String(org)})
			logbucket.New(s, "B", &logbucket.Props{OrganizationID: jsii.String(org), EncryptionKey: k.Key, ObjectLockMode: jsii.String("LEGAL")})
		}, `logbucket: Props.ObjectLockMode must be "GOVERNANCE", "COMPLIANCE" or "NONE" (got "LEGAL")`},
		{"logbucket retention out of range", func(s awscdk.Stack) {
			k := logkey.New(s, "K", &logkey.Props{OrganizationID: jsii.String(org)})
			logbucket.New(s, "B", &logbucket.Props{OrganizationID: jsii.String(org), EncryptionKey: k.Key, RetentionDays: jsii.Number(0)})
		}, "logbucket: Props.RetentionDays must be between 1 and 36500 (got 0)"},
		{"sessionprefs without bucket", func(s awscdk.Stack) { sessionprefs.New(s, "P", &sessionprefs.Props{LogKeyArn: jsii.String("k")}) },
			"sessionprefs: Props.CentralBucketName, Props.CentralBucketOwner required"},
		{"sessionprefs idle timeout", func(s awscdk.Stack) {
			sessionprefs.New(s, "P", prefsProps(func(p *sessionprefs.Props) { p.IdleSessionTimeout = jsii.Number(61) }))
		},
			"sessionprefs: Props.IdleSessionTimeout must be a whole number of minutes from 1 to 60 (got 61)"},
		{"sessionprefs retention", func(s awscdk.Stack) {
			sessionprefs.New(s, "P", prefsProps(func(p *sessionprefs.Props) { p.LogRetentionDays = jsii.Number(10) }))
		},
			"sessionprefs: Props.LogRetentionDays must be one of [1 3 5 7 14 30 60 90 120 150 180 365 400 545 731 1096 1827 2192 2557 2922 3288 3653] (got 10)"},
		{"sessionprefs run as", func(s awscdk.Stack) {
			sessionprefs.New(s, "P", prefsProps(func(p *sessionprefs.Props) { p.RunAsEnabled = jsii.Bool(true) }))
		},
			"sessionprefs: Props.RunAsDefaultUser is required when RunAsEnabled is true"},
		{"logprotect without log group", func(s awscdk.Stack) { logprotect.ProtectLogGroup(s, "Protect", nil, jsii.String("arn")) },
			`logprotect: ProtectLogGroup "Protect" needs the log group to protect`},
		{"logprotect without service token", func(s awscdk.Stack) {
			logprotect.ProtectLogGroup(s, "Protect", awslogs.NewLogGroup(s, jsii.String("G"), nil), nil)
		}, `logprotect: ProtectLogGroup "Protect" needs the service token of a function whose handler includes logprotect.Source`},
		{"keylookup alias", func(s awscdk.Stack) {
			keylookup.New(s, "L", &keylookup.Props{Account: jsii.String(archive), Region: jsii.String(home), AliasName: jsii.String("session-audit")})
		}, `keylookup: Props.AliasName must start with "alias/" (got "session-audit")`},
		{"keylookup shared across regions", func(s awscdk.Stack) {
			first := keylookup.New(s, "L", &keylookup.Props{Account: jsii.String(archive), Region: jsii.String(home), AliasName: jsii.String("alias/a")})
			keylookup.New(s, "M", &keylookup.Props{Account: jsii.String(archive), Region: jsii.String("us-east-1"), AliasName: jsii.String("alias/b"), SharedWith: first})
		}, `keylookup: Props.SharedWith may describe "arn:${Token[AWS.Partition.`},
		{"sessionkey bad organization", func(s awscdk.Stack) { sessionkey.New(s, "K", &sessionkey.Props{OrganizationID: jsii.String("o-BAD")}) },
			`sessionkey: Props.OrganizationID must be "o-" followed by 10 to 32 lowercase letters or digits (got "o-BAD")`},
		{"logreceiver compression", func(s awscdk.Stack) {
			logreceiver.New(s, "R", &logreceiver.Props{SourceRegions: []string{home}, BucketArn: jsii.String("arn:aws:s3:::b"), EncryptionKeyArn: jsii.String("arn:aws:kms:" + home + ":" + archive + ":key/k"), Compression: jsii.String("ZIP")})
		}, `logreceiver: Props.Compression must be "GZIP" or "UNCOMPRESSED" (got "ZIP")`},
		{"sender unknown way", func(s awscdk.Stack) {
			loginnotifier.NewSender(s, "S", &loginnotifier.SenderProps{BusArn: jsii.String(busArn), Ways: []string{"runCommand", "ssh"}})
		}, `loginnotifier: SenderProps.Ways[1] must be one of [instanceConnect instanceConnectEndpoint serialConsole runCommand ecsExec], once (got "ssh")`},
		{"sender way twice", func(s awscdk.Stack) {
			loginnotifier.NewSender(s, "S", &loginnotifier.SenderProps{BusArn: jsii.String(busArn), Ways: []string{"ecsExec", "ecsExec"}})
		}, `loginnotifier: SenderProps.Ways[1] must be one of [instanceConnect instanceConnectEndpoint serialConsole runCommand ecsExec], once (got "ecsExec")`},
		{"sender ignore pattern", func(s awscdk.Stack) {
			loginnotifier.NewSender(s, "S", &loginnotifier.SenderProps{BusArn: jsii.String(busArn), Sessions: true, IgnorePrincipals: []string{"arn:aws:iam::**:role/x"}})
		}, `loginnotifier: SenderProps.IgnorePrincipals[0] must be a non-empty EventBridge wildcard pattern without two * in a row (got "arn:aws:iam::**:role/x")`},
		{"sender ignore too long", func(s awscdk.Stack) {
			var many []string
			for i := 0; i < 40; i++ {
				many = append(many, fmt.Sprintf("arn:aws:iam::*:role/automation-role-number-%02d", i))
			}
			loginnotifier.NewSender(s, "S", &loginnotifier.SenderProps{BusArn: jsii.String(busArn), Sessions: true, IgnorePrincipals: many})
		}, "loginnotifier: SenderProps.IgnorePrincipals make an event pattern of "},
		{"inlinefn too large", func(s awscdk.Stack) {
			inlinefn.New(s, "F", &inlinefn.Props{Source: "const x = '" + strings.Repeat("x", inlinefn.MaxSourceBytes) + "';"})
		}, "inlinefn: inline code must be at most 4194304 bytes with its wrapper (got "},
		{"logforwarder bad pattern", func(s awscdk.Stack) {
			logforwarder.New(s, "F", &logforwarder.Props{LogGroupName: jsii.String("g"), DestinationArn: jsii.String("arn:aws:logs:us-east-1:1:destination:d"), FilterPattern: jsii.String(`{ $.a = 1`)})
		}, `logforwarder: Props.FilterPattern has an unclosed '{' (got "{ $.a = 1")`},
		{"logforwarder destination not an ARN", func(s awscdk.Stack) {
			logforwarder.New(s, "F", &logforwarder.Props{LogGroupName: jsii.String("g"), DestinationArn: jsii.String("session-audit"), FilterPattern: jsii.String(logforwarder.AllEvents)})
		}, `logforwarder: Props.DestinationArn must be an ARN (got "session-audit")`},
		{"logreceiver buffer", func(s awscdk.Stack) {
			logreceiver.New(s, "R", receiverProps(func(p *logreceiver.Props) { p.BufferSizeMiB = jsii.Number(5) }))
		}, "logreceiver: Props.BufferSizeMiB must be from 64 to 128 with dynamic partitioning (got 5)"},
		{"logreceiver freshness", func(s awscdk.Stack) {
			logreceiver.New(s, "R", receiverProps(func(p *logreceiver.Props) { p.DataFreshnessThreshold = awscdk.Duration_Hours(jsii.Number(24)) }))
		}, "logreceiver: Props.DataFreshnessThreshold must be from 5 minutes to under 24 hours (got 86400 seconds)"},
		{"logreceiver destination name", func(s awscdk.Stack) {
			logreceiver.NewDestination(s, "D", &logreceiver.DestinationProps{OrganizationID: jsii.String(org), DestinationName: jsii.String("a:b"), TargetArn: jsii.String("arn:aws:firehose:us-east-1:1:deliverystream/s")})
		}, `logreceiver: DestinationProps.DestinationName must be 1 to 512 characters without ':' or '*' (got "a:b")`},
		{"logreceiver no source regions", func(s awscdk.Stack) {
			logreceiver.New(s, "R", receiverProps(func(p *logreceiver.Props) { p.SourceRegions = nil }))
		}, "logreceiver: Props.SourceRegions, Props.BucketArn and Props.EncryptionKeyArn are required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := panicMessage(func() { tt.make(bareStack()) })
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// Tokens are never validated as literals: an organization ID from a parameter is accepted and
// lands in the policies as a reference.
func TestConstructsAcceptTokens(t *testing.T) {
	s := bareStack()
	orgParam := awscdk.NewCfnParameter(s, jsii.String("OrgId"), &awscdk.CfnParameterProps{Type: jsii.String("String")})
	days := awscdk.NewCfnParameter(s, jsii.String("Days"), &awscdk.CfnParameterProps{Type: jsii.String("Number")})
	if msg := panicMessage(func() {
		k := logkey.New(s, "K", &logkey.Props{OrganizationID: orgParam.ValueAsString()})
		logbucket.New(s, "B", &logbucket.Props{OrganizationID: orgParam.ValueAsString(), EncryptionKey: k.Key, RetentionDays: days.ValueAsNumber()})
	}); msg != "" {
		t.Fatalf("tokens rejected: %s", msg)
	}
	tmpl := assertions.Template_FromStack(s, nil)
	check(t, "org parameter in key policy", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), map[string]any{
			"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Sid":       logkey.SidGuiConnect,
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceOrgID": map[string]any{"Ref": "OrgId"}}},
			})})},
		})
	})
	check(t, "retention parameter in Object Lock", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
			"ObjectLockConfiguration": assertions.Match_ObjectLike(&map[string]any{
				"Rule": map[string]any{"DefaultRetention": map[string]any{"Mode": "GOVERNANCE", "Days": map[string]any{"Ref": "Days"}}},
			}),
		})
	})
}

func prefsProps(change func(p *sessionprefs.Props)) *sessionprefs.Props {
	p := &sessionprefs.Props{CentralBucketName: jsii.String(bucketName), CentralBucketOwner: jsii.String(archive), LogKeyArn: jsii.String("arn:aws:kms:us-east-1:222222222222:key/mrk-1")}
	change(p)
	return p
}

func receiverProps(change func(p *logreceiver.Props)) *logreceiver.Props {
	p := &logreceiver.Props{SourceRegions: []string{"us-east-1"}, BucketArn: jsii.String(bucketArn), EncryptionKeyArn: jsii.String("arn:aws:kms:us-east-1:222222222222:key/mrk-1")}
	change(p)
	return p
}

// The grants give exactly what their names say, with the key condition always attached: writing
// is s3:PutObject and s3:AbortMultipartUpload under the prefix and the key's GenerateDataKey and
// Decrypt only through S3 for this bucket (no Encrypt, ReEncrypt, retention, legal hold or tagging;
// actions appear sorted, as @aws-cdk/aws-iam:minimizePolicies writes them);
// reading is s3:GetObject and Decrypt through S3. A bucket of another stack grants the same.
func TestGrantHelpers(t *testing.T) {
	s := bareStack()
	k := logkey.New(s, "K", &logkey.Props{OrganizationID: jsii.String(org)})
	b := logbucket.New(s, "B", &logbucket.Props{OrganizationID: jsii.String(org), EncryptionKey: k.Key})
	imported := logbucket.FromAttributes(s, "Elsewhere", &logbucket.Attributes{
		BucketName: jsii.String(bucketName), KeyArn: jsii.String("arn:aws:kms:" + home + ":" + archive + ":key/mrk-1"), Region: jsii.String(home), Partition: jsii.String("aws"),
	})
	role := func(id string) awsiam.Role {
		return awsiam.NewRole(s, jsii.String(id), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("firehose.amazonaws.com"), nil)})
	}
	k.GrantEncryptThroughS3(role("Encrypter"), b.Bucket.BucketArn())
	b.GrantWritePrefix(role("Writer"), logbucket.CloudWatchPrefix)
	b.GrantReadPrefix(role("Reader"), logbucket.SessionManagerPrefix)
	imported.GrantWritePrefix(role("RemoteWriter"), logbucket.CloudWatchPrefix)
	logkey.FromKeyArn(s, "RemoteKey", jsii.String("arn:aws:kms:eu-west-1:"+archive+":key/mrk-2")).GrantEncryptThroughS3(role("RemoteEncrypter"), jsii.String("arn:aws:s3:::"+bucketName))
	tmpl := assertions.Template_FromStack(s, nil)
	bucketArn := map[string]any{"Fn::GetAtt": []any{"BBucket6C6993BB", "Arn"}}
	keyArn := map[string]any{"Fn::GetAtt": []any{"KKey82102253", "Arn"}}
	through := func(region, bucket any) map[string]any {
		return map[string]any{"StringEquals": map[string]any{"kms:ViaService": region, "kms:EncryptionContext:aws:s3:arn": bucket}}
	}
	localRegion := map[string]any{"Fn::Join": []any{"", []any{"s3.", map[string]any{"Ref": "AWS::Region"}, ".amazonaws.com"}}}
	objects := func(prefix string) map[string]any {
		return map[string]any{"Fn::Join": []any{"", []any{bucketArn, "/" + prefix + "*"}}}
	}
	for role, want := range map[string][]any{
		"Encrypter": {map[string]any{"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": keyArn, "Condition": through(localRegion, bucketArn)}},
		"Writer": {
			map[string]any{"Effect": "Allow", "Action": []any{"s3:AbortMultipartUpload", "s3:PutObject"}, "Resource": objects("cloudwatch/")},
			map[string]any{"Effect": "Allow", "Action": []any{"kms:Decrypt", "kms:GenerateDataKey"}, "Resource": keyArn, "Condition": through(localRegion, bucketArn)},
		},
		"Reader": {
			map[string]any{"Effect": "Allow", "Action": "s3:GetObject", "Resource": objects("session-manager/")},
			map[string]any{"Effect": "Allow", "Action": "kms:Decrypt", "Resource": keyArn, "Condition": through(localRegion, bucketArn)},
		},
		"RemoteEncrypter": {map[string]any{"Effect": "Allow", "Action": "kms:GenerateDataKey", "Resource": "arn:aws:kms:eu-west-1:" + archive + ":key/mrk-2",
			"Condition": through("s3.eu-west-1.amazonaws.com", "arn:aws:s3:::"+bucketName)}},
		"RemoteWriter": {
			map[string]any{"Effect": "Allow", "Action": []any{"s3:AbortMultipartUpload", "s3:PutObject"}, "Resource": "arn:aws:s3:::" + bucketName + "/cloudwatch/*"},
			map[string]any{"Effect": "Allow", "Action": []any{"kms:Decrypt", "kms:GenerateDataKey"}, "Resource": "arn:aws:kms:" + home + ":" + archive + ":key/mrk-1",
				"Condition": through("s3."+home+".amazonaws.com", "arn:aws:s3:::"+bucketName)},
		},
	} {
		check(t, role+" policy", func() {
			tmpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
				"Roles":          []any{map[string]any{"Ref": logicalIDIn(tmpl, "AWS::IAM::Role", role)}},
				"PolicyDocument": map[string]any{"Version": "2012-10-17", "Statement": want},
			})
		})
	}
}

// logicalIDIn is the logical ID of the resource of a type whose ID starts with prefix.
func logicalIDIn(tmpl assertions.Template, typ, prefix string) string {
	for id := range *tmpl.FindResources(jsii.String(typ), nil) {
		if strings.HasPrefix(id, prefix) {
			return id
		}
	}
	return ""
}

// Another app can point LoginNotifier at its own bus and topic.
func TestInboxReusesExistingBusAndTopic(t *testing.T) {
	s := bareStack()
	topicArn := "arn:aws:sns:eu-west-1:444444444444:security-inbox"
	loginnotifier.NewInbox(s, "Inbox", &loginnotifier.InboxProps{
		OrganizationID: jsii.String(org),
		BusName:        jsii.String("security"),
		Bus:            awsevents.EventBus_FromEventBusName(s, jsii.String("Bus"), jsii.String("security")),
		Topic:          awssns.Topic_FromTopicArn(s, jsii.String("Topic"), jsii.String(topicArn)),
		Emails:         []string{"soc@example.com"},
		BucketName:     jsii.String(bucketName),
	})
	tmpl := assertions.Template_FromStack(s, nil)
	for _, typ := range []string{"AWS::SNS::Topic", "AWS::Events::EventBus", "AWS::Events::EventBusPolicy", "AWS::KMS::Key"} {
		check(t, "creates no "+typ, func() { tmpl.ResourceCountIs(jsii.String(typ), jsii.Number(0)) })
	}
	check(t, "formatter publishes to the given topic", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
			"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{"TOPIC_ARN": topicArn})},
		})
	})
	check(t, "rules are on the given bus", func() {
		tmpl.AllResourcesProperties(jsii.String("AWS::Events::Rule"), map[string]any{"EventBusName": "security"})
	})
	check(t, "e-mail subscribes to the given topic", func() {
		tmpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{"TopicArn": topicArn, "Protocol": "email", "Endpoint": "soc@example.com"})
	})
}
