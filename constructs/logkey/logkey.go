// Package logkey provides LogKey: the customer-managed, multi-Region KMS key that encrypts every
// session log of the organization, and the key policy shared by its primary and its replicas.
//
// Feature flags: its output means the same with or without any (test/bare_test.go builds it both
// ways); @aws-cdk/core:target-partitions and @aws-cdk/aws-iam:minimizePolicies change only how the
// template is written (a literal partition, merged policy statements).
package logkey

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/constructs/orgkey"
)

// DefaultAliasName is the alias LogKey creates unless Props.AliasName says otherwise.
const DefaultAliasName = "alias/session-audit"

// JustInTimeTagKey is the tag that RDP connection recording requires on its KMS key.
const JustInTimeTagKey = orgkey.JustInTimeTagKey

// Props configures a LogKey.
type Props struct {
	// OrganizationID is the AWS Organizations ID whose accounts and services may use the key.
	// Required.
	OrganizationID *string
	// CentralBucketArn is the ARN of the bucket this key encrypts. Principals of the organization
	// may generate data keys only through S3 and only for this bucket's encryption context.
	// It must not be a reference to the bucket's own attributes (the bucket refers to the key).
	// Default: no principal outside the key's account may use the key through S3.
	CentralBucketArn *string
	// LogGroupArnPattern limits which log groups CloudWatch Logs may encrypt with the key
	// (kms:EncryptionContext:aws:logs:arn, ArnLike).
	// Default: any log group in the key's region ("arn:<partition>:logs:<region>:*:log-group:*").
	LogGroupArnPattern *string
	// WriterLogGroupName is the log group name in every organization account whose principals may
	// write it with their own credentials through CloudWatch Logs (see PolicyProps). Default: none.
	WriterLogGroupName *string
	// AliasName is the key's alias. Default: DefaultAliasName.
	AliasName *string
	// Description of the key. Default: "sessionaudit: encrypts Session Manager and RDP audit logs".
	Description *string
	// PendingWindow is the waiting period before a scheduled deletion. Default: 30 days.
	PendingWindow awscdk.Duration
	// RemovalPolicy applies when the key leaves the stack. Default: RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE (CloudFormation RetainExceptOnCreate).
	RemovalPolicy awscdk.RemovalPolicy
}

// Key is a multi-Region customer-managed KMS key with rotation, an alias, the just-in-time
// node access tag and a least-privilege, organization-scoped key policy.
//
// Where jsii needs a construct (a scope, awscdk.Stack_Of), pass its Construct field.
type Key struct {
	// PrimaryKey holds Construct, Key (the KMS key) and Alias.
	*orgkey.PrimaryKey
}

// New creates a LogKey in the scope's stack (its account and region own the key).
func New(scope constructs.Construct, id string, props *Props) *Key {
	if props == nil {
		props = &Props{}
	}
	orgkey.MustBeOrganizationID("logkey", "Props.OrganizationID", props.OrganizationID)
	key := orgkey.NewPrimary(scope, id, orgkey.Primary{
		Policy: policyDocument(awscdk.Stack_Of(scope), PolicyProps{
			OrganizationID: props.OrganizationID, CentralBucketArn: props.CentralBucketArn,
			LogGroupArnPattern: props.LogGroupArnPattern, WriterLogGroupName: props.WriterLogGroupName,
		}),
		AliasName:     orgkey.OrDefault(props.AliasName, DefaultAliasName),
		Description:   orgkey.OrDefault(props.Description, "sessionaudit: encrypts Session Manager and RDP audit logs"),
		PendingWindow: props.PendingWindow,
		RemovalPolicy: props.RemovalPolicy,
	})
	return &Key{PrimaryKey: key}
}

// GrantEncryptThroughS3 lets a principal of the key's own account (a Firehose role, say) generate
// data keys only through S3 and only for the given bucket. It changes the principal's policy.
func (k *Key) GrantEncryptThroughS3(grantee awsiam.IGrantable, bucketArn *string) awsiam.Grant {
	return grantEncryptThroughS3(grantee, k.Key.KeyArn(), k.Key.Stack().Region(), bucketArn)
}

// GrantDecrypt lets a principal of the key's own account decrypt (auditors reading the archive).
// The key policy denies decryption to every principal outside that account.
func (k *Key) GrantDecrypt(grantee awsiam.IGrantable) awsiam.Grant {
	return k.Key.GrantDecrypt(grantee)
}

// Imported is a LogKey of another stack or app (FromKeyArn).
type Imported struct {
	// Key is the imported key.
	Key awskms.IKey
	// Region is the key's region (the region of S3 that may use it).
	Region *string
}

// FromKeyArn returns a grantable handle on a LogKey created elsewhere (its primary or a replica).
func FromKeyArn(scope constructs.Construct, id string, keyArn *string) *Imported {
	if keyArn == nil {
		invalid.Panic("logkey", "FromKeyArn needs a key ARN")
	}
	key := awskms.Key_FromKeyArn(scope, jsii.String(id), keyArn)
	return &Imported{Key: key, Region: awscdk.Arn_Split(keyArn, awscdk.ArnFormat_SLASH_RESOURCE_NAME).Region}
}

// GrantEncryptThroughS3 is Key.GrantEncryptThroughS3 on an imported key.
func (i *Imported) GrantEncryptThroughS3(grantee awsiam.IGrantable, bucketArn *string) awsiam.Grant {
	return grantEncryptThroughS3(grantee, i.Key.KeyArn(), i.Region, bucketArn)
}

func grantEncryptThroughS3(grantee awsiam.IGrantable, keyArn, region, bucketArn *string) awsiam.Grant {
	return awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("kms:GenerateDataKey"),
		ResourceArns: jsii.Strings(*keyArn),
		Conditions: &map[string]*map[string]interface{}{
			"StringEquals": ptr(orgkey.ThroughS3(region, bucketArn)),
		},
	})
}

func ptr[T any](v T) *T { return &v }
