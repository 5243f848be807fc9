// Package coveragecheck provides CoverageCheck: a scheduled function in the log-archive account
// that runs yesterday's coverage once a day (the two queries of `sessionaudit coverage`, the same
// text, in the archive-search workgroup), compares them as operator/coverage does, and publishes
// one message to the notification topic when a session has no record, output was forged or the
// ledger is empty (docs/evidence.md, "Coverage"; docs/notifications.md, "The daily coverage
// message"). A day without gaps sends nothing; a day the check could not run sends "could not
// run" and the function fails. A marker object per day, written with a conditional put before
// the message, keeps retries from sending a second one.
package coveragecheck

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/acknowledge"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
	"github.com/sessionaudit/sessionaudit/constructs/inlinefn"
	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/constructs/logbucket"
	"github.com/sessionaudit/sessionaudit/constructs/orgkey"
	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
)

//go:embed check.js
var check string

// Description of the check's function (cost.CoverageCheckDescription finds it by this).
const Description = "sessionaudit: announces yesterday's coverage gaps on the notification topic"

// ScheduleRuleDescription describes the daily rule.
const ScheduleRuleDescription = "sessionaudit: the daily coverage check"

// Schedule is when the check runs: 00:30 UTC (EventBridge cron expressions are in UTC), after the
// ledger's buffer (at most ledger.MaxBufferSeconds) and the forwarded streams' (at most 900
// seconds, Firehose's longest buffering interval) have delivered the day's last events.
const Schedule = "cron(30 0 * * ? *)"

// MarkerPrefix holds one object per announced day in the query results bucket.
const MarkerPrefix = "coverage-check/"

// LookBackDays is how many days before the checked day the ledger is read
// (operator/coverage.LedgerLookBack).
const LookBackDays = 7

// Props configures a CoverageCheck.
type Props struct {
	// Topic receives the messages. Required.
	Topic awssns.ITopic
	// TopicKey encrypts Topic (publishing needs it). Default: none (an unencrypted topic).
	TopicKey awskms.IKey
	// Search is the archive search: its workgroup runs the queries, its results bucket holds the
	// results and the markers. Required.
	Search *archivesearch.Search
	// ArchiveBucketName is the central bucket the tables read. Required.
	ArchiveBucketName *string
	// ArchiveKey encrypts the central bucket and the query results (the LogKey). Required.
	ArchiveKey awskms.IKey
	// Regions are the governed regions: a session elsewhere is "ungoverned region". Required.
	Regions []string
	// Phase is the rollout phase; "permissions" names the cause of sessions not yet logged.
	// Default: "" (sessions are logged).
	Phase *string
	// DeadLetterQueue receives the failed invocations. Default: a queue of its own.
	DeadLetterQueue awssqs.IQueue
	// Listed is how many sessions a message lists. Default: 20.
	Listed *float64
	// Schedule of the rule. Default: Schedule.
	Schedule *string
	// LedgerSQL and ForwardedSQL are the two queries. Default: archivesearch.CoverageLedgerSQL
	// and CoverageForwardedSQL (the text `sessionaudit coverage` runs).
	LedgerSQL, ForwardedSQL *string
}

// CoverageCheck is the function and its daily rule.
type CoverageCheck struct {
	// Construct is this construct in the tree.
	Construct constructs.Construct
	// Function is the check.
	Function *inlinefn.Function
	// Rule runs it once a day.
	Rule awsevents.Rule
	// DeadLetterQueue receives its failed invocations.
	DeadLetterQueue awssqs.IQueue
}

