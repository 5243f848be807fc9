// Package logreceiver provides the receiving end of log forwarding in the log-archive account:
//
//   - Destination: in every region whose log groups forward, a CloudWatch Logs destination that
//     the whole organization may subscribe to, pointing at a Data Firehose stream;
//   - LogReceiver: in the central bucket's region, one Firehose stream per source region that
//     writes readable JSON lines into the bucket under
//     cloudwatch/<source region>/<yyyy>/<MM>/<dd>/<source account>/ (constructs/archivelayout).
//
// Every hop is one AWS documents. CloudWatch Logs user guide, "Step 3: Create an account-level
// subscription filter policy" (cross-account cross-Region subscriptions): "The sending account's
// log groups and the destination must be in the same AWS Region. However, the destination can
// point to an AWS resource such as a Firehose stream that is located in a different Region." The
// Firehose stream then writes to a bucket in its own region; Firehose documents delivery across
// Regions only for HTTP endpoints ("Understand delivery across AWS accounts and regions"), so no
// stream writes to a bucket in another region. The subscription data carries no source region
// (CloudWatch Logs user guide, subscription data fields: messageType, owner, logGroup, logStream,
// subscriptionFilters, logEvents), which is why each source region has its own stream and the
// region is part of that stream's static prefix.
//
// Records are processed by a small inline Lambda (processor.js): it decompresses each record,
// extracts the messages and returns the source account as the partition key. Firehose's built-in
// decompression and message extraction drop the envelope that holds the account, and the account
// must be in the key (bucket policy, access control and queries depend on it).
//
// Feature flags: its output means the same with or without any (test/bare_test.go builds it both
// ways); @aws-cdk/core:target-partitions and @aws-cdk/aws-iam:minimizePolicies change only how the
// template is written (a literal partition, merged policy statements).
package logreceiver

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesisfirehose"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/inlinefn"
	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/constructs/logprotect"
)

//go:embed processor.js
var processor string

// MaxDestinationPolicyBytes is CloudWatch Logs' limit for a destination's access policy.
const MaxDestinationPolicyBytes = 5120

// MaxActivePartitions is Firehose's default quota of active partitions per stream with dynamic
// partitioning ("Amazon Data Firehose Quota": "a default quota of 500 active partitions"; records
// beyond it go to the error prefix as activePartitionExceeded; adjustable up to 5,000). A partition
// here is one source account on one day, so a region in which more than 500 accounts log within
// one buffer interval needs the increase; the PartitionCountExceeded alarm says when.
const MaxActivePartitions = 500

// Props configures a LogReceiver.
type Props struct {
	// SourceRegions are the regions whose destinations feed this receiver; each gets its own
	// stream. Required, at least one.
	SourceRegions []string
	// StreamNamePrefix names the streams "<prefix><source region>". Default: "session-audit-".
	StreamNamePrefix *string
	// BucketArn is the central bucket, in this stack's region. Required.
	BucketArn *string
	// EncryptionKeyArn is the bucket's KMS key (full ARN, in this region). Required.
	EncryptionKeyArn *string
	// Prefix of delivered objects. Default: "cloudwatch/".
	Prefix *string
	// ErrorPrefix of records Firehose could not process or deliver. Default: "cloudwatch-errors/".
	ErrorPrefix *string
	// BufferInterval before Firehose writes an object (60..900 s). With dynamic partitioning
	// Firehose keeps one buffer per partition (one source account on one day) and writes one
	// object per partition whenever it fills or times out ("Buffering hints"), so this sets the
	// size of most objects: the longest interval writes the fewest and largest, which S3 lifecycle
	// can archive (objects smaller than the bucket's archive threshold stay in S3 Standard) and
	// which cost less per object (Firehose's per-object fee, S3 PUTs, lifecycle transitions).
	// Default: 900 seconds.
	BufferInterval awscdk.Duration
	// BufferSizeMiB before Firehose writes an object (64..128; dynamic partitioning needs >= 64).
	// Default: 128.
	BufferSizeMiB *float64
	// Compression of delivered objects: "GZIP" or "UNCOMPRESSED". Log lines compress several
	// times over; Athena reads GZIP JSON lines by the .gz extension. Default: "GZIP".
	Compression *string
	// FileExtension of delivered objects. Default: ".json.gz" with GZIP, ".json" without.
	FileExtension *string
	// DataFreshnessThreshold raises the freshness alarm when the oldest undelivered record is
	// older than this. Firehose retries a failing S3 delivery for 24 hours and then drops the data;
	// the threshold must be well below that. Default: 1 hour.
	DataFreshnessThreshold awscdk.Duration
	// LogKeyArn encrypts the delivery error log group: a key in this region whose policy admits
	// CloudWatch Logs (the LogKey). Default: CloudWatch Logs' own encryption.
	LogKeyArn *string
	// AlarmNamePrefix names the alarms "<prefix><stream name>-<what>".
	// Default: CloudFormation generates the names.
	AlarmNamePrefix *string

	bucketRegion *string // this stack's region (the bucket's, for kms:ViaService)
}

