package logkey

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/orgkey"
)

// PolicyProps describes the key whose policy PolicyStatements builds: a primary LogKey or one of
// its replicas (each replica has its own key policy and region).
type PolicyProps struct {
	// OrganizationID scopes every non-account principal. Required.
	OrganizationID *string
	// Account is the log-archive account that owns and administers the key. Required.
	Account *string
	// Region is the key's region; CloudWatch Logs and S3 of this region may use it. Required.
	Region *string
	// Partition of the key's region. Default: the AWS::Partition pseudo parameter.
	Partition *string
	// CentralBucketArn, when set, lets organization principals generate data keys through S3 for
	// this bucket only. Default: no such statement.
	CentralBucketArn *string
	// LogGroupArnPattern limits the log groups CloudWatch Logs may encrypt.
	// Default: every log group of Region.
	LogGroupArnPattern *string
}

// Statement IDs of the key policy, stable so that tests and reviewers can find each one.
const (
	SidAdministration        = "AllowKeyAdministrationByLogArchiveAccount"
	SidCloudWatchLogs        = "AllowCloudWatchLogsOfOrganization"
	SidGuiConnect            = "AllowRdpRecordingOfOrganization"
	SidOrganizationS3        = "AllowOrganizationUseThroughS3ForCentralBucket"
	SidOrganizationGrant     = "AllowOrganizationGrantsForAWSResources"
	SidOrganizationDescribe  = "AllowOrganizationDescribeKey"
	SidDenyOutsideDecryption = "DenyDecryptOutsideLogArchiveAccount"
	SidDenyOtherContexts     = "DenyDecryptOfOtherBucketsOutsideLogArchiveAccount"
)

// PolicyStatements returns the least-privilege key policy of a LogKey or its replica:
//   - the log-archive account administers the key (IAM policies in that account decide who may use it);
//   - logs.<region>.amazonaws.com may use it only for log groups of the organization
//     (aws:SourceOrgID) and only with a log group encryption context;
//   - ssm-guiconnect.amazonaws.com may generate data keys and create grants only for the organization;
//   - organization principals may generate data keys and decrypt only through S3 of the key's
//     region, only for the central bucket (when CentralBucketArn is set): S3 decrypts the data key
//     of a multipart upload for every part;
//   - organization principals may create grants only for AWS resources (kms:GrantIsForAWSResource):
//     starting a recorded RDP connection makes Systems Manager create a grant in the user's name;
//   - organization principals may describe the key (keylookup resolves the alias to the key ARN,
//     so member templates need no key ID);
//   - nobody outside the log-archive account, other than AWS services, may decrypt, except through
//     S3 for the central bucket (which itself denies reading objects to every other account).
func PolicyStatements(p *PolicyProps) []awsiam.PolicyStatement {
	org := p.OrganizationID
	logGroups := p.LogGroupArnPattern
	partition := p.Partition
	if partition == nil {
		partition = awscdk.Aws_PARTITION()
	}
	if logGroups == nil {
		logGroups = jsii.String(fmt.Sprintf("arn:%s:logs:%s:*:log-group:*", *partition, *p.Region))
	}
	statements := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidAdministration),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAccountPrincipal(p.Account)},
			Actions:    jsii.Strings("kms:*"),
			Resources:  jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidCloudWatchLogs),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(fmt.Sprintf("logs.%s.amazonaws.com", *p.Region)), nil)},
			Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]interface{}{
				"StringEquals": map[string]interface{}{"aws:SourceOrgID": org},
				"ArnLike":      map[string]interface{}{"kms:EncryptionContext:aws:logs:arn": logGroups},
			},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidGuiConnect),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("ssm-guiconnect.amazonaws.com"), nil)},
			Actions:    jsii.Strings("kms:GenerateDataKey", "kms:CreateGrant"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]interface{}{
				"StringEquals": map[string]interface{}{"aws:SourceOrgID": org},
			},
		}),
	}
	outside := func() map[string]interface{} {
		return map[string]interface{}{
			"StringNotEquals": map[string]interface{}{"aws:PrincipalAccount": p.Account},
			"BoolIfExists":    map[string]interface{}{"aws:PrincipalIsAWSService": "false"},
		}
	}
	denyDirect := outside()
	if p.CentralBucketArn != nil {
		// S3 "Uploading and copying objects using multipart upload": with SSE-KMS the uploader needs
		// kms:Decrypt as well as kms:GenerateDataKey, because S3 decrypts the data key for every part.
		// The SSM agent uploads transcripts over 5 MiB in parts (amazon-ssm-agent agent/s3util).
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidOrganizationS3),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]interface{}{
				"StringEquals": withOrganization(orgkey.ThroughS3(p.Region, p.CentralBucketArn), org),
			},
		}))
		denyDirect["StringNotEquals"].(map[string]interface{})["kms:ViaService"] = orgkey.ThroughS3(p.Region, nil)["kms:ViaService"]
	}
	statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		// "Recording RDP connections" (Systems Manager user guide): users who start a recorded
		// connection need kms:CreateGrant on the recording key; Systems Manager creates the grant
		// for its own use, so only grants for AWS resources are allowed.
		Sid:        jsii.String(SidOrganizationGrant),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:PrincipalOrgID": org},
			"Bool":         map[string]interface{}{"kms:GrantIsForAWSResource": "true"},
		},
	}), awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String(SidOrganizationDescribe),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:DescribeKey"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:PrincipalOrgID": org},
		},
	}), awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String(SidDenyOutsideDecryption),
		Effect:     awsiam.Effect_DENY,
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:Decrypt", "kms:ReEncryptFrom"),
		Resources:  jsii.Strings("*"),
		Conditions: &denyDirect,
	}))
	if p.CentralBucketArn != nil {
		// Through S3, only the central bucket's objects (a deny cannot be widened by any allow).
		denyOthers := outside()
		denyOthers["StringNotEquals"].(map[string]interface{})["kms:EncryptionContext:aws:s3:arn"] = p.CentralBucketArn
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidDenyOtherContexts),
			Effect:     awsiam.Effect_DENY,
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("kms:Decrypt", "kms:ReEncryptFrom"),
			Resources:  jsii.Strings("*"),
			Conditions: &denyOthers,
		}))
	}
	return statements
}

// policyDocument is the key policy of a key (primary or replica) in stack's account and region.
func policyDocument(stack awscdk.Stack, organizationID, centralBucketArn, logGroupArnPattern *string) awsiam.PolicyDocument {
	statements := PolicyStatements(&PolicyProps{
		OrganizationID:     organizationID,
		Account:            stack.Account(),
		Region:             stack.Region(),
		Partition:          stack.Partition(),
		CentralBucketArn:   centralBucketArn,
		LogGroupArnPattern: logGroupArnPattern,
	})
	return awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements})
}

// withOrganization adds aws:PrincipalOrgID to a StringEquals condition.
func withOrganization(c map[string]any, org *string) map[string]any {
	c["aws:PrincipalOrgID"] = org
	return c
}
