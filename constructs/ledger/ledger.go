// Package ledger provides the Ledger: every access event the central bus receives (what the
// inbox's rules announce: sessions started, resumed and terminated, RDP connections, just-in-time
// requests and decisions, the other ways into a node, console sign-ins, denied attempts included)
// written as received into the central bucket under archivelayout.LedgerPrefix, under the bucket's
// Object Lock and encrypted with the LogKey, within minutes.
//
// One rule on the bus, whose pattern is the union of the inbox's (loginnotifier.InboxUnionPattern),
// puts each event into a Firehose stream (DirectPut). Amazon EventBridge user guide, "Event bus
// targets": a Firehose delivery stream is a target, EventBridge calls it with a role that allows
// firehose:PutRecord. The stream writes each event as one JSON line (the EventBridge envelope:
// version, id, detail-type, source, account, time, region, resources, detail) and gzips the
// objects; it buffers at most BufferInterval (Amazon Data Firehose developer guide, "Configure
// buffering hints": 0 to 900 seconds for S3).
//
// Feature flags: its output means the same with or without any; @aws-cdk/core:target-partitions
// and @aws-cdk/aws-iam:minimizePolicies change only how the template is written.
package ledger

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesisfirehose"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/acknowledge"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/constructs/logbucket"
	"github.com/sessionaudit/sessionaudit/constructs/loginnotifier"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/constructs/logreceiver"
)

// MaxBufferSeconds is the longest buffering the ledger accepts: an event is in the bucket within
// about this many seconds of its arrival on the bus.
const MaxBufferSeconds = 300

// Props configures a Ledger.
type Props struct {
	// Bus is the central event bus. Required.
	Bus awsevents.IEventBus
	// RuleName of the ledger's rule on the bus (deterministic: the Firehose role trusts
	// EventBridge for this rule only). Required.
	RuleName *string
	// StreamName of the Firehose stream. Required.
	StreamName *string
	// BucketArn is the central bucket, in this stack's region. Required.
	BucketArn *string
	// EncryptionKeyArn is the bucket's KMS key (the LogKey, full ARN). Required.
	EncryptionKeyArn *string
	// ErrorLogGroup receives Firehose's delivery errors (a stream "LedgerDelivery" is added to
	// it). Required.
	ErrorLogGroup awslogs.ILogGroup
	// ErrorLogKeyArn encrypts ErrorLogGroup; the delivery role then may use it through CloudWatch
	// Logs for that group. Default: the group is not encrypted with a customer key.
	ErrorLogKeyArn *string
	// DeadLetterQueue receives events the rule could not put into the stream. Default: none.
	DeadLetterQueue awssqs.IQueue
	// BufferInterval before Firehose writes an object (0..MaxBufferSeconds). Default: 300 seconds.
	BufferInterval awscdk.Duration
	// AlarmNamePrefix names the alarms "<prefix><stream name>-<what>". Default: generated names.
	AlarmNamePrefix *string
}

// Ledger is the rule, the stream and the roles that write the ledger.
type Ledger struct {
	// Construct is this construct in the tree.
	Construct constructs.Construct
	// Rule puts every access event of the bus into Stream.
	Rule awsevents.CfnRule
	// Stream writes the events to the ledger prefix.
	Stream awskinesisfirehose.CfnDeliveryStream
	// DeliveryRole lets Firehose write the ledger prefixes with the key.
	DeliveryRole awsiam.Role
	// PutRole lets EventBridge (this rule only) put records into Stream.
	PutRole awsiam.Role
	// Alarms fire when events are not getting into the ledger.
	Alarms []awscloudwatch.Alarm
}

