package logreceiver

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/acknowledge"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/inlinefn"
	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/constructs/logbucket"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
)

// deliveryStatements is what Firehose needs: write only under its two prefixes, check the bucket,
// use the key only through S3 for this bucket, invoke the processor and log errors (with the log
// key through CloudWatch Logs when the error log group is encrypted).
func deliveryStatements(p Props, fn *inlinefn.Function, errorLogs awslogs.LogGroup) []awsiam.PolicyStatement {
	bucket := *p.BucketArn
	objects, errs := p.prefixArns()
	// Its two prefixes and the key through S3: the central bucket's write access.
	write := logbucket.Access{
		BucketArn: p.BucketArn, Objects: *jsii.Strings(objects, errs), KeyArns: []*string{p.EncryptionKeyArn}, Region: p.bucketRegion,
		ObjectSid: jsii.String("WriteOwnPrefixes"), KeySid: jsii.String("EncryptThroughS3"),
	}.WriteStatements()
	statements := append(write,
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("CheckBucket"),
			Actions:   jsii.Strings("s3:GetBucketLocation", "s3:ListBucketMultipartUploads"),
			Resources: jsii.Strings(bucket),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("InvokeProcessor"),
			Actions:   jsii.Strings("lambda:InvokeFunction", "lambda:GetFunctionConfiguration"),
			Resources: jsii.Strings(*fn.Function.FunctionArn()),
		}),
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("LogDeliveryErrors"),
			Actions:   jsii.Strings("logs:PutLogEvents"),
			Resources: jsii.Strings(*errorLogs.LogGroupArn()),
		}),
	)
	if p.LogKeyArn == nil {
		return statements
	}
	// Firehose writes its errors with this role (CloudWatchLoggingOptions; Amazon Data Firehose
	// developer guide, "Grant Firehose access to an Amazon S3 destination": logs:PutLogEvents on the
	// error log group), so CloudWatch Logs calls the log key on the role's behalf: the writer's
	// path of logkey.WriterAccess, only through CloudWatch Logs of this region, only for this
	// group's encryption context (its ARN without ":*").
	return append(statements, logkey.WriterAccess{
		KeyArn: p.LogKeyArn, LogGroupArn: errorLogGroupArn(errorLogs), Region: p.bucketRegion, Sid: jsii.String(SidErrorLogKey),
	}.Statements()...)
}

// SidErrorLogKey names the delivery role's statement that lets CloudWatch Logs use the LogKey for
// the error log group on the role's behalf (its kms:DescribeKey statement is SidErrorLogKey + "Describe").
const SidErrorLogKey = "EncryptDeliveryErrorsThroughCloudWatchLogs"

// errorLogGroupArn is the log group's ARN as CloudWatch Logs writes it in the encryption context
// (kms:EncryptionContext:aws:logs:arn): arn:<partition>:logs:<region>:<account>:log-group:<name>,
// without the ":*" of the AWS::Logs::LogGroup Arn attribute.
func errorLogGroupArn(group awslogs.LogGroup) *string {
	return awscdk.Stack_Of(group).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: group.LogGroupName(),
		ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
}

// acknowledgeFindings records why the remaining rule-pack findings are right for a LogReceiver.
func acknowledgeFindings(r *Receiver, p Props) {
	objects, errs := p.prefixArns()
	acknowledge.On(r.DeliveryRole.Node().FindChild(jsii.String("DefaultPolicy")), append(
		acknowledge.InCompliancePacks("IAMNoInlinePolicy", "the policy belongs only to the Firehose delivery role of this stream and holds exactly its two prefixes, the key through S3, its processor and its error log (with the log key through CloudWatch Logs for that group)"),
		acknowledge.Finding{ID: "AwsSolutions-IAM5[" + acknowledge.Resource(r.Construct, jsii.String(objects)) + "]",
			Reason: "Firehose names objects by account, date and a random suffix at delivery time; the wildcard is below the forwarded-logs prefix and allows only writing"},
		acknowledge.Finding{ID: "AwsSolutions-IAM5[" + acknowledge.Resource(r.Construct, jsii.String(errs)) + "]",
			Reason: "Firehose names error objects by error type, date and a random suffix at delivery time; the wildcard is below the error prefix and allows only writing"},
	)...)
	if p.LogKeyArn == nil {
		acknowledge.On(r.ErrorLogGroup, acknowledge.InCompliancePacks("CloudWatchLogGroupEncrypted",
			"no LogKeyArn was given for this receiver; the log group holds Firehose's error descriptions, not the forwarded records, and is encrypted with service-owned keys")...)
	}
}

// acknowledgeDestination records why the destination role's inline policy is right.
func acknowledgeDestination(d *Destination) {
	acknowledge.On(d.Role.Node().FindChild(jsii.String("DefaultPolicy")), acknowledge.InCompliancePacks("IAMNoInlinePolicy",
		"the policy belongs only to the role CloudWatch Logs assumes for this destination and allows only putting records into its one stream")...)
}

