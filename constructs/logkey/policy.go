package logkey

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
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
	SidOrganizationS3        = "AllowOrganizationEncryptThroughS3ForCentralBucket"
	SidOrganizationDescribe  = "AllowOrganizationDescribeKey"
	SidDenyOutsideDecryption = "DenyDecryptOutsideLogArchiveAccount"
)

// PolicyStatements returns the least-privilege key policy of a LogKey or its replica:
//   - the log-archive account administers the key (IAM policies in that account decide who may use it);
//   - logs.<region>.amazonaws.com may use it only for log groups of the organization
//     (aws:SourceOrgID) and only with a log group encryption context;
//   - ssm-guiconnect.amazonaws.com may generate data keys and create grants only for the organization;
//   - organization principals may generate data keys only through S3 of the key's region, only for
//     the central bucket (when CentralBucketArn is set);
//   - organization principals may describe the key (keylookup resolves the alias to the key ARN,
//     so member templates need no key ID);
//   - nobody outside the log-archive account, other than AWS services, may decrypt.
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
	if p.CentralBucketArn != nil {
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidOrganizationS3),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("kms:GenerateDataKey"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]interface{}{
				"StringEquals": map[string]interface{}{
					"aws:PrincipalOrgID":               org,
					"kms:ViaService":                   viaS3(p.Region),
					"kms:EncryptionContext:aws:s3:arn": p.CentralBucketArn,
				},
			},
		}))
	}
	statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
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
		Conditions: &map[string]interface{}{
			"StringNotEquals": map[string]interface{}{"aws:PrincipalAccount": p.Account},
			"BoolIfExists":    map[string]interface{}{"aws:PrincipalIsAWSService": "false"},
		},
	}))
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