// New creates a Ledger in the bucket's account and region.
func New(scope constructs.Construct, id string, props *Props) *Ledger {
	p := withDefaults(props)
	this := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(this)
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()
	l := &Ledger{Construct: this}

	errorStream := awslogs.NewLogStream(this, jsii.String("DeliveryErrors"), &awslogs.LogStreamProps{
		LogGroup: p.ErrorLogGroup, LogStreamName: jsii.String("LedgerDelivery"),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
	})
	// Amazon Data Firehose developer guide, "Grant Firehose access to an Amazon S3 destination".
	l.DeliveryRole = awsiam.NewRole(this, jsii.String("DeliveryRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("firehose.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"sts:ExternalId": account}},
		}),
		Description: jsii.String("sessionaudit: Firehose writes the ledger of access events to the central bucket"),
	})
	for _, s := range deliveryStatements(p, region) {
		l.DeliveryRole.AddToPolicy(s)
	}

	l.Stream = awskinesisfirehose.NewCfnDeliveryStream(this, jsii.String("Stream"), &awskinesisfirehose.CfnDeliveryStreamProps{
		DeliveryStreamName: p.StreamName,
		DeliveryStreamType: jsii.String("DirectPut"),
		DeliveryStreamEncryptionConfigurationInput: &awskinesisfirehose.CfnDeliveryStream_DeliveryStreamEncryptionConfigurationInputProperty{
			KeyType: jsii.String("AWS_OWNED_CMK"),
		},
		ExtendedS3DestinationConfiguration: &awskinesisfirehose.CfnDeliveryStream_ExtendedS3DestinationConfigurationProperty{
			BucketArn:         p.BucketArn,
			RoleArn:           l.DeliveryRole.RoleArn(),
			Prefix:            jsii.String(archivelayout.LedgerFirehosePrefix()),
			ErrorOutputPrefix: jsii.String(archivelayout.LedgerFirehoseErrorPrefix()),
			BufferingHints: &awskinesisfirehose.CfnDeliveryStream_BufferingHintsProperty{
				IntervalInSeconds: p.BufferInterval.ToSeconds(nil),
				SizeInMBs:         jsii.Number(128),
			},
			CompressionFormat: jsii.String("GZIP"),
			FileExtension:     jsii.String(".json.gz"),
			EncryptionConfiguration: &awskinesisfirehose.CfnDeliveryStream_EncryptionConfigurationProperty{
				KmsEncryptionConfig: &awskinesisfirehose.CfnDeliveryStream_KMSEncryptionConfigProperty{AwskmsKeyArn: p.EncryptionKeyArn},
			},
			// One event per line: Firehose concatenates records as they are; the newline makes
			// the objects JSON lines (Amazon Data Firehose API reference, Processor: "If you want
			// to add a new line delimiter between records in objects that are delivered to Amazon
			// S3, choose AppendDelimiterToRecord").
			ProcessingConfiguration: &awskinesisfirehose.CfnDeliveryStream_ProcessingConfigurationProperty{
				Enabled: jsii.Bool(true),
				Processors: &[]any{&awskinesisfirehose.CfnDeliveryStream_ProcessorProperty{
					Type: jsii.String("AppendDelimiterToRecord"),
				}},
			},
			CloudWatchLoggingOptions: &awskinesisfirehose.CfnDeliveryStream_CloudWatchLoggingOptionsProperty{
				Enabled: jsii.Bool(true), LogGroupName: p.ErrorLogGroup.LogGroupName(), LogStreamName: errorStream.LogStreamName(),
			},
			S3BackupMode: jsii.String("Disabled"),
		},
	})
	l.Stream.Node().AddDependency(l.DeliveryRole)

	ruleArn := fmt.Sprintf("arn:%s:events:%s:%s:rule/%s/%s", partition, region, account, *p.Bus.EventBusName(), *p.RuleName)
	l.PutRole = awsiam.NewRole(this, jsii.String("PutRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account, "aws:SourceArn": ruleArn}},
		}),
		Description: jsii.String("sessionaudit: the ledger rule of the central bus puts events into the ledger stream"),
	})
	l.PutRole.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid: jsii.String("PutIntoTheLedger"), Actions: jsii.Strings("firehose:PutRecord", "firehose:PutRecordBatch"),
		Resources: jsii.Strings(*l.Stream.AttrArn()),
	}))

	target := &awsevents.CfnRule_TargetProperty{
		Id: jsii.String("Ledger"), Arn: l.Stream.AttrArn(), RoleArn: l.PutRole.RoleArn(),
		RetryPolicy: &awsevents.CfnRule_RetryPolicyProperty{MaximumEventAgeInSeconds: jsii.Number(86400), MaximumRetryAttempts: jsii.Number(185)},
	}
	if p.DeadLetterQueue != nil {
		target.DeadLetterConfig = &awsevents.CfnRule_DeadLetterConfigProperty{Arn: p.DeadLetterQueue.QueueArn()}
	}
	l.Rule = awsevents.NewCfnRule(this, jsii.String("Rule"), &awsevents.CfnRuleProps{
		Name: p.RuleName, EventBusName: p.Bus.EventBusName(),
		Description:  jsii.String(Description),
		EventPattern: map[string]any(loginnotifier.InboxUnionPattern()),
		State:        jsii.String("ENABLED"),
		Targets:      []any{target},
	})
	l.Rule.Node().AddDependency(l.PutRole)
	if p.DeadLetterQueue != nil {
		p.DeadLetterQueue.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowLedgerRuleDeadLetters"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
			Actions:    jsii.Strings("sqs:SendMessage"),
			Resources:  jsii.Strings(*p.DeadLetterQueue.QueueArn()),
			Conditions: &map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": l.Rule.AttrArn()}},
		}))
	}
	l.Alarms = alarms(this, p)
	acknowledgeFindings(l, p)
	return l
}

