package sessionprefs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/acknowledge"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/inlinefn"
	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/constructs/logbucket"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/constructs/logprotect"
)

// Statement IDs of the instance policy.
const (
	SidWriteLogGroup      = "WriteSessionLogGroup"
	SidDescribeLogGroups  = "CheckLogGroupEncryption"
	SidPutOwnPrefix       = "PutTranscriptsUnderOwnPrefix"
	SidReadBucketConfig   = "CheckBucketEncryption"
	SidEncryptThroughS3   = "EncryptTranscriptsThroughS3"
	SidDecryptSessionData = "DecryptSessionData"
	SidLogKeyThroughLogs  = "UseLogKeyThroughCloudWatchLogs"
	// SidDescribeLogKeyThroughLogs is SidLogKeyThroughLogs's kms:DescribeKey (logkey.WriterAccess).
	SidDescribeLogKeyThroughLogs = SidLogKeyThroughLogs + "Describe"
)

// instanceResources are the ARNs the instance policy names; the wildcard ones are acknowledged.
// They cover this account in every region, so that one policy attached once serves every governed
// region (a role takes 10 managed policies by default).
type instanceResources struct {
	bucket      string   // the central bucket
	logGroup    []string // the session log group (DescribeLogStreams) and its streams, any region
	ownPrefix   string   // this account's transcripts, every region
	centralKeys string   // the log-archive account's keys in the bucket's region
	sessionKeys string   // the session key in any region ("" without session encryption)
	logKeys     string   // the log key in any region (a multi-Region key keeps its ID)
}

func instanceArns(stack awscdk.Stack, p Props) instanceResources {
	partition, account := *stack.Partition(), *stack.Account()
	bucket := fmt.Sprintf("arn:%s:s3:::%s", partition, *p.CentralBucketName)
	group := fmt.Sprintf("arn:%s:logs:*:%s:log-group:%s", partition, account, *p.LogGroupName)
	return instanceResources{
		bucket:      bucket,
		logGroup:    []string{group, group + ":log-stream:*"},
		ownPrefix:   bucket + "/" + *p.InstanceS3Prefix + "*",
		centralKeys: fmt.Sprintf("arn:%s:kms:%s:%s:key/*", partition, *p.CentralBucketRegion, *p.CentralBucketOwner),
		sessionKeys: sessionKeyPattern(partition, account, p),
		logKeys:     anyRegion(partition, p.LogKeyArn),
	}
}

// sessionKeyPattern is the session key in every region: a given key by its account and ID (a
// multi-Region key has the same ID in every region, and a key ID is unique), the keys of this
// account when each region creates its own.
func sessionKeyPattern(partition, account string, p Props) string {
	switch {
	case !*p.SessionEncryption:
		return ""
	case p.sessionKeyID != nil:
		return fmt.Sprintf("arn:%s:kms:*:%s:key/*", partition, account)
	}
	return anyRegion(partition, p.SessionKeyArn)
}

// SessionContextKeys are the encryption context keys of Session Manager's session data keys: the
// session-manager-plugin calls kms:GenerateDataKey and the SSM agent kms:Decrypt with exactly
// {aws:ssm:SessionId, aws:ssm:TargetId} (session-manager-plugin 1.2.677.0
// src/encryption/kmsservice.go KMSGenerateDataKey; amazon-ssm-agent 3.3.1142.0
// agent/session/crypto/kmsservice.go Decrypt).
var SessionContextKeys = []string{"aws:ssm:SessionId", "aws:ssm:TargetId"}