// Receiver is the delivery side: one Firehose stream per source region into the central
// bucket, the role they share, the record processor, the error log group and the delivery alarms.
type Receiver struct {
	// Construct is this construct in the tree: pass it where CDK takes a construct (a scope,
	// awscdk.Tags_Of, Node().AddDependency). The struct itself is not one, so that passing it does
	// not compile instead of failing in jsii at run time.
	Construct constructs.Construct
	// DeliveryStreams by source region.
	DeliveryStreams map[string]awskinesisfirehose.CfnDeliveryStream
	// DeliveryRole lets Firehose process records and write them to the bucket.
	DeliveryRole awsiam.Role
	// Processor is the record processor (inline Lambda).
	Processor *inlinefn.Function
	// ErrorLogGroup receives Firehose's delivery and processing errors; retained on delete and
	// protected from deletion (ErrorLogProtection).
	ErrorLogGroup awslogs.LogGroup
	// ErrorLogProtection turns on the error log group's deletion protection once it exists.
	ErrorLogProtection *logprotect.Protection
	// Alarms fire when data is not getting delivered: freshness, delivery success, processing
	// success, throttling and the active-partition quota, for every stream. Add actions with
	// AddAlarmAction.
	Alarms []awscloudwatch.Alarm
}

var namePattern = regexp.MustCompile(`^[^:*]{1,512}$`)

// StreamName is the name of the stream that receives the logs of sourceRegion.
func StreamName(prefix, sourceRegion string) string { return prefix + sourceRegion }

