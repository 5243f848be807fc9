// Package logreceiver provides LogReceiver, the receiving end of log forwarding in the
// log-archive account: a CloudWatch Logs destination that the whole organization may subscribe
// to, feeding a Data Firehose stream that writes readable JSON lines into the central bucket under
// cloudwatch/<source account>/<region>/<yyyy>/<MM>/<dd>/.
//
// CloudWatch Logs delivers across accounts only to a destination in the log group's own region,
// so every governed region needs one LogReceiver. The Firehose stream may write to a bucket in
// another region (the central bucket's home region).
//
// Records are processed by a small inline Lambda (processor.js): it decompresses each record,
// extracts the messages and returns the source account as the partition key. Firehose's built-in
// decompression and message extraction drop the envelope that holds the account, and the account
// must be in the key (bucket policy, access control and queries depend on it).
package logreceiver

import (
	_ "embed"
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesisfirehose"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/inlinefn"
)

//go:embed processor.js
var processor string

// MaxDestinationPolicyBytes is CloudWatch Logs' limit for a destination's access policy.
const MaxDestinationPolicyBytes = 5120

// Props configures a LogReceiver.
type Props struct {
	// OrganizationID may subscribe to the destination (aws:PrincipalOrgID). Required.
	OrganizationID *string
	// DestinationName is the destination's deterministic name; senders derive its ARN. Required.
	DestinationName *string
	// BucketArn is the central bucket. Required.
	BucketArn *string
	// BucketRegion is the bucket's region (for kms:ViaService). Default: this stack's region.
	BucketRegion *string
	// EncryptionKeyArn is the bucket's KMS key (full ARN, in the bucket's region). Required.
	EncryptionKeyArn *string
	// Prefix of delivered objects. Default: "cloudwatch/".
	Prefix *string
	// ErrorPrefix of records Firehose could not process or deliver. Default: "cloudwatch-errors/".
	ErrorPrefix *string
	// BufferInterval before Firehose writes an object (60..900 s). Default: 300 seconds.
	BufferInterval awscdk.Duration
	// BufferSizeMiB before Firehose writes an object (64..128; dynamic partitioning needs >= 64).
	// Default: 64.
	BufferSizeMiB *float64
	// FileExtension of delivered objects. Default: ".json".
	FileExtension *string
	// DataFreshnessThreshold raises the freshness alarm when the oldest undelivered record is
	// older than this. Firehose retries a failing S3 delivery for 24 hours and then drops the data;
	// the threshold must be well below that. Default: 1 hour.
	DataFreshnessThreshold awscdk.Duration
	// LogKeyArn encrypts the delivery error log group: a key in this region whose policy admits
	// CloudWatch Logs (the LogKey or its replica). Default: CloudWatch Logs' own encryption.
	LogKeyArn *string
	// AlarmNamePrefix names the alarms "<prefix><stream name>-<what>" so that a rule can pick them
	// up (see loginnotifier.Sender). Default: CloudFormation generates the names.
	AlarmNamePrefix *string
}

// LogReceiver is a CloudWatch Logs destination, its Firehose stream into the central bucket, the
// roles between them, the record processor, the error log group and the delivery alarms.
type LogReceiver struct {
	constructs.Construct
	// Destination is the CloudWatch Logs destination (organization-scoped access policy).
	Destination awslogs.CfnDestination
	// DestinationArn is what senders' subscription filters point to.
	DestinationArn *string
	// DeliveryStream is the Firehose stream.
	DeliveryStream awskinesisfirehose.CfnDeliveryStream
	// SubscriptionRole lets CloudWatch Logs put records into the stream.
	SubscriptionRole awsiam.Role
	// DeliveryRole lets Firehose process records and write them to the bucket.
	DeliveryRole awsiam.Role
	// Processor is the record processor (inline Lambda).
	Processor *inlinefn.InlineFunction
	// ErrorLogGroup receives Firehose's delivery and processing errors; retained on delete.
	ErrorLogGroup awslogs.LogGroup
	// Alarms fire when data is not getting delivered: freshness, delivery success, processing
	// success and throttling. Add actions with AddAlarmAction.
	Alarms []awscloudwatch.Alarm
}