// instanceStatements is exactly what the SSM agent calls to log a session (amazon-ssm-agent
// 3.3.1142.0, read for this policy), with the resource types of the Service Authorization
// Reference. Nothing reads, lists or deletes logs.
//   - agent/agentlogstocloudwatch/cloudwatchlogspublisher/cloudwatchlogsservice.go:
//     DescribeLogGroups with the group name as LogGroupNamePrefix (the session refuses to start when
//     it cannot see the group's kmsKeyId; the action supports no resource type, so only "*"
//     works), CreateLogStream and PutLogEvents (resource log-stream), DescribeLogStreams
//     (log-group). It never creates log groups.
//   - agent/s3util/s3util.go: GetBucketEncryption (s3:GetEncryptionConfiguration; the session
//     refuses to start when denied), then s3manager uploads: PutObject with
//     x-amz-acl: bucket-owner-full-control, the bucket's default SSE-KMS key and Content-MD5;
//     above 5 MiB CreateMultipartUpload/UploadPart/CompleteMultipartUpload (all s3:PutObject) and
//     AbortMultipartUpload on failure. The bucket's region comes from a HeadBucket response header,
//     which a 403 carries too; it never calls GetBucketLocation.
//   - S3 user guide, "Multipart upload API and permissions": SSE-KMS multipart uploads need
//     kms:GenerateDataKey and kms:Decrypt on the bucket key (through S3).
//   - S3 API reference, PutObject: s3:PutObjectAcl is "(conditionally) required if you want to put
//     the object ACL"; the S3 ACL policy examples authorize the same header with s3:PutObject
//     alone. Both readings are satisfied: s3:PutObjectAcl only for bucket-owner-full-control, which
//     a BucketOwnerEnforced bucket accepts and ignores.
//   - agent/session/crypto/kmsservice.go: kms:Decrypt of the session data key with the session
//     encryption context.
//   - CloudWatch Logs user guide, "Encrypt log data in CloudWatch Logs using AWS KMS": "CloudWatch
//     Logs now supports kms:ViaService which allows logs to make AWS KMS calls on your behalf. You
//     should add this to your roles which call CloudWatch Logs"; AWS's managed policy
//     CloudWatchLogsAPIKeyAccess gives PutLogEvents callers kms:GenerateDataKey and kms:Decrypt
//     through logs.*.amazonaws.com with the log group's encryption context, and kms:DescribeKey
//     through logs.*.amazonaws.com. Here: the log key, only through CloudWatch Logs, only for this
//     account's session log group (logkey.WriterAccess; DescribeKey carries no encryption context).
func instanceStatements(stack awscdk.Stack, p Props) *[]awsiam.PolicyStatement {
	arns := instanceArns(stack, p)
	sessionContext := map[string]any{}
	for _, k := range SessionContextKeys {
		sessionContext["kms:EncryptionContext:"+k] = "false"
	}
	statements := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(SidWriteLogGroup),
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
			Resources: &[]*string{jsii.String(arns.logGroup[0]), jsii.String(arns.logGroup[1])},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(SidDescribeLogGroups),
			Actions:   jsii.Strings("logs:DescribeLogGroups"),
			Resources: jsii.Strings("*"),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidPutOwnPrefix + "Acl"),
			Actions:    jsii.Strings("s3:PutObjectAcl"),
			Resources:  jsii.Strings(arns.ownPrefix),
			Conditions: &map[string]any{"StringEquals": map[string]any{"s3:x-amz-acl": "bucket-owner-full-control"}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(SidReadBucketConfig),
			Actions:   jsii.Strings("s3:GetEncryptionConfiguration"),
			Resources: jsii.Strings(arns.bucket),
		}),
	}
	// The log key through CloudWatch Logs in any region (SidLogKeyThroughLogs and its Describe).
	statements = append(statements, logkey.WriterAccess{
		KeyArn: jsii.String(arns.logKeys), LogGroupArn: jsii.String(arns.logGroup[0]), Sid: jsii.String(SidLogKeyThroughLogs),
	}.Statements()...)
	// Writing the own prefix and the key through S3: the central bucket's write access.
	statements = append(statements, logbucket.Access{
		BucketArn: jsii.String(arns.bucket), Objects: []*string{jsii.String(arns.ownPrefix)},
		KeyArns: []*string{jsii.String(arns.centralKeys)}, Region: p.CentralBucketRegion,
		ObjectSid: jsii.String(SidPutOwnPrefix), KeySid: jsii.String(SidEncryptThroughS3),
	}.WriteStatements()...)
	if arns.sessionKeys != "" {
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(SidDecryptSessionData),
			Actions:    jsii.Strings("kms:Decrypt"),
			Resources:  jsii.Strings(arns.sessionKeys),
			Conditions: &map[string]any{"Null": sessionContext},
		}))
	}
	return &statements
}