// Description is the ledger rule's description.
const Description = "sessionaudit: write every access event to the ledger"

// deliveryStatements: write only the ledger prefixes with the key through S3, check the bucket,
// log delivery errors (with the error log key through CloudWatch Logs, when there is one).
func deliveryStatements(p Props, region string) []awsiam.PolicyStatement {
	objects, errs := prefixArns(p)
	statements := append(logbucket.Access{
		BucketArn: p.BucketArn, Objects: *jsii.Strings(objects, errs), KeyArns: []*string{p.EncryptionKeyArn}, Region: jsii.String(region),
		ObjectSid: jsii.String("WriteTheLedger"), KeySid: jsii.String("EncryptThroughS3"),
	}.WriteStatements(),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("CheckBucket"), Actions: jsii.Strings("s3:GetBucketLocation", "s3:ListBucketMultipartUploads"),
			Resources: jsii.Strings(*p.BucketArn),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid: jsii.String("LogDeliveryErrors"), Actions: jsii.Strings("logs:PutLogEvents"),
			Resources: jsii.Strings(*p.ErrorLogGroup.LogGroupArn()),
		}),
	)
	if p.ErrorLogKeyArn == nil {
		return statements
	}
	groupArn := awscdk.Stack_Of(p.ErrorLogGroup).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: p.ErrorLogGroup.LogGroupName(),
		ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	return append(statements, logkey.WriterAccess{
		KeyArn: p.ErrorLogKeyArn, LogGroupArn: groupArn, Region: jsii.String(region), Sid: jsii.String(logreceiver.SidErrorLogKey),
	}.Statements()...)
}

// prefixArns are the object ARN patterns the stream writes: the ledger and its errors.
func prefixArns(p Props) (objects, errors string) {
	return *p.BucketArn + "/" + archivelayout.LedgerPrefix + "*", *p.BucketArn + "/" + archivelayout.LedgerErrorPrefix + "*"
}

// AddAlarmAction adds an action (an SNS topic, say) to every alarm.
func (l *Ledger) AddAlarmAction(action awscloudwatch.IAlarmAction) {
	for _, a := range l.Alarms {
		a.AddAlarmAction(action)
	}
}

