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
	// WriterLogGroupName is the log group that principals of each organization account may write
	// with their own credentials through CloudWatch Logs (kms:ViaService logs.<Region>), as the SSM
	// agent's PutLogEvents does; "${aws:PrincipalAccount}" in it stands for the caller's account, so
	// each account reaches only its own group. Default: no such statement.
	WriterLogGroupName *string
}

// Statement IDs of the key policy, stable so that tests and reviewers can find each one.
const (
	SidAdministration        = "AllowKeyAdministrationByLogArchiveAccount"
	SidCloudWatchLogs        = "AllowCloudWatchLogsOfOrganization"
	SidWritersThroughLogs    = "AllowOwnLogGroupWritesThroughCloudWatchLogs"
	SidGuiConnect            = "AllowRdpRecordingOfOrganization"
	SidOrganizationS3        = "AllowOrganizationUseThroughS3ForCentralBucket"
	SidOrganizationGrant     = "AllowOrganizationGrantsThroughGuiConnect"
	SidOrganizationGrantAWS  = "AllowOrganizationGrantsForAWSResources"
	SidOrganizationDescribe  = "AllowOrganizationDescribeKey"
	SidDenyOutsideDecryption = "DenyDecryptOutsideLogArchiveAccount"
	SidDenyOtherContexts     = "DenyDecryptOfOtherBucketsOutsideLogArchiveAccount"
)