// acknowledgeInstancePolicy records why the instance policy's wildcards are the narrowest that
// work.
func acknowledgeInstancePolicy(stack awscdk.Stack, p Props, policy awsiam.ManagedPolicy) {
	arns := instanceArns(stack, p)
	acknowledge.On(policy,
		acknowledge.Finding{
			ID:     "AwsSolutions-IAM5[Resource::*]",
			Reason: "logs:DescribeLogGroups supports no resource type (Service Authorization Reference), so only \"*\" works; the SSM agent uses it to check the session log group's encryption and refuses to start sessions without it",
		},
		acknowledge.Finding{
			ID:     "AwsSolutions-IAM5[" + acknowledge.Resource(policy, jsii.String(arns.logGroup[0])) + "]",
			Reason: "the one session log group of this account, in every governed region, so that one attachment serves all regions; only stream creation, description and writes",
		},
		acknowledge.Finding{
			ID:     "AwsSolutions-IAM5[" + acknowledge.Resource(policy, jsii.String(arns.logGroup[1])) + "]",
			Reason: "log stream names are session IDs known only at run time; only streams of the one session log group of this account",
		},
		acknowledge.Finding{
			ID:     "AwsSolutions-IAM5[" + acknowledge.Resource(policy, jsii.String(arns.ownPrefix)) + "]",
			Reason: "transcript object names are region and session ID known only at run time; the wildcard is below this account's own prefix and allows only writing and aborting its own uploads",
		},
		acknowledge.Finding{
			ID:     "AwsSolutions-IAM5[" + acknowledge.Resource(policy, jsii.String(arns.logKeys)) + "]",
			Reason: "the one log key in every region (a multi-Region key keeps its ID in every region); only kms:GenerateDataKey and kms:Decrypt (for this account's session log group) and kms:DescribeKey, through CloudWatch Logs, as AWS's managed policy CloudWatchLogsAPIKeyAccess gives PutLogEvents callers",
		},
		acknowledge.Finding{
			ID:     "AwsSolutions-IAM5[" + acknowledge.Resource(policy, jsii.String(arns.centralKeys)) + "]",
			Reason: "the central key's ID is random and not in config; only kms:GenerateDataKey and kms:Decrypt through S3 for the central bucket's encryption context, in the log-archive account",
		},
	)
	if arns.sessionKeys != "" {
		reason := "the one session key in every region (a multi-Region key keeps its ID in every region); only kms:Decrypt and only with a Session Manager session encryption context"
		if p.sessionKeyID != nil {
			reason = "session keys differ per region and their IDs are random; only kms:Decrypt, only with a Session Manager session encryption context, only keys of this account"
		}
		acknowledge.On(policy, acknowledge.Finding{ID: "AwsSolutions-IAM5[" + acknowledge.Resource(policy, jsii.String(arns.sessionKeys)) + "]", Reason: reason})
	}
}

