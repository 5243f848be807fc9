package logkey

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ReplicaProps configures a Replica.
type ReplicaProps struct {
	// PrimaryKeyArn is the ARN of the LogKey to replicate (keylookup can resolve it). Required.
	PrimaryKeyArn *string
	// OrganizationID scopes the replica's key policy, as for the primary. Required.
	OrganizationID *string
	// CentralBucketArn, when the bucket is in the replica's region. Default: none.
	CentralBucketArn *string
	// AliasName is the replica's alias in its region. Default: DefaultAliasName.
	AliasName *string
	// Description of the replica. Default: as for LogKey.
	Description *string
}

// Replica is a LogKey replica in another region of the log-archive account: CloudWatch Logs needs
// a key in the log group's own region. It carries the same key policy (for its own region), the
// same tag and the same alias name, and is retained on stack deletion.
type Replica struct {
	constructs.Construct
	// Key is the replica key.
	Key awskms.CfnReplicaKey
	// Alias is its alias.
	Alias awskms.CfnAlias
}

// NewReplica creates a Replica in the scope's stack region.
func NewReplica(scope constructs.Construct, id string, props *ReplicaProps) *Replica {
	if props == nil || props.PrimaryKeyArn == nil {
		panic("logkey: ReplicaProps.PrimaryKeyArn is required")
	}
	mustBeOrganizationID(props.OrganizationID)
	this := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(this)
	doc := policyDocument(stack, props.OrganizationID, props.CentralBucketArn, nil)
	key := awskms.NewCfnReplicaKey(this, jsii.String("Key"), &awskms.CfnReplicaKeyProps{
		PrimaryKeyArn: props.PrimaryKeyArn,
		KeyPolicy:     doc,
		Description:   orDefault(props.Description, "sessionaudit: encrypts Session Manager and RDP audit logs (replica)"),
		Tags:          &[]*awscdk.CfnTag{{Key: jsii.String(JustInTimeTagKey), Value: jsii.String("true")}},
	})
	key.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	alias := awskms.NewCfnAlias(this, jsii.String("Alias"), &awskms.CfnAliasProps{
		AliasName:   orDefault(props.AliasName, DefaultAliasName),
		TargetKeyId: key.AttrArn(),
	})
	return &Replica{Construct: this, Key: key, Alias: alias}
}
