package logbucket

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
)

// Statement IDs of the bucket policy, stable so that tests and reviewers can find each one.
// (The TLS-only statements come from awss3.Bucket's EnforceSSL and MinimumTLSVersion.)
const (
	SidDenyOutsideOrganization = "DenyPrincipalsOutsideOrganization"
	SidDenyForeignKeys         = "DenyObjectsNotEncryptedWithCentralKey"
	SidDenyReadDeleteByOthers  = "DenyReadListDeleteOutsideLogArchiveAccount"
	SidMemberWriteOwnPrefix    = "AllowOrganizationWriteOwnAccountPrefix"
	SidMemberAclOwnPrefix      = "AllowOrganizationOwnerFullControlAclOwnAccountPrefix"
	SidMemberReadBucketConfig  = "AllowOrganizationReadEncryptionConfig"
	SidGuiConnectWrite         = "AllowRdpRecordingOfOrganization"
)

// readDeleteActions are what only the log-archive account may do with stored logs.
var readDeleteActions = []string{
	"s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes",
	"s3:ListBucket", "s3:ListBucketVersions", "s3:ListMultipartUploadParts",
	"s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:PutObjectLegalHold",
	"s3:BypassGovernanceRetention", "s3:RestoreObject",
}

func policyStatements(bucket awss3.Bucket, p Props) []awsiam.PolicyStatement {
	org := p.OrganizationID
	account := awscdk.Stack_Of(bucket).Account()
	everything := jsii.Strings(*bucket.BucketArn(), *bucket.ArnForObjects(jsii.String("*")))
	anyone := &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()}
	ownPrefix := bucket.ArnForObjects(jsii.String(SessionManagerPrefix + "${aws:PrincipalAccount}/*"))
	return []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidDenyOutsideOrganization),
			Effect:     awsiam.Effect_DENY,
			Principals: anyone,
			Actions:    jsii.Strings("s3:*"),
			Resources:  everything,
			Conditions: &map[string]interface{}{
				"StringNotEqualsIfExists": map[string]interface{}{"aws:PrincipalOrgID": org},
				"BoolIfExists":            map[string]interface{}{"aws:PrincipalIsAWSService": "false"},
			},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidDenyForeignKeys),
			Effect:     awsiam.Effect_DENY,
			Principals: anyone,
			Actions:    jsii.Strings("s3:PutObject"),
			Resources:  jsii.Strings(*bucket.ArnForObjects(jsii.String("*"))),
			// Only requests that name a key are checked: ...IfExists would also deny every
			// upload that relies on the bucket's default encryption (no header).
			Conditions: &map[string]interface{}{
				"Null":            map[string]interface{}{"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"},
				"StringNotEquals": map[string]interface{}{"s3:x-amz-server-side-encryption-aws-kms-key-id": p.EncryptionKey.KeyArn()},
			},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidDenyReadDeleteByOthers),
			Effect:     awsiam.Effect_DENY,
			Principals: anyone,
			Actions:    jsii.Strings(readDeleteActions...),
			Resources:  everything,
			Conditions: &map[string]interface{}{
				"StringNotEquals": map[string]interface{}{"aws:PrincipalAccount": account},
			},
		}),
		// The SSM agent uploads with s3manager (PutObject, or multipart above 5 MiB, aborting its
		// own failed uploads) and x-amz-acl: bucket-owner-full-control (amazon-ssm-agent 3.3.1142.0
		// agent/s3util/s3util.go); see sessionprefs for the S3 documentation on the ACL header.
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidMemberWriteOwnPrefix),
			Principals: anyone,
			Actions:    jsii.Strings("s3:PutObject", "s3:AbortMultipartUpload"),
			Resources:  jsii.Strings(*ownPrefix),
			Conditions: &map[string]interface{}{
				"StringEquals": map[string]interface{}{"aws:PrincipalOrgID": org},
			},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidMemberAclOwnPrefix),
			Principals: anyone,
			Actions:    jsii.Strings("s3:PutObjectAcl"),
			Resources:  jsii.Strings(*ownPrefix),
			Conditions: &map[string]interface{}{
				"StringEquals": map[string]interface{}{"aws:PrincipalOrgID": org, "s3:x-amz-acl": "bucket-owner-full-control"},
			},
		}),
		// The agent reads the bucket's default encryption before each session and upload; it finds
		// the bucket's region from a HeadBucket response header, which a 403 carries too.
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidMemberReadBucketConfig),
			Principals: anyone,
			Actions:    jsii.Strings("s3:GetEncryptionConfiguration"),
			Resources:  jsii.Strings(*bucket.BucketArn()),
			Conditions: &map[string]interface{}{
				"StringEquals": map[string]interface{}{"aws:PrincipalOrgID": org},
			},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidGuiConnectWrite),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("ssm-guiconnect.amazonaws.com"), nil)},
			Actions:    jsii.Strings("s3:PutObject"),
			Resources:  jsii.Strings(*bucket.ArnForObjects(jsii.String("*"))),
			Conditions: &map[string]interface{}{
				"StringEquals": map[string]interface{}{"aws:SourceOrgID": org},
			},
		}),
	}
}