// New creates a CoverageCheck in the archive's account and region.
func New(scope constructs.Construct, id string, props *Props) *CoverageCheck {
	p := withDefaults(props)
	this := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(this)
	arn := func(service, resource string) string {
		return fmt.Sprintf("arn:%s:%s:%s:%s:%s", *stack.Partition(), service, *stack.Region(), *stack.Account(), resource)
	}
	bucket := fmt.Sprintf("arn:%s:s3:::%s", *stack.Partition(), *p.ArchiveBucketName)
	results := p.Search.ResultsBucket
	database := *p.Search.Database.Ref()
	st := func(sid string, actions []string, resources []string, conditions map[string]any) awsiam.PolicyStatement {
		props := &awsiam.PolicyStatementProps{Sid: jsii.String(sid), Actions: jsii.Strings(actions...), Resources: jsii.Strings(resources...)}
		if conditions != nil {
			props.Conditions = &conditions
		}
		return awsiam.NewPolicyStatement(props)
	}
	// Athena reads the data and writes the results with the caller's credentials (Athena user
	// guide, "Access to Amazon S3"): the two tables' prefixes, the results bucket; the check itself
	// lists transcripts by key and writes its markers.
	ledgerObjects := bucket + "/" + archivelayout.LedgerPrefix + "*"
	forwardedObjects := bucket + "/" + archivelayout.ForwardedPrefix + "*"
	resultObjects := *results.BucketArn() + "/*"
	markers := *results.BucketArn() + "/" + MarkerPrefix + "*"
	statements := []awsiam.PolicyStatement{
		st("RunQueries", []string{"athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults"},
			[]string{arn("athena", "workgroup/"+*p.Search.WorkGroup.Name())}, nil),
		st("ReadTableDefinitions", []string{"glue:GetDatabase", "glue:GetTable"},
			[]string{arn("glue", "catalog"), arn("glue", "database/"+database),
				arn("glue", "table/"+database+"/"+archivesearch.LedgerTable), arn("glue", "table/"+database+"/"+archivesearch.ForwardedTable)}, nil),
		st("ListTheArchive", []string{"s3:ListBucket"}, []string{bucket},
			map[string]any{"StringLike": map[string]any{"s3:prefix": []string{archivelayout.LedgerPrefix + "*", archivelayout.ForwardedPrefix + "*", archivelayout.TranscriptPrefix + "*"}}}),
		st("LocateTheArchive", []string{"s3:GetBucketLocation"}, []string{bucket}, nil),
		st("UseTheResults", []string{"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListBucket", "s3:GetBucketLocation", "s3:ListMultipartUploadParts"},
			[]string{*results.BucketArn(), resultObjects}, nil),
		st("GiveBackAFailedDay", []string{"s3:DeleteObject"}, []string{markers}, nil),
		st("EncryptTheResults", []string{"kms:GenerateDataKey", "kms:Decrypt"}, []string{*p.ArchiveKey.KeyArn()},
			map[string]any{"StringEquals": orgkey.ThroughS3(stack.Region(), results.BucketArn())}),
		st("Announce", []string{"sns:Publish"}, []string{*p.Topic.TopicArn()}, nil),
	}
	statements = append(statements, (logbucket.Access{
		BucketArn: jsii.String(bucket), Objects: []*string{jsii.String(ledgerObjects), jsii.String(forwardedObjects)},
		KeyArns: []*string{p.ArchiveKey.KeyArn()}, Region: stack.Region(),
		ObjectSid: jsii.String("ReadTheLedgerAndOutput"), KeySid: jsii.String("DecryptTheArchive"),
	}).ReadStatements()...)
	if p.TopicKey != nil {
		// SNS developer guide, "Key management" (encryption at rest): publishers to an encrypted topic need
		// kms:GenerateDataKey* and kms:Decrypt on its key.
		statements = append(statements, st("EncryptTheMessage", []string{"kms:GenerateDataKey*", "kms:Decrypt"}, []string{*p.TopicKey.KeyArn()},
			map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("sns.%s.amazonaws.com", *stack.Region())}}))
	}
	dead := p.DeadLetterQueue
	if dead == nil {
		dead = awssqs.NewQueue(this, jsii.String("DeadLetters"), &awssqs.QueueProps{
			RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
			Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
			EnforceSSL:      jsii.Bool(true),
		})
	}
	phase := ""
	if p.Phase != nil {
		phase = *p.Phase
	}
	fn := inlinefn.New(this, "Function", &inlinefn.Props{
		Source:      check,
		Plain:       true,
		Description: jsii.String(Description),
		Timeout:     awscdk.Duration_Minutes(jsii.Number(5)),
		Environment: &map[string]*string{
			"WORKGROUP":        p.Search.WorkGroup.Name(),
			"DATABASE":         p.Search.Database.Ref(),
			"ARCHIVE_BUCKET":   p.ArchiveBucketName,
			"RESULTS_BUCKET":   results.BucketName(),
			"MARKER_PREFIX":    jsii.String(MarkerPrefix),
			"TOPIC_ARN":        p.Topic.TopicArn(),
			"REGIONS":          jsii.String(strings.Join(p.Regions, ",")),
			"PHASE":            jsii.String(phase),
			"LOGGED_DOCUMENTS": jsii.String(strings.Join(sessiondocs.Logged, ",")),
			"LISTED":           jsii.String(fmt.Sprint(*p.Listed)),
			"LOOK_BACK":        jsii.String(fmt.Sprint(LookBackDays)),
			"LEDGER_SQL":       p.LedgerSQL,
			"FORWARDED_SQL":    p.ForwardedSQL,
		},
		Caller:          "the daily EventBridge schedule",
		DeadLetterQueue: dead,
		Statements:      statements,
	})
	for _, w := range []struct{ resource, reason string }{
		{ledgerObjects, "Athena reads the ledger table's objects with the check's credentials: every hour of the days it queries, under the ledger prefix only"},
		{forwardedObjects, "Athena reads the forwarded-events table's objects with the check's credentials: every account and region of the days it queries, under the forwarded prefix only"},
		{resultObjects, "the workgroup's own results bucket, where Athena writes each query's results under a generated key (and the check its markers)"},
		{markers, "one marker per announced day, named by the day; deleted only when publishing failed, so that the retry announces the day"},
	} {
		acknowledge.On(fn.Role.Node().FindChild(jsii.String("DefaultPolicy")),
			acknowledge.Finding{ID: "AwsSolutions-IAM5[" + acknowledge.Resource(this, jsii.String(w.resource)) + "]", Reason: w.reason})
	}
	if p.TopicKey != nil {
		acknowledge.On(fn.Role.Node().FindChild(jsii.String("DefaultPolicy")), acknowledge.Finding{ID: "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
			Reason: "the SNS developer guide names kms:GenerateDataKey* for publishers to an encrypted topic; granted on the topic's key only, and only through SNS (kms:ViaService)"})
	}
	if p.DeadLetterQueue == nil {
		acknowledge.On(dead, acknowledge.Finding{ID: "AwsSolutions-SQS3", Reason: "this queue is itself the dead-letter queue of the daily check's invocations"})
	}
	rule := awsevents.NewRule(this, jsii.String("Daily"), &awsevents.RuleProps{
		Description: jsii.String(ScheduleRuleDescription),
		Schedule:    awsevents.Schedule_Expression(p.Schedule),
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(fn.Function, &awseventstargets.LambdaFunctionProps{
			DeadLetterQueue: dead,
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(6)),
			RetryAttempts:   jsii.Number(2),
		})},
	})
	return &CoverageCheck{Construct: this, Function: fn, Rule: rule, DeadLetterQueue: dead}
}

func withDefaults(props *Props) Props {
	if props == nil || props.Topic == nil || props.Search == nil || props.ArchiveBucketName == nil || props.ArchiveKey == nil || len(props.Regions) == 0 {
		invalid.Panic("coveragecheck", "Props.Topic, Props.Search, Props.ArchiveBucketName, Props.ArchiveKey and Props.Regions are required")
	}
	p := *props
	if p.Listed == nil {
		p.Listed = jsii.Number(20)
	}
	if *p.Listed < 1 {
		invalid.Panic("coveragecheck", "Props.Listed: at least 1 (got %v)", *p.Listed)
	}
	if p.Schedule == nil {
		p.Schedule = jsii.String(Schedule)
	}
	if p.LedgerSQL == nil {
		p.LedgerSQL = jsii.String(archivesearch.CoverageLedgerSQL)
	}
	if p.ForwardedSQL == nil {
		p.ForwardedSQL = jsii.String(archivesearch.CoverageForwardedSQL)
	}
	return p
}
