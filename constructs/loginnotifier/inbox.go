package loginnotifier

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/inlinefn"
	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
)

//go:embed formatter.js
var formatter string

// InboxProps configures an Inbox.
type InboxProps struct {
	// OrganizationID may put events to the bus (aws:PrincipalOrgID). Required.
	OrganizationID *string
	// BusName of the central bus. Required (senders derive its ARN; the inbox's rules are named
	// after it).
	BusName *string
	// Bus is an existing event bus to use instead of creating one; its resource policy is then
	// yours to set (admit the senders). Default: a new bus named BusName that admits the
	// organization.
	Bus awsevents.IEventBus
	// Topic is an existing topic to announce on instead of creating one; its policy must let
	// EventBridge (the alarm rule) and CloudWatch (the inbox alarms) of this account publish, and its
	// key (if any) let the formatter encrypt. Default: a new topic encrypted with a new key.
	Topic awssns.ITopic
	// TopicName names the topic the inbox creates (and, with "-chat", its chat topic); the topic key
	// admits EventBridge by these names. Default: BusName.
	TopicName *string
	// Emails subscribe to the topic (each must confirm once). Default: none.
	Emails []string
	// Chat also publishes every message in the custom notification format of AWS chat
	// integrations (Amazon Q Developer in chat applications: Slack, Microsoft Teams) to ChatTopic.
	// Default: false.
	Chat bool
	// BucketName is the central bucket, named in each message's log location. Required.
	BucketName *string
	// RecordingBucketName is where RDP connections are recorded, named in each connection's
	// message. Default: none (messages name no recording).
	RecordingBucketName *string
	// S3Prefix is where transcripts are, below it: <account>/<region>/<session>.log.
	// Default: "session-manager/".
	S3Prefix *string
	// LogGroupPrefix is the session log group's name without the account.
	// Default: "session-manager-log-".
	LogGroupPrefix *string
	// AlarmNamePrefix: alarms with this prefix arriving on the bus are announced on the topic, and
	// the inbox's own alarms are named with it. Default: "session-audit-".
	AlarmNamePrefix *string
	// GovernedRegions are the regions whose sessions are logged; sessions and RDP connections from
	// any other region are announced as in an ungoverned region, with no log location. Default:
	// none (every region counts as governed).
	GovernedRegions []string
}

// Inbox is the central side: an organization-scoped event bus, a formatter that turns session and
// sign-in events into readable messages, an encrypted topic with e-mail subscriptions, an
// optional chat topic, a rule that announces delivery alarms, a dead-letter queue and alarms on
// failed deliveries.
type Inbox struct {
	// Construct is this construct in the tree: pass it where CDK takes a construct (a scope,
	// awscdk.Tags_Of, Node().AddDependency). The struct itself is not one, so that passing it does
	// not compile instead of failing in jsii at run time.
	Construct constructs.Construct
	// Bus is the central event bus.
	Bus awsevents.IEventBus
	// Key encrypts the topics it created; nil when InboxProps.Topic was given.
	Key awskms.Key
	// Topic receives one readable message per event.
	Topic awssns.ITopic
	// ChatTopic receives the chat format; nil unless InboxProps.Chat.
	ChatTopic awssns.Topic
	// Formatter formats and publishes session and sign-in events (inline Lambda).
	Formatter *inlinefn.Function
	// Rules on the bus by name ("Sessions", "RdpConnections", "AccessRequests", "ConsoleSignIn",
	// "Ways", "Alarms").
	Rules map[string]awsevents.CfnRule
	// DeadLetterQueue receives events that could not be delivered.
	DeadLetterQueue awssqs.Queue
	// Alarms on undelivered events; they notify Topic directly.
	Alarms []awscloudwatch.Alarm
}

