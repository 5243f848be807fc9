package logkey

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/constructs/orgkey"
)

// ReplicaProps configures a Replica.
type ReplicaProps struct {
	// PrimaryKeyArn is the ARN of the LogKey to replicate (keylookup can resolve it). Required.
	PrimaryKeyArn *string
	// OrganizationID scopes the replica's key policy, as for the primary. Required.
	OrganizationID *string
	// CentralBucketArn, when the bucket is in the replica's region. Default: none.
	CentralBucketArn *string
	// WriterLogGroupName as for the primary (see PolicyProps). Default: none.
	WriterLogGroupName *string
	// AliasName is the replica's alias in its region. Default: DefaultAliasName.
	AliasName *string
	// Description of the replica. Default: as for LogKey.
	Description *string
}

// Replica is a LogKey replica in another region of the log-archive account: CloudWatch Logs needs
// a key in the log group's own region. It carries the same key policy (for its own region), the
// same tag and the same alias name, and is retained on stack deletion.
// Its fields: Construct, Key (the replica key) and Alias.
type Replica = orgkey.ReplicaKey

// NewReplica creates a Replica in the scope's stack region.
func NewReplica(scope constructs.Construct, id string, props *ReplicaProps) *Replica {
	if props == nil || props.PrimaryKeyArn == nil {
		invalid.Panic("logkey", "ReplicaProps.PrimaryKeyArn is required")
	}
	orgkey.MustBeOrganizationID("logkey", "ReplicaProps.OrganizationID", props.OrganizationID)
	return orgkey.NewReplica(scope, id, orgkey.Replica{
		PrimaryKeyArn: props.PrimaryKeyArn,
		Policy: policyDocument(awscdk.Stack_Of(scope), PolicyProps{
			OrganizationID: props.OrganizationID, CentralBucketArn: props.CentralBucketArn, WriterLogGroupName: props.WriterLogGroupName,
		}),
		AliasName:   orgkey.OrDefault(props.AliasName, DefaultAliasName),
		Description: orgkey.OrDefault(props.Description, "sessionaudit: encrypts Session Manager and RDP audit logs (replica)"),
	})
}