// prefixArns are the object ARN patterns Firehose writes: delivered records and errors.
func (p Props) prefixArns() (objects, errors string) {
	return *p.BucketArn + "/" + *p.Prefix + "*", *p.BucketArn + "/" + *p.ErrorPrefix + "*"
}

// AddAlarmAction adds an action (an SNS topic, say) to every delivery alarm.
func (r *Receiver) AddAlarmAction(action awscloudwatch.IAlarmAction) {
	for _, a := range r.Alarms {
		a.AddAlarmAction(action)
	}
}

// alarms watch the stream for data that is not getting delivered. Missing data (no traffic) is
// not a failure.
func alarms(scope constructs.Construct, streamName string, prefix *string, freshness awscdk.Duration) []awscloudwatch.Alarm {
	metric := func(name, statistic string) awscloudwatch.Metric {
		return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String("AWS/Firehose"),
			MetricName:    jsii.String(name),
			DimensionsMap: &map[string]*string{"DeliveryStreamName": jsii.String(streamName)},
			Statistic:     jsii.String(statistic),
			Period:        awscdk.Duration_Minutes(jsii.Number(5)),
		})
	}
	alarm := func(id, name, statistic, description string, threshold float64, op awscloudwatch.ComparisonOperator, periods float64) awscloudwatch.Alarm {
		var alarmName *string
		if prefix != nil {
			alarmName = jsii.String(fmt.Sprintf("%s%s-%s", *prefix, streamName, id[:len(id)-len("Alarm")]))
		}
		return awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmName:          alarmName,
			Metric:             metric(name, statistic),
			Threshold:          jsii.Number(threshold),
			ComparisonOperator: op,
			EvaluationPeriods:  jsii.Number(periods),
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription:   jsii.String(fmt.Sprintf("sessionaudit %s: %s", streamName, description)),
		})
	}
	return []awscloudwatch.Alarm{
		alarm("DataFreshnessAlarm", "DeliveryToS3.DataFreshness", "Maximum",
			"records wait too long for S3 delivery; Firehose drops them after 24 hours of failed retries",
			*freshness.ToSeconds(nil), awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, 1),
		alarm("DeliverySuccessAlarm", "DeliveryToS3.Success", "Minimum",
			"S3 deliveries are failing", 1, awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD, 3),
		alarm("ProcessingSuccessAlarm", "ExecuteProcessing.Success", "Minimum",
			"the record processor is failing; records go to the error prefix", 1, awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD, 3),
		alarm("ThrottlingAlarm", "ThrottledRecords", "Sum",
			"incoming records are throttled", 0, awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, 1),
		alarm("PartitionCountExceededAlarm", "PartitionCountExceeded", "Maximum",
			fmt.Sprintf("more accounts log at once than the stream's active-partition quota (default %d); their records go to the error prefix until the quota is raised", MaxActivePartitions),
			0, awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, 1),
	}
}

func withDefaults(props *Props) Props {
	if props == nil {
		props = &Props{}
	}
	p := *props
	if len(p.SourceRegions) == 0 || p.BucketArn == nil || p.EncryptionKeyArn == nil {
		invalid.Panic("logreceiver", "Props.SourceRegions, Props.BucketArn and Props.EncryptionKeyArn are required")
	}
	str := func(v **string, def string) {
		if *v == nil {
			*v = jsii.String(def)
		}
	}
	str(&p.StreamNamePrefix, "session-audit-")
	str(&p.Prefix, archivelayout.ForwardedPrefix)
	str(&p.ErrorPrefix, archivelayout.ForwardedErrorPrefix)
	str(&p.Compression, "GZIP")
	switch *p.Compression {
	case "GZIP":
		str(&p.FileExtension, ".json.gz")
	case "UNCOMPRESSED":
		str(&p.FileExtension, ".json")
	default:
		invalid.Panic("logreceiver", `Props.Compression must be "GZIP" or "UNCOMPRESSED" (got %q)`, *p.Compression)
	}
	if p.BufferInterval == nil {
		p.BufferInterval = awscdk.Duration_Seconds(jsii.Number(900))
	}
	if p.BufferSizeMiB == nil {
		p.BufferSizeMiB = jsii.Number(128)
	}
	if s := *p.BufferSizeMiB; !*awscdk.Token_IsUnresolved(p.BufferSizeMiB) && (s < 64 || s > 128) {
		invalid.Panic("logreceiver", "Props.BufferSizeMiB must be from 64 to 128 with dynamic partitioning (got %v)", s)
	}
	if s := *p.BufferInterval.ToSeconds(nil); s < 60 || s > 900 {
		invalid.Panic("logreceiver", "Props.BufferInterval must be from 60 to 900 seconds (got %v)", s)
	}
	if p.DataFreshnessThreshold == nil {
		p.DataFreshnessThreshold = awscdk.Duration_Hours(jsii.Number(1))
	}
	if s := *p.DataFreshnessThreshold.ToSeconds(nil); s < 300 || s >= 24*3600 {
		invalid.Panic("logreceiver", "Props.DataFreshnessThreshold must be from 5 minutes to under 24 hours (got %v seconds)", s)
	}
	return p
}
