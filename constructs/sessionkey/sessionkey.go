// Package sessionkey provides SessionKey: one customer-managed, multi-Region KMS key in the
// log-archive account that encrypts Session Manager session data between clients and instances
// for the whole organization, with a replica in every governed region. It replaces a key in every
// member account and region (a KMS key bills monthly whether used or not; see README "Cost").
//
// The key policy lets principals of the organization use the key only the way Session Manager
// does: the session-manager-plugin calls kms:GenerateDataKey and the SSM agent kms:Decrypt, both
// with the encryption context {aws:ssm:SessionId, aws:ssm:TargetId} (session-manager-plugin
// 1.2.677.0 src/encryption/kmsservice.go KMSGenerateDataKey; amazon-ssm-agent 3.3.1142.0
// agent/session/crypto/blockcipher.go UpdateEncryptionKey, which adds aws:ssm:RandomChallenge
// only for clients that acknowledge a challenge). Nothing else: no direct encryption, no
// decryption without a session context, nobody outside the organization.
//
// Feature flags: its output means the same with or without any (test/bare_test.go builds it both
// ways); @aws-cdk/core:target-partitions and @aws-cdk/aws-iam:minimizePolicies change only how the
// template is written (a literal partition, merged policy statements).
package sessionkey

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/constructs/orgkey"
)

// DefaultAliasName is the alias of the key and its replicas unless Props.AliasName says otherwise.
const DefaultAliasName = "alias/session-audit-session"

// ContextKeys are the encryption context keys every use of the key must carry.
var ContextKeys = []string{"aws:ssm:SessionId", "aws:ssm:TargetId"}

// ChallengeContextKey is the one further context key the SSM agent sends, and only to clients
// that acknowledge its random challenge (amazon-ssm-agent agent/session/crypto/blockcipher.go).
const ChallengeContextKey = "aws:ssm:RandomChallenge"

// Statement IDs of the key policy.
const (
	SidAdministration       = "AllowKeyAdministrationByLogArchiveAccount"
	SidSessionEncryption    = "AllowOrganizationSessionEncryption"
	SidOrganizationDescribe = "AllowOrganizationDescribeKey"
)

// Props configures a SessionKey.
type Props struct {
	// OrganizationID is the AWS Organizations ID whose principals may use the key. Required.
	OrganizationID *string
	// AliasName is the key's alias. Default: DefaultAliasName.
	AliasName *string
	// Description of the key. Default: "sessionaudit: encrypts Session Manager session data".
	Description *string
	// PendingWindow is the waiting period before a scheduled deletion. Default: 30 days.
	PendingWindow awscdk.Duration
	// RemovalPolicy applies when the key leaves the stack. Default: RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE (CloudFormation RetainExceptOnCreate).
	RemovalPolicy awscdk.RemovalPolicy
}

// Key is the primary multi-Region session key with rotation, an alias, the just-in-time
// node access tag and a key policy that admits only Session Manager's use by the organization.
//
// Where jsii needs a construct, pass its Construct field.
//
// Its fields: Construct, Key (the KMS key) and Alias.
type Key = orgkey.PrimaryKey

// New creates the primary SessionKey in the scope's stack (its account owns the key).
func New(scope constructs.Construct, id string, props *Props) *Key {
	if props == nil {
		props = &Props{}
	}
	orgkey.MustBeOrganizationID("sessionkey", "Props.OrganizationID", props.OrganizationID)
	// Tagged (orgkey.JustInTimeTagKey): once just-in-time node access is on, Systems Manager uses
	// only tagged session keys.
	return orgkey.NewPrimary(scope, id, orgkey.Primary{
		Policy:        policyDocument(props.OrganizationID, awscdk.Stack_Of(scope).Account()),
		AliasName:     orgkey.OrDefault(props.AliasName, DefaultAliasName),
		Description:   orgkey.OrDefault(props.Description, "sessionaudit: encrypts Session Manager session data"),
		PendingWindow: props.PendingWindow,
		RemovalPolicy: props.RemovalPolicy,
	})
}

// ReplicaProps configures a Replica.
type ReplicaProps struct {
	// PrimaryKeyArn is the ARN of the SessionKey to replicate (keylookup can resolve it). Required.
	PrimaryKeyArn *string
	// OrganizationID scopes the replica's key policy, as for the primary. Required.
	OrganizationID *string
	// AliasName is the replica's alias in its region. Default: DefaultAliasName.
	AliasName *string
	// Description of the replica. Default: as for SessionKey.
	Description *string
}

// Replica is a SessionKey replica in another region of the log-archive account: a session uses
// the key of its node's region. Same key ID, key policy, tag and alias name; retained on delete.
//
// Its fields: Construct, Key (the replica key) and Alias.
type Replica = orgkey.ReplicaKey

// NewReplica creates a Replica in the scope's stack region.
func NewReplica(scope constructs.Construct, id string, props *ReplicaProps) *Replica {
	if props == nil || props.PrimaryKeyArn == nil {
		invalid.Panic("sessionkey", "ReplicaProps.PrimaryKeyArn is required")
	}
	orgkey.MustBeOrganizationID("sessionkey", "ReplicaProps.OrganizationID", props.OrganizationID)
	return orgkey.NewReplica(scope, id, orgkey.Replica{
		PrimaryKeyArn: props.PrimaryKeyArn,
		Policy:        policyDocument(props.OrganizationID, awscdk.Stack_Of(scope).Account()),
		AliasName:     orgkey.OrDefault(props.AliasName, DefaultAliasName),
		Description:   orgkey.OrDefault(props.Description, "sessionaudit: encrypts Session Manager session data (replica)"),
	})
}

// PolicyStatements is the key policy of the primary and of every replica (it names no region):
//   - the owning account administers the key (IAM policies there decide who else in it may);
//   - principals of the organization may kms:GenerateDataKey and kms:Decrypt only with both
//     ContextKeys present and no context key other than ContextKeys and ChallengeContextKey
//     (KMS developer guide, "kms:EncryptionContextKeys": ForAllValues limits the keys, Null
//     requires each one). Cross-account, their own IAM policy must allow the call too;
//   - principals of the organization may describe it (keylookup resolves the alias in member
//     stacks, so their templates need no key ID).
func PolicyStatements(organizationID, account *string) []awsiam.PolicyStatement {
	present := map[string]any{}
	for _, k := range ContextKeys {
		present["kms:EncryptionContext:"+k] = "false"
	}
	allowed := append(append([]string{}, ContextKeys...), ChallengeContextKey)
	return []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidAdministration),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAccountPrincipal(account)},
			Actions:    jsii.Strings("kms:*"),
			Resources:  jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidSessionEncryption),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{
				"StringEquals":              map[string]any{"aws:PrincipalOrgID": organizationID},
				"Null":                      present,
				"ForAllValues:StringEquals": map[string]any{"kms:EncryptionContextKeys": allowed},
			},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidOrganizationDescribe),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("kms:DescribeKey"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": organizationID}},
		}),
	}
}

func policyDocument(organizationID, account *string) awsiam.PolicyDocument {
	statements := PolicyStatements(organizationID, account)
	return awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements})
}