// NewInbox creates an Inbox.
func NewInbox(scope constructs.Construct, id string, props *InboxProps) *Inbox {
	p := inboxDefaults(props)
	this := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(this)
	in := &Inbox{Construct: this, Rules: map[string]awsevents.CfnRule{}}

	in.Bus = p.Bus
	if in.Bus == nil {
		bus := awsevents.NewEventBus(this, jsii.String("Bus"), &awsevents.EventBusProps{EventBusName: p.BusName})
		bus.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowOrganizationPutEvents"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("events:PutEvents"),
			Resources:  jsii.Strings(*bus.EventBusArn()),
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": p.OrganizationID}},
		}))
		in.Bus = bus
	}

	var keyArns []*string // keys of the topics created here, for the formatter
	topicName, chatTopicName := *p.TopicName, *p.TopicName+"-chat"
	in.Topic = p.Topic
	if in.Topic == nil {
		names := []string{topicName}
		if p.Chat {
			names = append(names, chatTopicName)
		}
		in.Key = newTopicKey(this, stack, names)
		keyArns = append(keyArns, in.Key.KeyArn())
		in.Topic = awssns.NewTopic(this, jsii.String("Topic"), &awssns.TopicProps{
			TopicName: jsii.String(topicName), MasterKey: in.Key, DisplayName: jsii.String("sessionaudit"), EnforceSSL: jsii.Bool(true),
		})
	}
	for _, e := range *jsii.Strings(p.Emails...) {
		in.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(e, nil))
	}
	env := map[string]*string{
		"TOPIC_ARN": in.Topic.TopicArn(), "BUCKET": p.BucketName, "S3_PREFIX": p.S3Prefix, "LOG_GROUP_PREFIX": p.LogGroupPrefix,
		"LOGGED_DOCUMENTS": jsii.String(strings.Join(sessiondocs.Logged, ",")),
		"FLEET_MANAGER":    jsii.String(sessiondocs.FleetManagerRemoteDesktop),
	}
	if len(p.GovernedRegions) > 0 {
		env["GOVERNED_REGIONS"] = jsii.String(strings.Join(p.GovernedRegions, ","))
	}
	if p.RecordingBucketName != nil {
		env["RECORDING_BUCKET"] = p.RecordingBucketName
	}
	if p.Chat {
		key := in.Key
		if key == nil {
			key = newTopicKey(this, stack, []string{chatTopicName})
			keyArns = append(keyArns, key.KeyArn())
		}
		in.ChatTopic = awssns.NewTopic(this, jsii.String("ChatTopic"), &awssns.TopicProps{
			TopicName: jsii.String(chatTopicName), MasterKey: key, DisplayName: jsii.String("sessionaudit chat"), EnforceSSL: jsii.Bool(true),
		})
		env["CHAT_TOPIC_ARN"] = in.ChatTopic.TopicArn()
	}
	in.DeadLetterQueue = awssqs.NewQueue(this, jsii.String("DeadLetterQueue"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	topicArns := []*string{in.Topic.TopicArn()}
	if in.ChatTopic != nil {
		topicArns = append(topicArns, in.ChatTopic.TopicArn())
	}
	statements := []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("sns:Publish"), Resources: &topicArns})}
	if len(keyArns) > 0 {
		statements = append(statements, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"), Resources: &keyArns}))
	}
	in.Formatter = inlinefn.New(this, "Formatter", &inlinefn.Props{
		Source:          formatter,
		Plain:           true,
		Description:     jsii.String("sessionaudit: formats session and sign-in events and publishes them"),
		Timeout:         awscdk.Duration_Seconds(jsii.Number(30)),
		Environment:     &env,
		Caller:          "EventBridge rules of the central bus",
		DeadLetterQueue: in.DeadLetterQueue,
		Statements:      statements,
	})
	toFormatter := func(name, description string, pattern Pattern) {
		rule := newRule(this, name, &awsevents.RuleProps{
			RuleName: jsii.String(ruleName(p, name)),
			EventBus: in.Bus, Description: jsii.String(description),
			Targets: &[]awsevents.IRuleTarget{awseventstargets.NewLambdaFunction(in.Formatter.Function, &awseventstargets.LambdaFunctionProps{
				DeadLetterQueue: in.DeadLetterQueue,
				MaxEventAge:     awscdk.Duration_Hours(jsii.Number(24)),
				RetryAttempts:   jsii.Number(185),
			})},
		}, pattern)
		in.Rules[name] = rule.Node().DefaultChild().(awsevents.CfnRule)
	}
	// The senders leave out ignored principals; the inbox takes whatever arrives.
	for _, r := range formatterRules {
		toFormatter(r.name, r.description, r.pattern)
	}
	in.Rules["Alarms"] = alarmRule(this, in, ruleName(p, "Alarms"), *p.AlarmNamePrefix)

	in.Alarms = inboxAlarms(this, in, p)
	for _, a := range in.Alarms {
		a.AddAlarmAction(awscloudwatchactions.NewSnsAction(in.Topic))
	}
	in.Topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowAlarmsOfThisAccount"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*in.Topic.TopicArn()),
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"aws:SourceArn": fmt.Sprintf("arn:%s:cloudwatch:%s:%s:alarm:%s*", *stack.Partition(), *stack.Region(), *stack.Account(), *p.AlarmNamePrefix),
		}},
	}))
	return in
}