var namePattern = regexp.MustCompile(`^[^:*]{1,512}$`)

// New creates a LogReceiver in the scope's stack region.
func New(scope constructs.Construct, id string, props *Props) *LogReceiver {
	p := withDefaults(props)
	this := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(this)
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()

	var errorKey awskms.IKey
	if p.LogKeyArn != nil {
		errorKey = awskms.Key_FromKeyArn(this, jsii.String("LogKey"), p.LogKeyArn)
	}
	errorLogs := awslogs.NewLogGroup(this, jsii.String("DeliveryErrors"), &awslogs.LogGroupProps{
		EncryptionKey: errorKey,
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	errorStream := errorLogs.AddStream(jsii.String("S3Delivery"), &awslogs.StreamOptions{LogStreamName: jsii.String("S3Delivery")})

	fn := inlinefn.New(this, "Processor", &inlinefn.Props{
		Source:      processor,
		Plain:       true,
		Caller:      "Data Firehose record processing",
		Description: jsii.String("sessionaudit: decompresses CloudWatch Logs records, extracts messages, partitions by account"),
		Timeout:     awscdk.Duration_Minutes(jsii.Number(1)),
	})

	deliveryRole := awsiam.NewRole(this, jsii.String("DeliveryRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("firehose.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}},
		}),
		Description: jsii.String("sessionaudit: Firehose writes forwarded CloudWatch Logs to the central bucket"),
	})
	streamName := fmt.Sprintf("%s-%s", *p.DestinationName, region)
	streamArn := fmt.Sprintf("arn:%s:firehose:%s:%s:deliverystream/%s", partition, region, account, streamName)
	for _, s := range deliveryStatements(p, fn, errorLogs) {
		deliveryRole.AddToPolicy(s)
	}

	stream := awskinesisfirehose.NewCfnDeliveryStream(this, jsii.String("DeliveryStream"), &awskinesisfirehose.CfnDeliveryStreamProps{
		DeliveryStreamName: jsii.String(streamName),
		DeliveryStreamType: jsii.String("DirectPut"),
		DeliveryStreamEncryptionConfigurationInput: &awskinesisfirehose.CfnDeliveryStream_DeliveryStreamEncryptionConfigurationInputProperty{
			KeyType: jsii.String("AWS_OWNED_CMK"),
		},
		ExtendedS3DestinationConfiguration: &awskinesisfirehose.CfnDeliveryStream_ExtendedS3DestinationConfigurationProperty{
			BucketArn:         p.BucketArn,
			RoleArn:           deliveryRole.RoleArn(),
			Prefix:            jsii.String(*p.Prefix + "!{partitionKeyFromLambda:account}/" + region + "/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"),
			ErrorOutputPrefix: jsii.String(*p.ErrorPrefix + "!{firehose:error-output-type}/" + region + "/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"),
			BufferingHints: &awskinesisfirehose.CfnDeliveryStream_BufferingHintsProperty{
				IntervalInSeconds: p.BufferInterval.ToSeconds(nil),
				SizeInMBs:         p.BufferSizeMiB,
			},
			CompressionFormat: jsii.String("UNCOMPRESSED"),
			FileExtension:     p.FileExtension,
			EncryptionConfiguration: &awskinesisfirehose.CfnDeliveryStream_EncryptionConfigurationProperty{
				KmsEncryptionConfig: &awskinesisfirehose.CfnDeliveryStream_KMSEncryptionConfigProperty{AwskmsKeyArn: p.EncryptionKeyArn},
			},
			DynamicPartitioningConfiguration: &awskinesisfirehose.CfnDeliveryStream_DynamicPartitioningConfigurationProperty{
				Enabled:      jsii.Bool(true),
				RetryOptions: &awskinesisfirehose.CfnDeliveryStream_RetryOptionsProperty{DurationInSeconds: jsii.Number(300)},
			},
			ProcessingConfiguration: &awskinesisfirehose.CfnDeliveryStream_ProcessingConfigurationProperty{
				Enabled: jsii.Bool(true),
				Processors: &[]any{&awskinesisfirehose.CfnDeliveryStream_ProcessorProperty{
					Type: jsii.String("Lambda"),
					Parameters: &[]any{
						param("LambdaArn", *fn.Function.FunctionArn()),
						// Records expand when decompressed; a small input batch keeps the
						// processor's response under Lambda's 6 MB limit.
						param("BufferSizeInMBs", "0.2"),
						param("BufferIntervalInSeconds", "60"),
						param("NumberOfRetries", "3"),
					},
				}},
			},
			CloudWatchLoggingOptions: &awskinesisfirehose.CfnDeliveryStream_CloudWatchLoggingOptionsProperty{
				Enabled:       jsii.Bool(true),
				LogGroupName:  errorLogs.LogGroupName(),
				LogStreamName: errorStream.LogStreamName(),
			},
			S3BackupMode: jsii.String("Disabled"),
		},
	})
	// The role's policy must exist before Firehose checks it.
	stream.Node().AddDependency(deliveryRole)

	subscriptionRole := awsiam.NewRole(this, jsii.String("SubscriptionRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String(fmt.Sprintf("logs.%s.amazonaws.com", region)), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{
				"StringEquals": map[string]any{"aws:SourceOrgID": p.OrganizationID},
				"StringLike":   map[string]any{"aws:SourceArn": fmt.Sprintf("arn:%s:logs:%s:*:*", partition, region)},
			},
		}),
		Description: jsii.String("sessionaudit: CloudWatch Logs puts subscription data into Firehose"),
	})
	subscriptionRole.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("firehose:PutRecord", "firehose:PutRecordBatch"),
		Resources: jsii.Strings(streamArn),
	}))

	destinationArn := fmt.Sprintf("arn:%s:logs:%s:%s:destination:%s", partition, region, account, *p.DestinationName)
	destination := awslogs.NewCfnDestination(this, jsii.String("Destination"), &awslogs.CfnDestinationProps{
		DestinationName:   p.DestinationName,
		RoleArn:           subscriptionRole.RoleArn(),
		TargetArn:         stream.AttrArn(),
		DestinationPolicy: stack.ToJsonString(DestinationPolicy(p.OrganizationID, &destinationArn), nil),
	})
	destination.Node().AddDependency(subscriptionRole)

	r := &LogReceiver{
		Construct: this, Destination: destination, DestinationArn: jsii.String(destinationArn), DeliveryStream: stream,
		SubscriptionRole: subscriptionRole, DeliveryRole: deliveryRole, Processor: fn, ErrorLogGroup: errorLogs,
	}
	r.Alarms = alarms(this, streamName, p.AlarmNamePrefix, p.DataFreshnessThreshold)
	acknowledgeFindings(r, p)
	return r
}

// DestinationPolicy is the destination's access policy: any principal of the organization may
// subscribe. It does not grow with the number of accounts.
func DestinationPolicy(organizationID, destinationArn *string) map[string]any {
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid":       "AllowOrganizationToSubscribe",
			"Effect":    "Allow",
			"Principal": map[string]any{"AWS": "*"},
			"Action":    "logs:PutSubscriptionFilter",
			"Resource":  destinationArn,
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": organizationID}},
		}},
	}
}

func param(name, value string) *awskinesisfirehose.CfnDeliveryStream_ProcessorParameterProperty {
	return &awskinesisfirehose.CfnDeliveryStream_ProcessorParameterProperty{ParameterName: jsii.String(name), ParameterValue: jsii.String(value)}
}