// alarms: records waiting too long, failing deliveries, events the rule could not put.
func alarms(scope constructs.Construct, p Props) []awscloudwatch.Alarm {
	five := awscdk.Duration_Minutes(jsii.Number(5))
	alarm := func(id, namespace, metric, statistic string, dims map[string]*string, threshold float64, op awscloudwatch.ComparisonOperator, description string) awscloudwatch.Alarm {
		var name *string
		if p.AlarmNamePrefix != nil {
			name = jsii.String(fmt.Sprintf("%s%s-%s", *p.AlarmNamePrefix, *p.StreamName, id))
		}
		return awscloudwatch.NewAlarm(scope, jsii.String(id+"Alarm"), &awscloudwatch.AlarmProps{
			AlarmName: name, Threshold: jsii.Number(threshold), ComparisonOperator: op, EvaluationPeriods: jsii.Number(1),
			Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace: jsii.String(namespace), MetricName: jsii.String(metric), DimensionsMap: &dims, Statistic: jsii.String(statistic), Period: five,
			}),
			TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription: jsii.String("sessionaudit ledger: " + description),
		})
	}
	stream := map[string]*string{"DeliveryStreamName": p.StreamName}
	return []awscloudwatch.Alarm{
		alarm("DataFreshness", "AWS/Firehose", "DeliveryToS3.DataFreshness", "Maximum", stream, 3600, awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			"ledger records wait over an hour for S3 delivery; Firehose drops them after 24 hours of failed retries"),
		alarm("DeliverySuccess", "AWS/Firehose", "DeliveryToS3.Success", "Minimum", stream, 1, awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
			"ledger deliveries to S3 are failing"),
		alarm("FailedInvocations", "AWS/Events", "FailedInvocations", "Sum",
			map[string]*string{"RuleName": p.RuleName, "EventBusName": p.Bus.EventBusName()}, 0, awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			"the ledger rule could not put events into the ledger stream"),
	}
}

// acknowledgeFindings records why the remaining rule-pack findings are right for a Ledger.
func acknowledgeFindings(l *Ledger, p Props) {
	objects, errs := prefixArns(p)
	acknowledge.On(l.DeliveryRole.Node().FindChild(jsii.String("DefaultPolicy")), append(
		acknowledge.InCompliancePacks("IAMNoInlinePolicy", "the policy belongs only to the ledger's Firehose delivery role and holds exactly its two prefixes, the key through S3 and its error log"),
		acknowledge.Finding{ID: "AwsSolutions-IAM5[" + acknowledge.Resource(l.Construct, jsii.String(objects)) + "]",
			Reason: "Firehose names ledger objects by hour and a random suffix at delivery time; the wildcard is below the ledger prefix and allows only writing"},
		acknowledge.Finding{ID: "AwsSolutions-IAM5[" + acknowledge.Resource(l.Construct, jsii.String(errs)) + "]",
			Reason: "Firehose names error objects by error type, date and a random suffix at delivery time; the wildcard is below the ledger error prefix and allows only writing"},
	)...)
	acknowledge.On(l.PutRole.Node().FindChild(jsii.String("DefaultPolicy")), acknowledge.InCompliancePacks("IAMNoInlinePolicy",
		"the policy belongs only to the role EventBridge assumes for the ledger rule and allows only putting records into the ledger stream")...)
}

func withDefaults(props *Props) Props {
	if props == nil || props.Bus == nil || props.RuleName == nil || props.StreamName == nil || props.BucketArn == nil ||
		props.EncryptionKeyArn == nil || props.ErrorLogGroup == nil {
		invalid.Panic("ledger", "Props.Bus, Props.RuleName, Props.StreamName, Props.BucketArn, Props.EncryptionKeyArn and Props.ErrorLogGroup are required")
	}
	p := *props
	if p.BufferInterval == nil {
		p.BufferInterval = awscdk.Duration_Seconds(jsii.Number(MaxBufferSeconds))
	}
	if s := *p.BufferInterval.ToSeconds(nil); s < 0 || s > MaxBufferSeconds {
		invalid.Panic("ledger", "Props.BufferInterval must be from 0 to %d seconds (got %v)", MaxBufferSeconds, s)
	}
	return p
}