// alarmRule announces delivery alarms from anywhere in the organization on the topic directly,
// with an input transformer (alarm events have one fixed shape). The topic policy admits
// EventBridge only for this rule (aws:SourceArn).
func alarmRule(scope constructs.Construct, in *Inbox, name, prefix string) awsevents.CfnRule {
	rule := awsevents.NewCfnRule(scope, jsii.String("Alarms"), &awsevents.CfnRuleProps{
		Name:         jsii.String(name),
		EventBusName: in.Bus.EventBusName(),
		Description:  jsii.String("sessionaudit: announce delivery alarms"),
		EventPattern: map[string]any{
			"source": []string{"aws.cloudwatch"}, "detail-type": []string{alarmDetailType}, "detail": alarmDetail(prefix),
		},
		State: jsii.String("ENABLED"),
		Targets: []any{&awsevents.CfnRule_TargetProperty{
			Id:               jsii.String("Topic"),
			Arn:              in.Topic.TopicArn(),
			DeadLetterConfig: &awsevents.CfnRule_DeadLetterConfigProperty{Arn: in.DeadLetterQueue.QueueArn()},
			RetryPolicy: &awsevents.CfnRule_RetryPolicyProperty{
				MaximumEventAgeInSeconds: jsii.Number(86400), MaximumRetryAttempts: jsii.Number(185),
			},
			InputTransformer: &awsevents.CfnRule_InputTransformerProperty{
				InputPathsMap: &map[string]*string{
					"alarm": jsii.String("$.detail.alarmName"), "state": jsii.String("$.detail.state.value"),
					"reason": jsii.String("$.detail.state.reason"), "account": jsii.String("$.account"),
					"region": jsii.String("$.region"), "time": jsii.String("$.time"),
				},
				InputTemplate: jsii.String(AlarmTemplate),
			},
		}},
	})
	in.Topic.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowAlarmRule"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sns:Publish"),
		Resources:  jsii.Strings(*in.Topic.TopicArn()),
		Conditions: &map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": rule.AttrArn()}},
	}))
	in.DeadLetterQueue.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowAlarmRuleDeadLetters"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sqs:SendMessage"),
		Resources:  jsii.Strings(*in.DeadLetterQueue.QueueArn()),
		Conditions: &map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": rule.AttrArn()}},
	}))
	return rule
}

// AlarmTemplate is the message of an alarm announcement (input transformer template).
const AlarmTemplate = `"[sessionaudit] Alarm <alarm> is <state> in account <account> (<region>) since <time>: <reason>"`

// inboxAlarms fire when events are not delivered: anything in the dead-letter queue, failed
// invocations of the bus rules, formatter errors.
func inboxAlarms(scope constructs.Construct, in *Inbox, p InboxProps) []awscloudwatch.Alarm {
	prefix := *p.AlarmNamePrefix
	five := awscdk.Duration_Minutes(jsii.Number(5))
	alarm := func(id, name string, metric awscloudwatch.IMetric, description string) awscloudwatch.Alarm {
		return awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmName: jsii.String(prefix + name), Metric: metric, Threshold: jsii.Number(0),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			EvaluationPeriods:  jsii.Number(1), TreatMissingData: awscloudwatch.TreatMissingData_NOT_BREACHING,
			AlarmDescription: jsii.String("sessionaudit: " + description),
		})
	}
	out := []awscloudwatch.Alarm{
		alarm("DeadLetterAlarm", "notification-dead-letters", in.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Maximum")}),
			"notifications could not be delivered and wait in the dead-letter queue"),
		alarm("FormatterErrorAlarm", "notification-formatter-errors", in.Formatter.Function.MetricErrors(&awscloudwatch.MetricOptions{Period: five, Statistic: jsii.String("Sum")}),
			"the notification formatter fails (EventBridge retries, then dead-letters)"),
	}
	names := []string{"Alarms"}
	for _, r := range formatterRules {
		names = append(names, r.name)
	}
	for _, name := range names {
		out = append(out, alarm("FailedInvocations"+name, "notification-failed-"+name, awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/Events"), MetricName: jsii.String("FailedInvocations"),
			DimensionsMap: &map[string]*string{"RuleName": jsii.String(ruleName(p, name)), "EventBusName": in.Bus.EventBusName()},
			Statistic:     jsii.String("Sum"), Period: five,
		}), "rule "+name+" could not invoke its target"))
	}
	return out
}

