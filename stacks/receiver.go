package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/keylookup"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/constructs/logreceiver"
	"github.com/sessionaudit/sessionaudit/constructs/sessionkey"
)

// Receiver is a SessionAudit-Receiver-<region> stack: the log-archive account's resources in one
// governed region: the CloudWatch Logs destination that member log groups of the region subscribe
// to (it puts their records into this region's Firehose stream in the home region, see package
// logreceiver) and, outside the home region, the LogKey replica that the member log groups of that
// region are encrypted with and the SessionKey replica that the region's sessions use.
type Receiver struct {
	// Stack is the CDK stack: pass it where CDK takes a construct or a stack.
	Stack awscdk.Stack
	// PrimaryKey resolves the home region's LogKey alias to the key ARN at deploy time; nil in the
	// home region.
	PrimaryKey *keylookup.Lookup
	// KeyReplica is the LogKey replica of this region; nil in the home region.
	KeyReplica *logkey.Replica
	// PrimarySessionKey resolves the home region's SessionKey alias; nil in the home region and
	// unless session.encryptionKey is "organization".
	PrimarySessionKey *keylookup.Lookup
	// SessionKeyReplica is the SessionKey replica of this region; nil when PrimarySessionKey is.
	SessionKeyReplica *sessionkey.Replica
	// Destination is the organization-scoped CloudWatch Logs destination of this region.
	Destination *logreceiver.Destination
}

// NewReceiver creates the receiver stack of a governed region. It depends on the log-archive
// stack, whose Firehose streams its destination targets.
func NewReceiver(scope constructs.Construct, c config.Config, region string, archive *LogArchive) *Receiver {
	stack := newProtectedStack(scope, c, ReceiverStackName(region), c.LogArchiveAccountID, region,
		"sessionaudit: log-archive resources of region "+region+" (log destination, LogKey replica)")
	stack.AddStackDependency(archive.Stack, jsii.String("the destination targets a Firehose stream of the log-archive stack"))
	r := &Receiver{Stack: stack}
	if region != c.HomeRegion {
		r.PrimaryKey = keylookup.New(stack, "PrimaryLogKey", &keylookup.Props{
			Account:   jsii.String(c.LogArchiveAccountID),
			Region:    jsii.String(c.HomeRegion),
			AliasName: jsii.String(logkey.DefaultAliasName),
		})
		r.KeyReplica = logkey.NewReplica(stack, "LogKeyReplica", &logkey.ReplicaProps{
			PrimaryKeyArn:      r.PrimaryKey.KeyArn,
			OrganizationID:     jsii.String(c.OrganizationID),
			WriterLogGroupName: jsii.String(SessionLogGroupOfCaller),
		})
		awscdk.NewCfnOutput(stack, jsii.String("LogKeyReplicaArn"), &awscdk.CfnOutputProps{
			Value: r.KeyReplica.Key.AttrArn(), Description: jsii.String("ARN of the LogKey replica in " + region),
		})
	}
	if region != c.HomeRegion && c.Session.EncryptionKey == config.SessionKeyOrganization {
		r.PrimarySessionKey = keylookup.New(stack, "PrimarySessionKey", &keylookup.Props{
			Account:    jsii.String(c.LogArchiveAccountID),
			Region:     jsii.String(c.HomeRegion),
			AliasName:  jsii.String(sessionkey.DefaultAliasName),
			SharedWith: r.PrimaryKey,
		})
		r.SessionKeyReplica = sessionkey.NewReplica(stack, "SessionKeyReplica", &sessionkey.ReplicaProps{
			PrimaryKeyArn:  r.PrimarySessionKey.KeyArn,
			OrganizationID: jsii.String(c.OrganizationID),
		})
		awscdk.NewCfnOutput(stack, jsii.String("SessionKeyReplicaArn"), &awscdk.CfnOutputProps{
			Value: r.SessionKeyReplica.Key.AttrArn(), Description: jsii.String("ARN of the session key replica in " + region),
		})
	}
	r.Destination = logreceiver.NewDestination(stack, "Destination", &logreceiver.DestinationProps{
		OrganizationID:  jsii.String(c.OrganizationID),
		DestinationName: jsii.String(DestinationName),
		TargetArn:       jsii.String(StreamArn(*stack.Partition(), region, c)),
	})
	awscdk.NewCfnOutput(stack, jsii.String("DestinationArn"), &awscdk.CfnOutputProps{
		Value: r.Destination.DestinationArn, Description: jsii.String("CloudWatch Logs destination for subscription filters in " + region),
	})
	return r
}
