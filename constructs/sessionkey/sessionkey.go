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
package sessionkey

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/logkey"
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
	// RemovalPolicy applies when the key leaves the stack. Default: RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
}

// SessionKey is the primary multi-Region session key with rotation, an alias, the just-in-time
// node access tag and a key policy that admits only Session Manager's use by the organization.
//
// Where jsii needs a construct, pass its Construct field.
type SessionKey struct {
	constructs.Construct
	// Key is the KMS key.
	Key awskms.Key
	// Alias is the key's alias.
	Alias awskms.Alias
}

var organizationIDPattern = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)

// New creates the primary SessionKey in the scope's stack (its account owns the key).
func New(scope constructs.Construct, id string, props *Props) *SessionKey {
	if props == nil {
		props = &Props{}
	}
	mustBeOrganizationID(props.OrganizationID)
	this := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(this)
	removal := props.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	statements := PolicyStatements(props.OrganizationID, stack.Account())
	key := awskms.NewKey(this, jsii.String("Key"), &awskms.KeyProps{
		Description:       orDefault(props.Description, "sessionaudit: encrypts Session Manager session data"),
		EnableKeyRotation: jsii.Bool(true),
		MultiRegion:       jsii.Bool(true),
		PendingWindow:     props.PendingWindow,
		Policy:            awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements}),
		RemovalPolicy:     removal,
	})
	// Systems Manager user guide, "Update just-in-time node access session preferences": "You must
	// tag the AWS KMS keys used for Session Manager encryption and RDP recording in just-in-time
	// node access with the tag key SystemsManagerJustInTimeNodeAccessManaged and tag value true".
	awscdk.Tags_Of(key).Add(jsii.String(logkey.JustInTimeTagKey), jsii.String("true"), nil)
	alias := awskms.NewAlias(this, jsii.String("Alias"), &awskms.AliasProps{
		AliasName: orDefault(props.AliasName, DefaultAliasName),
		TargetKey: key,
	})
	return &SessionKey{Construct: this, Key: key, Alias: alias}
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
		panic("sessionkey: ReplicaProps.PrimaryKeyArn is required")
	}
	mustBeOrganizationID(props.OrganizationID)
	this := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(this)
	statements := PolicyStatements(props.OrganizationID, stack.Account())
	key := awskms.NewCfnReplicaKey(this, jsii.String("Key"), &awskms.CfnReplicaKeyProps{
		PrimaryKeyArn: props.PrimaryKeyArn,
		KeyPolicy:     awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements}),
		Description:   orDefault(props.Description, "sessionaudit: encrypts Session Manager session data (replica)"),
		Tags:          &[]*awscdk.CfnTag{{Key: jsii.String(logkey.JustInTimeTagKey), Value: jsii.String("true")}},
	})
	key.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	alias := awskms.NewCfnAlias(this, jsii.String("Alias"), &awskms.CfnAliasProps{
		AliasName:   orDefault(props.AliasName, DefaultAliasName),
		TargetKeyId: key.AttrArn(),
	})
	return &Replica{Construct: this, Key: key, Alias: alias}
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

func orDefault(s *string, def string) *string {
	if s == nil || *s == "" {
		return jsii.String(def)
	}
	return s
}

// mustBeOrganizationID fails early on a literal that cannot be an organization ID; unresolved
// tokens are left to deploy time.
func mustBeOrganizationID(id *string) {
	if id == nil || *id == "" {
		panic("sessionkey: Props.OrganizationID is required")
	}
	if !*awscdk.Token_IsUnresolved(id) && !organizationIDPattern.MatchString(*id) {
		panic(fmt.Sprintf(`sessionkey: Props.OrganizationID must be "o-" followed by 10 to 32 lowercase letters or digits (got %q)`, *id))
	}
}