func withDefaults(props *Props) Props {
	if props == nil {
		props = &Props{}
	}
	p := *props
	var missing []string
	for _, f := range []struct {
		name  string
		value *string
	}{{"CentralBucketName", p.CentralBucketName}, {"CentralBucketOwner", p.CentralBucketOwner}, {"LogKeyArn", p.LogKeyArn}} {
		if f.value == nil || *f.value == "" {
			missing = append(missing, "Props."+f.name)
		}
	}
	if len(missing) > 0 {
		invalid.Panic("sessionprefs", "%s required", strings.Join(missing, ", "))
	}
	str := func(v **string, def string) {
		if *v == nil {
			*v = jsii.String(def)
		}
	}
	str(&p.CentralBucketRegion, *awscdk.Aws_REGION())
	str(&p.RecordingKeyArn, *p.LogKeyArn)
	str(&p.LogGroupName, LogGroupNamePrefix+*awscdk.Aws_ACCOUNT_ID())
	str(&p.S3KeyPrefix, archivelayout.TranscriptKeyPrefix(*awscdk.Aws_ACCOUNT_ID(), *awscdk.Aws_REGION()))
	str(&p.InstanceS3Prefix, archivelayout.TranscriptPrefix+*awscdk.Aws_ACCOUNT_ID()+"/")
	str(&p.InstancePolicyName, "SessionAuditInstanceLogging")
	str(&p.UserPolicyName, "SessionAuditSessionUsers")
	if p.LogRetentionDays == nil {
		p.LogRetentionDays = jsii.Number(365)
	}
	if !*awscdk.Token_IsUnresolved(p.LogRetentionDays) && !slices.Contains(RetentionDaysAllowed, *p.LogRetentionDays) {
		invalid.Panic("sessionprefs", "Props.LogRetentionDays must be one of %v (got %v)", RetentionDaysAllowed, *p.LogRetentionDays)
	}
	minutes := func(v **float64, lo, hi float64, name string) {
		if *v == nil {
			return // kept
		}
		if !*awscdk.Token_IsUnresolved(*v) && (**v < lo || **v > hi || **v != float64(int(**v))) {
			invalid.Panic("sessionprefs", "Props.%s must be a whole number of minutes from %v to %v (got %v)", name, lo, hi, **v)
		}
	}
	minutes(&p.IdleSessionTimeout, 1, 60, "IdleSessionTimeout")
	minutes(&p.MaxSessionDuration, 1, 1440, "MaxSessionDuration")
	flag := func(v **bool, def bool) {
		if *v == nil {
			*v = jsii.Bool(def)
		}
	}
	if p.Requirements == nil {
		p.Requirements = jsii.String(RequireEncryption)
	}
	if r := *p.Requirements; r != RequireNothing && r != RequireLogging && r != RequireEncryption {
		invalid.Panic("sessionprefs", "Props.Requirements must be %q, %q or %q (got %q)", RequireNothing, RequireLogging, RequireEncryption, r)
	}
	flag(&p.CloudWatchStreaming, true)
	flag(&p.RdpRecording, true)
	flag(&p.SessionEncryption, true)
	if !*p.SessionEncryption && p.SessionKeyArn != nil {
		invalid.Panic("sessionprefs", "Props.SessionKeyArn must be unset when SessionEncryption is false (got %q)", *p.SessionKeyArn)
	}
	if p.RunAsEnabled != nil && *p.RunAsEnabled && (p.RunAsDefaultUser == nil || *p.RunAsDefaultUser == "") {
		invalid.Panic("sessionprefs", "Props.RunAsDefaultUser is required when RunAsEnabled is true")
	}
	return p
}

// Sids of the user policy.
const (
	SidStartEncryptedSessions   = "StartEncryptedSessions"
	SidStartRecordedConnections = "StartRecordedConnections"
)

// userStatements are what a person needs on sessionaudit's keys, in every region:
//   - kms:GenerateDataKey on the session key: the session-manager-plugin (and the console) asks
//     for a data key with the caller's credentials (session-manager-plugin
//     src/encryption/kmsservice.go KMSGenerateDataKey); the key policy admits it only with Session
//     Manager's encryption context, so the statement needs no condition.
//   - kms:CreateGrant on the recording key, only through GUI Connect: "Recording RDP connections"
//     (Systems Manager user guide) has users who start a recorded connection let Systems Manager
//     create a grant; AWS's managed policy AWSSystemsManagerJustInTimeAccessTokenSessionPolicy
//     allows it with kms:ViaService ssm-guiconnect.*.amazonaws.com.
func userStatements(stack awscdk.Stack, p Props) []awsiam.PolicyStatement {
	var out []awsiam.PolicyStatement
	if keys := sessionKeyPattern(*stack.Partition(), *stack.Account(), p); keys != "" {
		out = append(out, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String(SidStartEncryptedSessions), Actions: jsii.Strings("kms:GenerateDataKey"), Resources: jsii.Strings(keys),
		}))
	}
	if *p.RdpRecording {
		out = append(out, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String(SidStartRecordedConnections), Actions: jsii.Strings("kms:CreateGrant"), Resources: jsii.Strings(recordingKeyPattern(*stack.Partition(), p)),
			Conditions: &map[string]any{"StringLike": map[string]any{"kms:ViaService": "ssm-guiconnect.*.amazonaws.com"}},
		}))
	}
	return out
}

// recordingKeyPattern is the recording key in every region: a multi-Region key has the same ID in
// every region.
func recordingKeyPattern(partition string, p Props) string {
	return anyRegion(partition, p.RecordingKeyArn)
}

