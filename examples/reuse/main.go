// Command reuse is an example of a CDK app of its own that uses sessionaudit's constructs without
// sessionaudit's stacks, config or feature flags: an archive (LogKey and CentralLogBucket) in one
// stack; Session Manager preferences, a log forwarder and the notification inbox with the app's
// own topic in another. `make test` synthesizes it (examples/reuse/main_test.go checks it).
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/logbucket"
	"github.com/sessionaudit/sessionaudit/constructs/logforwarder"
	"github.com/sessionaudit/sessionaudit/constructs/loginnotifier"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
)

const (
	organization = "o-a1b2c3d4e5"
	archive      = "123456789012"
	region       = "eu-west-1"
	bucketName   = "example-session-logs-123456789012-eu-west-1"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	NewArchive(app)
	NewWorkload(app)
	app.Synth(nil)
}

// NewArchive is the archive: the log key and the central bucket.
func NewArchive(scope constructs.Construct) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String("Archive"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String(archive), Region: jsii.String(region)}})
	key := logkey.New(stack, "LogKey", &logkey.Props{
		OrganizationID:   jsii.String(organization),
		CentralBucketArn: jsii.String("arn:aws:s3:::" + bucketName),
	})
	logbucket.New(stack, "CentralLogBucket", &logbucket.Props{
		OrganizationID: jsii.String(organization),
		EncryptionKey:  key.Key,
		BucketName:     jsii.String(bucketName),
	})
	return stack
}

// NewWorkload is a workload account's logging and the team's own notification topic.
func NewWorkload(scope constructs.Construct) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String("Workload"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("210987654321"), Region: jsii.String(region)}})
	prefs := sessionprefs.New(stack, "SessionPreferences", &sessionprefs.Props{
		CentralBucketName:   jsii.String(bucketName),
		CentralBucketOwner:  jsii.String(archive),
		CentralBucketRegion: jsii.String(region),
		LogKeyArn:           jsii.String("arn:aws:kms:" + region + ":" + archive + ":key/mrk-0123456789abcdef0123456789abcdef"),
		RdpRecording:        jsii.Bool(false),
	})
	logforwarder.New(stack, "SessionLogForwarder", &logforwarder.Props{
		LogGroupName:   prefs.LogGroup.LogGroupName(),
		DestinationArn: jsii.String("arn:aws:logs:" + region + ":" + archive + ":destination:example"),
		FilterPattern:  jsii.String(logforwarder.AllEvents),
	})
	topic := awssns.NewTopic(stack, jsii.String("TeamTopic"), nil)
	loginnotifier.NewInbox(stack, "Inbox", &loginnotifier.InboxProps{
		OrganizationID: jsii.String(organization),
		BusName:        jsii.String("example-sessions"),
		Topic:          topic,
		BucketName:     jsii.String(bucketName),
	})
	return stack
}
