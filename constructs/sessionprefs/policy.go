package sessionprefs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/acknowledge"
)

// Statement IDs of the instance policy.
const (
	SidWriteLogGroup      = "WriteSessionLogGroup"
	SidDescribeLogGroups  = "CheckLogGroupEncryption"
	SidPutOwnPrefix       = "PutTranscriptsUnderOwnPrefix"
	SidReadBucketConfig   = "CheckBucketEncryption"
	SidEncryptThroughS3   = "EncryptTranscriptsThroughS3"
	SidDecryptSessionData = "DecryptSessionData"
)

// instanceResources are the ARNs the instance policy names; the wildcard ones are acknowledged.
type instanceResources struct {
	bucket      string // the central bucket
	logGroups   string // every log group of this account and region (DescribeLogGroups)
	ownPrefix   string // this account and region's transcripts
	centralKeys string // the log-archive account's keys in the bucket's region
}

func instanceArns(stack awscdk.Stack, p Props) instanceResources {
	partition := *stack.Partition()
	bucket := fmt.Sprintf("arn:%s:s3:::%s", partition, *p.CentralBucketName)
	return instanceResources{
		bucket:      bucket,
		logGroups:   fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", partition, *stack.Region(), *stack.Account()),
		ownPrefix:   bucket + "/" + *p.S3KeyPrefix + "/*",
		centralKeys: fmt.Sprintf("arn:%s:kms:%s:%s:key/*", partition, *p.CentralBucketRegion, *p.CentralBucketOwner),
	}
}

// instanceStatements is exactly what the SSM agent needs to log: write this log group, put objects
// under its own prefix, read the bucket's encryption configuration and location, use the central
// key only through S3 for the central bucket, and decrypt session data with the session key.
// Nothing reads, lists or deletes logs.
func instanceStatements(stack awscdk.Stack, p Props, logGroup awslogs.LogGroup, sessionKey awskms.Key) *[]awsiam.PolicyStatement {
	arns := instanceArns(stack, p)
	bucketArn := arns.bucket
	return &[]awsiam.PolicyStatement{
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(SidWriteLogGroup),
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
			Resources: jsii.Strings(*logGroup.LogGroupArn()),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(SidDescribeLogGroups),
			Actions:   jsii.Strings("logs:DescribeLogGroups"),
			Resources: jsii.Strings(arns.logGroups),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(SidPutOwnPrefix),
			Actions:   jsii.Strings("s3:PutObject"),
			Resources: jsii.Strings(arns.ownPrefix),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(SidReadBucketConfig),
			Actions:   jsii.Strings("s3:GetEncryptionConfiguration", "s3:GetBucketLocation"),
			Resources: jsii.Strings(bucketArn),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(SidEncryptThroughS3),
			Actions:   jsii.Strings("kms:GenerateDataKey"),
			Resources: jsii.Strings(arns.centralKeys),
			Conditions: &map[string]any{"StringEquals": map[string]any{
				"kms:ViaService":                   fmt.Sprintf("s3.%s.amazonaws.com", *p.CentralBucketRegion),
				"kms:EncryptionContext:aws:s3:arn": bucketArn,
			}},
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(SidDecryptSessionData),
			Actions:   jsii.Strings("kms:Decrypt"),
			Resources: jsii.Strings(*sessionKey.KeyArn()),
		}),
	}
}

// acknowledgeInstancePolicy records why the instance policy's three wildcards are the narrowest
// that work.
func acknowledgeInstancePolicy(stack awscdk.Stack, p Props, policy awsiam.ManagedPolicy) {
	arns := instanceArns(stack, p)
	acknowledge.On(policy,
		acknowledge.Finding{
			ID:     "AwsSolutions-IAM5[" + acknowledge.Resource(policy, jsii.String(arns.logGroups)) + "]",
			Reason: "logs:DescribeLogGroups is a list call that cannot be scoped to one log group; the SSM agent uses it to check the session log group's encryption, and it is limited to this account and region",
		},
		acknowledge.Finding{
			ID:     "AwsSolutions-IAM5[" + acknowledge.Resource(policy, jsii.String(arns.ownPrefix)) + "]",
			Reason: "transcript object names are session IDs known only at run time; the wildcard is below this account's and region's own prefix and allows only s3:PutObject",
		},
		acknowledge.Finding{
			ID:     "AwsSolutions-IAM5[" + acknowledge.Resource(policy, jsii.String(arns.centralKeys)) + "]",
			Reason: "the central key's ID is random and not in config; the statement allows only kms:GenerateDataKey through S3 for the central bucket's encryption context, in the log-archive account",
		},
	)
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
		panic("sessionprefs: " + strings.Join(missing, ", ") + " required")
	}
	str := func(v **string, def string) {
		if *v == nil {
			*v = jsii.String(def)
		}
	}
	str(&p.CentralBucketRegion, *awscdk.Aws_REGION())
	str(&p.RecordingKeyArn, *p.LogKeyArn)
	str(&p.LogGroupName, "session-manager-log-"+*awscdk.Aws_ACCOUNT_ID())
	str(&p.S3KeyPrefix, "session-manager/"+*awscdk.Aws_ACCOUNT_ID()+"/"+*awscdk.Aws_REGION())
	str(&p.RunAsDefaultUser, "")
	str(&p.ShellProfileLinux, "")
	str(&p.ShellProfileWindows, "")
	str(&p.InstancePolicyName, "SessionAuditInstanceLogging-"+*awscdk.Aws_REGION())
	if p.LogRetentionDays == nil {
		p.LogRetentionDays = jsii.Number(365)
	}
	if !*awscdk.Token_IsUnresolved(p.LogRetentionDays) && !slices.Contains(RetentionDaysAllowed, *p.LogRetentionDays) {
		panic(fmt.Sprintf("sessionprefs: Props.LogRetentionDays must be one of %v (got %v)", RetentionDaysAllowed, *p.LogRetentionDays))
	}
	minutes := func(v **float64, def, lo, hi float64, name string) {
		if *v == nil {
			*v = jsii.Number(def)
		}
		if !*awscdk.Token_IsUnresolved(*v) && (**v < lo || **v > hi || **v != float64(int(**v))) {
			panic(fmt.Sprintf("sessionprefs: Props.%s must be a whole number of minutes from %v to %v (got %v)", name, lo, hi, **v))
		}
	}
	minutes(&p.IdleSessionTimeout, 20, 1, 60, "IdleSessionTimeout")
	minutes(&p.MaxSessionDuration, 60, 1, 1440, "MaxSessionDuration")
	flag := func(v **bool, def bool) {
		if *v == nil {
			*v = jsii.Bool(def)
		}
	}
	flag(&p.CloudWatchStreaming, true)
	flag(&p.RunAsEnabled, false)
	flag(&p.RdpRecording, true)
	if *p.RunAsEnabled && *p.RunAsDefaultUser == "" {
		panic("sessionprefs: Props.RunAsDefaultUser is required when RunAsEnabled is true")
	}
	return p
}