// anyRegion is the ARN pattern of a multi-Region key (given by the ARN of its primary or a replica)
// in every region: a multi-Region key keeps its account and ID in every region.
func anyRegion(partition string, keyArn *string) string {
	keyAccount := awscdk.Fn_Select(jsii.Number(4), awscdk.Fn_Split(jsii.String(":"), keyArn, nil))
	keyID := awscdk.Fn_Select(jsii.Number(1), awscdk.Fn_Split(jsii.String("/"), keyArn, nil))
	return fmt.Sprintf("arn:%s:kms:*:%s:key/%s", partition, *keyAccount, *keyID)
}

// acknowledgeUserPolicy records why the user policy's region wildcard is right.
func acknowledgeUserPolicy(stack awscdk.Stack, p Props, policy awsiam.ManagedPolicy) {
	var findings []acknowledge.Finding
	if keys := sessionKeyPattern(*stack.Partition(), *stack.Account(), p); keys != "" {
		findings = append(findings, acknowledge.Finding{ID: "AwsSolutions-IAM5[" + acknowledge.Resource(policy, jsii.String(keys)) + "]",
			Reason: "the one session key in every region (a multi-Region key keeps its ID in every region); only kms:GenerateDataKey, which the key policy admits only with Session Manager's encryption context"})
	}
	if *p.RdpRecording {
		findings = append(findings, acknowledge.Finding{ID: "AwsSolutions-IAM5[" + acknowledge.Resource(policy, jsii.String(recordingKeyPattern(*stack.Partition(), p))) + "]",
			Reason: "the one recording key in every region (a multi-Region key keeps its ID in every region); only kms:CreateGrant through GUI Connect, as RDP recording needs"})
	}
	acknowledge.On(policy, findings...)
}

// handlerStatements are the only permissions of the DocumentHandler function besides its own logs:
//   - the preferences document: read, create, update, default version, delete (that one document);
//   - the session log group's deletion protection (logprotect.Statement);
//   - with RDP recording, the recording preferences: ssm-guiconnect Get, Update and
//     DeleteConnectionRecordingPreferences, which support no resource type (Service Authorization
//     Reference, AWS Systems Manager GUI Connect), so "*"; and kms:CreateGrant on the recording key
//     (that key only): the Systems Manager user guide ("Recording RDP connections", permissions for
//     configuring connection recording) lists kms:CreateGrant with the three actions, and the
//     CloudFormation resource AWS::SSMGuiConnect::Preferences that this replaces requires it for
//     create and update. The LogKey's policy admits organization grants through GUI Connect or for
//     AWS resources.
func handlerStatements(stack awscdk.Stack, p Props) []awsiam.PolicyStatement {
	out := []awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("ssm:DescribeDocument", "ssm:GetDocument", "ssm:ListDocumentVersions", "ssm:CreateDocument",
				"ssm:UpdateDocument", "ssm:UpdateDocumentDefaultVersion", "ssm:DeleteDocument"),
			Resources: jsii.Strings(fmt.Sprintf("arn:%s:ssm:%s:%s:document/%s", *stack.Partition(), *stack.Region(), *stack.Account(), DocumentName)),
		}),
		logprotect.Statement(stack, p.LogGroupName),
	}
	if *p.RdpRecording {
		out = append(out,
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("ssm-guiconnect:GetConnectionRecordingPreferences", "ssm-guiconnect:UpdateConnectionRecordingPreferences",
					"ssm-guiconnect:DeleteConnectionRecordingPreferences"),
				Resources: jsii.Strings("*"),
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("kms:CreateGrant"),
				Resources: jsii.Strings(*p.RecordingKeyArn),
				// "Recording RDP connections" lists kms:CreateGrant for configuring recording, with no
				// condition: how Systems Manager checks the key is not documented, so none is required.
			}),
		)
	}
	return out
}

// acknowledgeHandlerPolicy records why the handler's wildcards are the narrowest that work.
func acknowledgeHandlerPolicy(stack awscdk.Stack, p Props, fn *inlinefn.Function) {
	policy := fn.Role.Node().FindChild(jsii.String("DefaultPolicy"))
	logprotect.AcknowledgeStatement(policy, stack, p.LogGroupName)
	if *p.RdpRecording {
		acknowledge.On(policy, acknowledge.Finding{
			ID:     "AwsSolutions-IAM5[Resource::*]",
			Reason: "ssm-guiconnect's recording preference actions support no resource type (Service Authorization Reference), so only \"*\" works; they act on this account and region's one set of preferences",
		})
	}
}
