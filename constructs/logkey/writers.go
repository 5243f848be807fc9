package logkey

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// WriterActions are what a principal that writes (logs:PutLogEvents) to a log group encrypted with
// a customer-managed key needs on that key, through CloudWatch Logs: AWS's managed policy
// CloudWatchLogsAPIKeyAccess grants PutLogEvents callers kms:GenerateDataKey and kms:Decrypt
// (statement "KMSAPIs", with kms:ViaService logs.*.amazonaws.com and the log group's encryption
// context) and kms:DescribeKey (statement "KMSDescribeAPIs", with kms:ViaService only).
var WriterActions = []string{"kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"}

// WriterAccess describes one writer's on-behalf path to a log group's key.
type WriterAccess struct {
	// KeyArn is the key (or an ARN pattern of it, such as a multi-Region key in any region). Required.
	KeyArn *string
	// LogGroupArn is the log group's ARN as CloudWatch Logs puts it in the encryption context
	// (arn:<partition>:logs:<region>:<account>:log-group:<name>, without ":*"), or an ArnLike
	// pattern of it. Required.
	LogGroupArn *string
	// Region is CloudWatch Logs' region (kms:ViaService logs.<Region>.amazonaws.com). Default: any
	// region (StringLike logs.*.amazonaws.com, as the managed policy writes it).
	Region *string
	// Sid names the cryptographic statement; the DescribeKey statement is Sid + "Describe".
	// Default: no statement IDs.
	Sid *string
}

// Statements are the writer's two statements:
//   - kms:GenerateDataKey and kms:Decrypt through CloudWatch Logs with the log group's encryption
//     context (CloudWatch Logs user guide, "Encrypt log data in CloudWatch Logs using AWS KMS":
//     "CloudWatch Logs now supports kms:ViaService which allows logs to make AWS KMS calls on your
//     behalf. You should add this to your roles which call CloudWatch Logs"; the encryption context
//     is "kms:EncryptionContext:aws:logs:arn": the log group's ARN);
//   - kms:DescribeKey through CloudWatch Logs, without an encryption-context condition: DescribeKey
//     is not a cryptographic operation and carries no encryption context (KMS developer guide,
//     "Encryption context": cryptographic operations accept one; KMS API reference,
//     GrantConstraints: constraints "are not applied to operations that do not support an
//     encryption context, such as … DescribeKey"), so a condition on it would never match. The
//     Service Authorization Reference lists kms:ViaService (and kms:CallerAccount) for DescribeKey,
//     and CloudWatchLogsAPIKeyAccess scopes it with kms:ViaService only.
func (a WriterAccess) Statements() []awsiam.PolicyStatement {
	via := map[string]any{"StringLike": map[string]any{"kms:ViaService": "logs.*.amazonaws.com"}}
	if a.Region != nil {
		via = map[string]any{"StringEquals": map[string]any{"kms:ViaService": ThroughCloudWatchLogs(*a.Region)}}
	}
	crypto := map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": a.LogGroupArn}}
	for op, c := range via {
		crypto[op] = c
	}
	var sid, describeSid *string
	if a.Sid != nil {
		sid, describeSid = a.Sid, jsii.String(*a.Sid+"Describe")
	}
	return []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        sid,
			Actions:    jsii.Strings(WriterActions[0], WriterActions[1]),
			Resources:  &[]*string{a.KeyArn},
			Conditions: &crypto,
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        describeSid,
			Actions:    jsii.Strings(WriterActions[2]),
			Resources:  &[]*string{a.KeyArn},
			Conditions: &via,
		}),
	}
}
