package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/keylookup"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
)

// Receiver is a SessionAudit-Receiver-<region> stack: the log-archive account's resources in one
// governed region other than the home region. It holds the LogKey replica that the member log
// groups of that region are encrypted with.
type Receiver struct {
	awscdk.Stack
	// PrimaryKey resolves the home region's LogKey alias to the key ARN at deploy time.
	PrimaryKey *keylookup.KeyLookup
	// KeyReplica is the LogKey replica of this region.
	KeyReplica *logkey.Replica
}

// NewReceiver creates the receiver stack of region (not the home region).
func NewReceiver(scope constructs.Construct, c config.Config, region string) *Receiver {
	stack := awscdk.NewStack(scope, jsii.String(ReceiverStackName(region)), &awscdk.StackProps{
		Env:                   &awscdk.Environment{Account: jsii.String(c.LogArchiveAccountID), Region: jsii.String(region)},
		TerminationProtection: jsii.Bool(true),
		Description:           jsii.String("sessionaudit: log-archive resources of region " + region + " (LogKey replica)"),
	})
	primary := keylookup.New(stack, "PrimaryLogKey", &keylookup.Props{
		Account:   jsii.String(c.LogArchiveAccountID),
		Region:    jsii.String(c.HomeRegion),
		AliasName: jsii.String(logkey.DefaultAliasName),
	})
	replica := logkey.NewReplica(stack, "LogKeyReplica", &logkey.ReplicaProps{
		PrimaryKeyArn:  primary.KeyArn,
		OrganizationID: jsii.String(c.OrganizationID),
	})
	awscdk.NewCfnOutput(stack, jsii.String("LogKeyReplicaArn"), &awscdk.CfnOutputProps{
		Value: replica.Key.AttrArn(), Description: jsii.String("ARN of the LogKey replica in " + region),
	})
	return &Receiver{Stack: stack, PrimaryKey: primary, KeyReplica: replica}
}
