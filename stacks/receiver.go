package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/keylookup"
	"github.com/sessionaudit/sessionaudit/constructs/loginnotifier"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/constructs/logreceiver"
)

// Receiver is a SessionAudit-Receiver-<region> stack: the log-archive account's resources in one
// governed region: the receiving end of log forwarding (destination, Firehose stream into the
// central bucket) and, outside the home region, the LogKey replica that the member log groups of
// that region are encrypted with.
type Receiver struct {
	awscdk.Stack
	// PrimaryKey resolves the home region's LogKey alias to the key ARN at deploy time.
	PrimaryKey *keylookup.KeyLookup
	// KeyReplica is the LogKey replica of this region; nil in the home region.
	KeyReplica *logkey.Replica
	// LogReceiver is the destination and its Firehose stream.
	LogReceiver *logreceiver.LogReceiver
	// AlarmSender forwards the delivery alarms to the central bus, to be announced.
	AlarmSender *loginnotifier.Sender
}

// NewReceiver creates the receiver stack of a governed region.
func NewReceiver(scope constructs.Construct, c config.Config, region string) *Receiver {
	stack := awscdk.NewStack(scope, jsii.String(ReceiverStackName(region)), &awscdk.StackProps{
		Env:                   &awscdk.Environment{Account: jsii.String(c.LogArchiveAccountID), Region: jsii.String(region)},
		TerminationProtection: jsii.Bool(true),
		Description:           jsii.String("sessionaudit: log-archive resources of region " + region + " (log destination, Firehose, LogKey replica)"),
	})
	primary := keylookup.New(stack, "PrimaryLogKey", &keylookup.Props{
		Account:   jsii.String(c.LogArchiveAccountID),
		Region:    jsii.String(c.HomeRegion),
		AliasName: jsii.String(logkey.DefaultAliasName),
	})
	r := &Receiver{Stack: stack, PrimaryKey: primary}
	regionalKey := primary.KeyArn
	if region != c.HomeRegion {
		r.KeyReplica = logkey.NewReplica(stack, "LogKeyReplica", &logkey.ReplicaProps{
			PrimaryKeyArn:  primary.KeyArn,
			OrganizationID: jsii.String(c.OrganizationID),
		})
		regionalKey = r.KeyReplica.Key.AttrArn()
		awscdk.NewCfnOutput(stack, jsii.String("LogKeyReplicaArn"), &awscdk.CfnOutputProps{
			Value: r.KeyReplica.Key.AttrArn(), Description: jsii.String("ARN of the LogKey replica in " + region),
		})
	}
	r.LogReceiver = logreceiver.New(stack, "LogReceiver", &logreceiver.Props{
		OrganizationID:   jsii.String(c.OrganizationID),
		DestinationName:  jsii.String(DestinationName),
		BucketArn:        jsii.String(CentralBucketArn(*stack.Partition(), c)),
		BucketRegion:     jsii.String(c.HomeRegion),
		EncryptionKeyArn: primary.KeyArn,
		LogKeyArn:        regionalKey,
		AlarmNamePrefix:  jsii.String(AlarmNamePrefix),
	})
	r.AlarmSender = loginnotifier.NewSender(stack, "AlarmSender", &loginnotifier.SenderProps{
		BusArn:          jsii.String(BusArn(*stack.Partition(), c)),
		AlarmNamePrefix: AlarmNamePrefix,
	})
	awscdk.NewCfnOutput(stack, jsii.String("DestinationArn"), &awscdk.CfnOutputProps{
		Value: r.LogReceiver.DestinationArn, Description: jsii.String("CloudWatch Logs destination for subscription filters in " + region),
	})
	return r
}