// PolicyStatements returns the least-privilege key policy of a LogKey or its replica:
//   - the log-archive account administers the key (IAM policies in that account decide who may use it);
//   - logs.<region>.amazonaws.com may use it only with a log group encryption context (the one
//     condition CloudWatch Logs documents for its service principal) and, where the request carries
//     aws:SourceOrgID, only for the organization (…IfExists: CloudWatch Logs does not document
//     sending the key, so it is never required);
//   - with WriterLogGroupName, principals of the organization may have CloudWatch Logs call KMS on
//     their behalf (kms:ViaService logs.<region>) for their own account's log group only;
//   - ssm-guiconnect.amazonaws.com may generate data keys and create grants for the organization;
//   - organization principals may generate data keys and decrypt only through S3 of the key's
//     region, only for the central bucket (when CentralBucketArn is set): S3 decrypts the data key
//     of a multipart upload for every part;
//   - organization principals may create grants only through GUI Connect (kms:ViaService
//     ssm-guiconnect.<region>): starting a recorded RDP connection makes Systems Manager create a
//     grant in the user's name;
//   - organization principals may describe the key (keylookup resolves the alias to the key ARN,
//     so member templates need no key ID);
//   - nobody outside the log-archive account, other than AWS services, may decrypt, except through
//     S3 for the central bucket (which itself denies reading objects to every other account),
//     through CloudWatch Logs (which the allow limits to the caller's own log group) and through
//     GUI Connect (RDP recording, by grants only GUI Connect creates).
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
	logsService := ThroughCloudWatchLogs(*p.Region)
	statements := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidAdministration),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAccountPrincipal(p.Account)},
			Actions:    jsii.Strings("kms:*"),
			Resources:  jsii.Strings("*"),
		}),
		// CloudWatch Logs user guide, "Encrypt log data in CloudWatch Logs using AWS KMS", Step 2:
		// the key policy admits logs.<region>.amazonaws.com with the condition
		// "ArnLike": {"kms:EncryptionContext:aws:logs:arn": ...}; it documents no other key for
		// the service principal, so aws:SourceOrgID is only checked where it is present.
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidCloudWatchLogs),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(logsService), nil)},
			Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]interface{}{
				"StringEqualsIfExists": map[string]interface{}{"aws:SourceOrgID": org},
				"ArnLike":              map[string]interface{}{"kms:EncryptionContext:aws:logs:arn": logGroups},
			},
		}),
	}
	if p.WriterLogGroupName != nil {
		// The same page: "CloudWatch Logs now supports kms:ViaService which allows logs to make AWS
		// KMS calls on your behalf. You should add this to your roles which call CloudWatch Logs in
		// either your Key Policy or in IAM"; AWS's managed policy CloudWatchLogsAPIKeyAccess gives
		// logs:PutLogEvents callers kms:GenerateDataKey and kms:Decrypt with kms:ViaService
		// logs.*.amazonaws.com and the log group's encryption context, and kms:DescribeKey with
		// kms:ViaService only (see WriterAccess; here SidOrganizationDescribe allows it, as
		// DescribeKey carries no encryption context). Here: only the caller's own account's log
		// group (${aws:PrincipalAccount}), only in the key's region.
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidWritersThroughLogs),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]interface{}{
				"StringEquals": map[string]interface{}{"aws:PrincipalOrgID": org, "kms:ViaService": logsService},
				// A string operator: IAM user guide, policy variables ("You can use policy variables
				// for Condition values in any condition that involves the string operators").
				"StringLike": map[string]interface{}{"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:${aws:PrincipalAccount}:log-group:%s",
					*partition, *p.Region, *p.WriterLogGroupName)},
			},
		}))
	}
	// Systems Manager user guide, "Recording RDP connections": the key of the bucket the recordings
	// go to admits ssm-guiconnect.amazonaws.com for kms:GenerateDataKey* with aws:SourceAccount,
	// and "You can use aws:SourceOrgID in the policy instead of aws:SourceAccount if the account
	// belongs to an organization" (documented for this service, so required). CreateGrant: the same
	// key is the recording key, whose grants GUI Connect creates.
	statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String(SidGuiConnect),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("ssm-guiconnect.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:GenerateDataKey*", "kms:CreateGrant"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:SourceOrgID": org},
		},
	}))
	outside := func() map[string]interface{} {
		return map[string]interface{}{
			"StringNotEquals": map[string]interface{}{"aws:PrincipalAccount": p.Account},
			"BoolIfExists":    map[string]interface{}{"aws:PrincipalIsAWSService": "false"},
		}
	}
	// The services through which principals outside the account may decrypt: S3 for the central
	// bucket, CloudWatch Logs for their own log group (each limited by its allow above).
	var through []*string
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
		through = append(through, orgkey.ThroughS3(p.Region, nil)["kms:ViaService"].(*string))
	}
	// Calls that carry no S3 context: CloudWatch Logs (allowed above only for the caller's own log
	// group) and GUI Connect. The LogKey is the RDP recording key, which Systems Manager uses "to
	// temporarily encrypt the recording data while it's generated and stored on Systems Manager
	// resources" ("Recording RDP connections") through grants that users create through GUI
	// Connect (AWS's managed policy AWSSystemsManagerJustInTimeAccessTokenSessionPolicy: kms:CreateGrant
	// with kms:ViaService ssm-guiconnect.*.amazonaws.com). Which principal then uses the grant is not
	// documented: an AWS service principal is never denied (aws:PrincipalIsAWSService), and calls
	// through GUI Connect are left to the grants, which only GUI Connect creates (SidOrganizationGrant).
	nonS3 := []*string{}
	if p.WriterLogGroupName != nil {
		nonS3 = append(nonS3, jsii.String(logsService))
	}
	nonS3 = append(nonS3, jsii.String(ThroughGuiConnect(*p.Region)))
	through = append(through, nonS3...)
	denyDirect := outside()
	denyDirect["StringNotEquals"].(map[string]interface{})["kms:ViaService"] = through
	statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		// "Recording RDP connections" (Systems Manager user guide): users who start a recorded
		// connection need kms:CreateGrant on the recording key; GUI Connect creates the grant in
		// their name, as AWS's managed policy AWSSystemsManagerJustInTimeAccessTokenSessionPolicy
		// writes it (kms:CreateGrant with kms:ViaService ssm-guiconnect.*.amazonaws.com), so only
		// grants created through GUI Connect are allowed.
		Sid:        jsii.String(SidOrganizationGrant),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]interface{}{
			"StringEquals": map[string]interface{}{"aws:PrincipalOrgID": org, "kms:ViaService": ThroughGuiConnect(*p.Region)},
		},
	}), awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		// How Systems Manager checks the key when recording preferences are set is not documented
		// beyond "kms:CreateGrant" ("Recording RDP connections", permissions for configuring
		// connection recording): a grant that an AWS service creates on the caller's behalf
		// (kms:GrantIsForAWSResource, set by KMS itself) is allowed too.
		Sid:        jsii.String(SidOrganizationGrantAWS),
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
		// Calls through CloudWatch Logs and GUI Connect carry no S3 context and are left to their
		// own allow and grants.
		denyOthers := outside()
		notEquals := denyOthers["StringNotEquals"].(map[string]interface{})
		notEquals["kms:EncryptionContext:aws:s3:arn"] = p.CentralBucketArn
		notEquals["kms:ViaService"] = nonS3
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

// ThroughGuiConnect is the kms:ViaService value of GUI Connect (Fleet Manager's Remote Desktop) in
// region.
func ThroughGuiConnect(region string) string {
	return fmt.Sprintf("ssm-guiconnect.%s.amazonaws.com", region)
}

// ThroughCloudWatchLogs is the kms:ViaService value of CloudWatch Logs in region.
func ThroughCloudWatchLogs(region string) string { return fmt.Sprintf("logs.%s.amazonaws.com", region) }

// policyDocument is the key policy of a key (primary or replica) in stack's account and region.
func policyDocument(stack awscdk.Stack, p PolicyProps) awsiam.PolicyDocument {
	p.Account, p.Region, p.Partition = stack.Account(), stack.Region(), stack.Partition()
	statements := PolicyStatements(&p)
	return awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements})
}

// withOrganization adds aws:PrincipalOrgID to a StringEquals condition.
func withOrganization(c map[string]any, org *string) map[string]any {
	c["aws:PrincipalOrgID"] = org
	return c
}