// New creates a LogReceiver in the scope's stack region (the bucket's region).
func New(scope constructs.Construct, id string, props *Props) *Receiver {
	p := withDefaults(props)
	this := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(this)
	account := *stack.Account()
	p.bucketRegion = stack.Region()

	var errorKey awskms.IKey
	if p.LogKeyArn != nil {
		errorKey = awskms.Key_FromKeyArn(this, jsii.String("LogKey"), p.LogKeyArn)
	}
	errorLogs := awslogs.NewLogGroup(this, jsii.String("DeliveryErrors"), &awslogs.LogGroupProps{
		EncryptionKey: errorKey,
		Retention:     awslogs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
	})
	protection := logprotect.New(this, "DeliveryErrorsProtection", &logprotect.Props{LogGroup: errorLogs})
	errorStream := errorLogs.AddStream(jsii.String("S3Delivery"), &awslogs.StreamOptions{LogStreamName: jsii.String("S3Delivery")})
	// A named stream kept after a failed first create would make every retry fail ("already
	// exists"): kept on updates and deletes only (CloudFormation RetainExceptOnCreate).
	errorStream.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE)

	fn := inlinefn.New(this, "Processor", &inlinefn.Props{
		Source:      processor,
		Plain:       true,
		Caller:      "Data Firehose record processing",
		Description: jsii.String("sessionaudit: decompresses CloudWatch Logs records, extracts messages, partitions by account"),
		Timeout:     awscdk.Duration_Minutes(jsii.Number(1)),
	})

	// Amazon Data Firehose developer guide, "Grant Firehose access to an Amazon S3 destination": the
	// role trusts firehose.amazonaws.com with "sts:ExternalId" set to the account ID, the condition
	// Firehose documents for its role.
	deliveryRole := awsiam.NewRole(this, jsii.String("DeliveryRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("firehose.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"sts:ExternalId": account}},
		}),
		Description: jsii.String("sessionaudit: Firehose writes forwarded CloudWatch Logs to the central bucket"),
	})
	for _, s := range deliveryStatements(p, fn, errorLogs) {
		deliveryRole.AddToPolicy(s)
	}

	r := &Receiver{
		Construct: this, DeliveryStreams: map[string]awskinesisfirehose.CfnDeliveryStream{},
		DeliveryRole: deliveryRole, Processor: fn, ErrorLogGroup: errorLogs, ErrorLogProtection: protection,
	}
	for _, region := range p.SourceRegions {
		streamName := StreamName(*p.StreamNamePrefix, region)
		scope := constructs.NewConstruct(this, jsii.String(region))
		stream := awskinesisfirehose.NewCfnDeliveryStream(scope, jsii.String("DeliveryStream"), &awskinesisfirehose.CfnDeliveryStreamProps{
			DeliveryStreamName: jsii.String(streamName),
			DeliveryStreamType: jsii.String("DirectPut"),
			DeliveryStreamEncryptionConfigurationInput: &awskinesisfirehose.CfnDeliveryStream_DeliveryStreamEncryptionConfigurationInputProperty{
				KeyType: jsii.String("AWS_OWNED_CMK"),
			},
			ExtendedS3DestinationConfiguration: &awskinesisfirehose.CfnDeliveryStream_ExtendedS3DestinationConfigurationProperty{
				BucketArn:         p.BucketArn,
				RoleArn:           deliveryRole.RoleArn(),
				Prefix:            jsii.String(*p.Prefix + strings.TrimPrefix(archivelayout.FirehosePrefix(region), archivelayout.ForwardedPrefix)),
				ErrorOutputPrefix: jsii.String(*p.ErrorPrefix + strings.TrimPrefix(archivelayout.FirehoseErrorPrefix(region), archivelayout.ForwardedErrorPrefix)),
				BufferingHints: &awskinesisfirehose.CfnDeliveryStream_BufferingHintsProperty{
					IntervalInSeconds: p.BufferInterval.ToSeconds(nil),
					SizeInMBs:         p.BufferSizeMiB,
				},
				CompressionFormat: p.Compression,
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
		r.DeliveryStreams[region] = stream
		r.Alarms = append(r.Alarms, alarms(scope, streamName, p.AlarmNamePrefix, p.DataFreshnessThreshold)...)
	}
	acknowledgeFindings(r, p)
	return r
}

// DestinationProps configures a Destination.
type DestinationProps struct {
	// OrganizationID may subscribe to the destination (aws:PrincipalOrgID). Required.
	OrganizationID *string
	// DestinationName is the destination's deterministic name; senders derive its ARN. Required.
	DestinationName *string
	// TargetArn is the Firehose stream the destination puts records into, in any region (see the
	// package documentation). Required.
	TargetArn *string
}

// Destination is a CloudWatch Logs destination that every principal of the organization may
// subscribe to, with the role CloudWatch Logs assumes to put the records into the target stream.
type Destination struct {
	// Construct is this construct in the tree: pass it where CDK takes a construct (a scope,
	// awscdk.Tags_Of, Node().AddDependency). The struct itself is not one, so that passing it does
	// not compile instead of failing in jsii at run time.
	Construct constructs.Construct
	// Destination is the CloudWatch Logs destination (organization-scoped access policy).
	Destination awslogs.CfnDestination
	// DestinationArn is what senders' subscription filters point to.
	DestinationArn *string
	// Role lets CloudWatch Logs put records into the target stream.
	Role awsiam.Role
}

// NewDestination creates a Destination in the scope's stack region.
func NewDestination(scope constructs.Construct, id string, props *DestinationProps) *Destination {
	if props == nil || props.OrganizationID == nil || props.DestinationName == nil || props.TargetArn == nil {
		invalid.Panic("logreceiver", "DestinationProps.OrganizationID, DestinationProps.DestinationName and DestinationProps.TargetArn are required")
	}
	if n := *props.DestinationName; !*awscdk.Token_IsUnresolved(props.DestinationName) && !namePattern.MatchString(n) {
		invalid.Panic("logreceiver", "DestinationProps.DestinationName must be 1 to 512 characters without ':' or '*' (got %q)", n)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(this)
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()
	// CloudWatch Logs user guide, "Step 2: Create a destination" (Firehose): the role trusts
	// logs.amazonaws.com with aws:SourceArn limited to the logs ARNs of the sending and receiving
	// accounts (confused deputy prevention); every account of the organization may send, so the
	// pattern is any account of this region. CloudWatch Logs does not document sending
	// aws:SourceOrgID: it is checked only where present (…IfExists), never required (the destination
	// policy admits only the organization, aws:PrincipalOrgID).
	role := awsiam.NewRole(this, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("logs.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{
				"StringEqualsIfExists": map[string]any{"aws:SourceOrgID": props.OrganizationID},
				"StringLike":           map[string]any{"aws:SourceArn": fmt.Sprintf("arn:%s:logs:%s:*:*", partition, region)},
			},
		}),
		Description: jsii.String("sessionaudit: CloudWatch Logs puts subscription data into Firehose"),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("firehose:PutRecord", "firehose:PutRecordBatch"),
		Resources: jsii.Strings(*props.TargetArn),
	}))
	destinationArn := fmt.Sprintf("arn:%s:logs:%s:%s:destination:%s", partition, region, account, *props.DestinationName)
	destination := awslogs.NewCfnDestination(this, jsii.String("Destination"), &awslogs.CfnDestinationProps{
		DestinationName:   props.DestinationName,
		RoleArn:           role.RoleArn(),
		TargetArn:         props.TargetArn,
		DestinationPolicy: stack.ToJsonString(DestinationPolicy(props.OrganizationID, &destinationArn), nil),
	})
	destination.Node().AddDependency(role)
	d := &Destination{Construct: this, Destination: destination, DestinationArn: jsii.String(destinationArn), Role: role}
	acknowledgeDestination(d)
	return d
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