// formatterRules are the inbox's rules to the formatter.
var formatterRules = []struct {
	name, description string
	pattern           Pattern
}{
	{"Sessions", "sessionaudit: announce Session Manager sessions", SessionPattern(nil)},
	{"RdpConnections", "sessionaudit: announce Remote Desktop connections", RdpConnectionPattern(nil)},
	{"AccessRequests", "sessionaudit: announce just-in-time access requests", AccessRequestPattern()},
	{"ConsoleSignIn", "sessionaudit: announce console sign-ins", SignInPattern()},
	{"Ways", "sessionaudit: announce the other ways into a node", WayPattern(sessiondocs.AllWays...)},
}

// ruleName is the deterministic name of a rule on the bus (alarms refer to it).
func ruleName(p InboxProps, name string) string { return *p.BusName + "-" + name }

// SNS's encryption context names the topic (kms:EncryptionContext:aws:sns:topicArn).
const topicContextKey = "kms:EncryptionContext:aws:sns:topicArn"

// newTopicKey is the key of the topics the inbox creates (named topicNames): EventBridge and
// CloudWatch may use it only to publish to those topics.
//
// SNS developer guide, "Enable compatibility between event sources from AWS services and encrypted
// topics": "Adding the aws:SourceAccount, aws:SourceArn, and aws:SourceOrgID to a AWS KMS policy is
// not supported for EventBridge-to-encrypted topics." EventBridge is therefore scoped by the
// encryption context SNS passes, the topic ARN (the key AWS's own examples use, e.g. the GameLift
// FlexMatch guide, "Set up an SNS topic with server-side encryption"); the topic names are fixed so
// that the key policy does not depend on the topics, which depend on the key. CloudWatch keeps
// aws:SourceAccount as the same page recommends.
func newTopicKey(scope constructs.Construct, stack awscdk.Stack, topicNames []string) awskms.Key {
	key := awskms.NewKey(scope, jsii.String("TopicKey"), &awskms.KeyProps{
		Description:       jsii.String("sessionaudit: encrypts the notification topics"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
	})
	topics := make([]string, len(topicNames))
	for i, n := range topicNames {
		topics[i] = fmt.Sprintf("arn:%s:sns:%s:%s:%s", *stack.Partition(), *stack.Region(), *stack.Account(), n)
	}
	for _, p := range []struct {
		service string
		scoped  map[string]any
	}{
		{"events", map[string]any{topicContextKey: topics}},
		{"cloudwatch", map[string]any{topicContextKey: topics, "aws:SourceAccount": stack.Account()}},
	} {
		service, scoped := p.service, p.scoped
		key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowPublishBy" + service),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(service+".amazonaws.com"), nil)},
			Actions:    jsii.Strings("kms:GenerateDataKey*", "kms:Decrypt"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{"StringEquals": scoped},
		}), nil)
	}
	return key
}

func inboxDefaults(props *InboxProps) InboxProps {
	if props == nil || props.OrganizationID == nil || props.BusName == nil || props.BucketName == nil {
		invalid.Panic("loginnotifier", "InboxProps.OrganizationID, InboxProps.BusName and InboxProps.BucketName are required")
	}
	p := *props
	def := func(v **string, s string) {
		if *v == nil {
			*v = jsii.String(s)
		}
	}
	def(&p.S3Prefix, archivelayout.TranscriptPrefix)
	def(&p.LogGroupPrefix, sessionprefs.LogGroupNamePrefix)
	def(&p.AlarmNamePrefix, "session-audit-")
	def(&p.TopicName, *p.BusName)
	return p
}
