// Package orgkey holds what sessionaudit's organization keys (logkey, sessionkey) share: a
// customer-managed, multi-Region KMS key with rotation, an alias and the just-in-time node access
// tag, retained on delete, and its replicas in other regions, each with the key policy its
// package writes. NewPrimary and NewReplica create a construct with the children "Key" and
// "Alias", the construct IDs both packages have always used.
//
// Feature flags: its output means the same with or without any (test/bare_test.go builds it both
// ways); @aws-cdk/core:target-partitions and @aws-cdk/aws-iam:minimizePolicies change only how the
// template is written (a literal partition, merged policy statements).
package orgkey

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/invalid"
)

// JustInTimeTagKey is the tag Systems Manager requires, with the value "true", on the keys of
// session encryption and RDP recording once just-in-time node access is on (Systems Manager user
// guide, "Update just-in-time node access session preferences": "You must tag the AWS KMS keys
// used for Session Manager encryption and RDP recording in just-in-time node access with the tag
// key SystemsManagerJustInTimeNodeAccessManaged and tag value true").
const JustInTimeTagKey = "SystemsManagerJustInTimeNodeAccessManaged"

// PrimaryKey is a primary multi-Region key with its alias.
//
// Where jsii needs a construct (a scope, awscdk.Stack_Of), pass its Construct field.
type PrimaryKey struct {
	// Construct is this construct in the tree: pass it where CDK takes a construct (a scope,
	// awscdk.Tags_Of, Node().AddDependency). The struct itself is not one, so that passing it does
	// not compile instead of failing in jsii at run time.
	Construct constructs.Construct
	// Key is the KMS key.
	Key awskms.Key
	// Alias is the key's alias.
	Alias awskms.Alias
}

// ReplicaKey is a replica of a multi-Region key in another region, with its alias.
type ReplicaKey struct {
	// Construct is this construct in the tree: pass it where CDK takes a construct (a scope,
	// awscdk.Tags_Of, Node().AddDependency). The struct itself is not one, so that passing it does
	// not compile instead of failing in jsii at run time.
	Construct constructs.Construct
	// Key is the replica key.
	Key awskms.CfnReplicaKey
	// Alias is its alias.
	Alias awskms.CfnAlias
}

// Primary describes a primary key.
type Primary struct {
	// Policy is the key policy. Required.
	Policy awsiam.PolicyDocument
	// AliasName of the key. Required.
	AliasName *string
	// Description of the key. Required.
	Description *string
	// PendingWindow before a scheduled deletion. Default: 30 days.
	PendingWindow awscdk.Duration
	// RemovalPolicy when the key leaves the stack. Default: RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE (CloudFormation RetainExceptOnCreate).
	RemovalPolicy awscdk.RemovalPolicy
}

// NewPrimary creates the key ("Key") and its alias ("Alias") in a new construct id of scope.
func NewPrimary(scope constructs.Construct, id string, p Primary) *PrimaryKey {
	this := constructs.NewConstruct(scope, jsii.String(id))
	removal := p.RemovalPolicy
	if removal == "" {
		removal = awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE
	}
	key := awskms.NewKey(this, jsii.String("Key"), &awskms.KeyProps{
		Description:       p.Description,
		EnableKeyRotation: jsii.Bool(true),
		MultiRegion:       jsii.Bool(true),
		PendingWindow:     p.PendingWindow,
		Policy:            p.Policy,
		RemovalPolicy:     removal,
	})
	awscdk.Tags_Of(key).Add(jsii.String(JustInTimeTagKey), jsii.String("true"), nil)
	alias := awskms.NewAlias(this, jsii.String("Alias"), &awskms.AliasProps{AliasName: p.AliasName, TargetKey: key})
	return &PrimaryKey{Construct: this, Key: key, Alias: alias}
}

// Replica describes a replica of a primary key in the scope's region.
type Replica struct {
	// PrimaryKeyArn of the key to replicate. Required.
	PrimaryKeyArn *string
	// Policy is the replica's key policy. Required.
	Policy awsiam.PolicyDocument
	// AliasName of the replica in its region. Required.
	AliasName *string
	// Description of the replica. Required.
	Description *string
}

// NewReplica creates the replica ("Key", retained on delete, tagged) and its alias ("Alias") in a
// new construct id of scope.
func NewReplica(scope constructs.Construct, id string, r Replica) *ReplicaKey {
	this := constructs.NewConstruct(scope, jsii.String(id))
	key := awskms.NewCfnReplicaKey(this, jsii.String("Key"), &awskms.CfnReplicaKeyProps{
		PrimaryKeyArn: r.PrimaryKeyArn,
		KeyPolicy:     r.Policy,
		Description:   r.Description,
		Tags:          &[]*awscdk.CfnTag{{Key: jsii.String(JustInTimeTagKey), Value: jsii.String("true")}},
	})
	key.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE, nil)
	alias := awskms.NewCfnAlias(this, jsii.String("Alias"), &awskms.CfnAliasProps{AliasName: r.AliasName, TargetKeyId: key.AttrArn()})
	return &ReplicaKey{Construct: this, Key: key, Alias: alias}
}

var organizationIDPattern = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)

// MustBeOrganizationID fails early, as aws-cdk-lib constructs do, on a literal that cannot be an
// organization ID ("<pkg>: <field> ..."); unresolved tokens are left to deploy time.
func MustBeOrganizationID(pkg, field string, id *string) {
	if id == nil || *id == "" {
		invalid.Panic(pkg, "%s is required", field)
	}
	if !*awscdk.Token_IsUnresolved(id) && !organizationIDPattern.MatchString(*id) {
		invalid.Panic(pkg, `%s must be "o-" followed by 10 to 32 lowercase letters or digits (got %q)`, field, *id)
	}
}

// OrDefault returns s, or def when s is nil or empty.
func OrDefault(s *string, def string) *string {
	if s == nil || *s == "" {
		return jsii.String(def)
	}
	return s
}

// ThroughS3 is the StringEquals condition under which a principal may use a key only through S3 in
// region and, when bucketArn is set, only for that bucket's objects: with an S3 Bucket Key, S3
// passes the bucket's ARN as the encryption context aws:s3:arn (S3 user guide, "Reducing the cost
// of SSE-KMS with Amazon S3 Bucket Keys", Changes to the encryption context). The one spelling of
// this condition for key policies and identity policies.
func ThroughS3(region, bucketArn *string) map[string]any {
	c := map[string]any{"kms:ViaService": jsii.String(fmt.Sprintf("s3.%s.amazonaws.com", *region))}
	if bucketArn != nil {
		c["kms:EncryptionContext:aws:s3:arn"] = bucketArn
	}
	return c
}
