package loginnotifier

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/acknowledge"
	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
)

// SenderProps configures a Sender.
type SenderProps struct {
	// BusArn is the central event bus (any account, any region). Required.
	BusArn *string
	// Sessions sends Session Manager StartSession, ResumeSession and TerminateSession. Default: false.
	Sessions bool
	// RdpConnections sends Fleet Manager Remote Desktop connection starts and ends. Default: false.
	RdpConnections bool
	// AccessRequests sends just-in-time node access requests, approvers' decisions and request
	// status changes. Default: false.
	AccessRequests bool
	// IgnorePrincipals are principal ARN patterns (EventBridge wildcards, "*" only) whose sessions
	// and RDP connections are not sent: matched against the caller's ARN and, for an assumed-role
	// session, its role's ARN, as aws:PrincipalArn would. Sessions that Session Manager does not
	// log (a document but sessiondocs.Logged) are sent whoever starts them. Console sign-ins and access
	// requests are always sent. Default: none.
	IgnorePrincipals []string
	// Ways sends the calls of these ways into a node other than a session (sessiondocs Way* names:
	// EC2 Instance Connect, its endpoint tunnels, the serial console, Run Command, ECS Exec), in one
	// rule, whoever makes them: IgnorePrincipals does not apply, as none of them is logged by
	// Session Manager. Default: none (no rule).
	Ways []string
	// ConsoleSignIn sends ConsoleLogin. Default: false.
	ConsoleSignIn bool
	// AlarmNamePrefix, when set, sends CloudWatch alarms with that name prefix going into ALARM.
	// Default: none.
	AlarmNamePrefix string
	// MaxEventAge before an undeliverable event goes to the dead-letter queue. Default: 24 hours.
	MaxEventAge awscdk.Duration
	// RetryAttempts before an undeliverable event goes to the dead-letter queue. Default: 185.
	RetryAttempts *float64
	// RuleNamePrefix names the rules "<prefix>sessions", "<prefix>rdp-connections",
	// "<prefix>access-requests", "<prefix>ways", "<prefix>console-sign-in" and "<prefix>alarms",
	// so that a service control policy can protect them by name.
	// Default: CloudFormation generates the names.
	RuleNamePrefix *string
	// RoleName names the role the rules use (unique per account: include the region), so that a
	// service control policy can protect it by name (an inline deny on it would silence every
	// notice). Default: CloudFormation generates the name.
	RoleName *string
	// QueueName names the dead-letter queue (unique per account and region), so that a service
	// control policy can protect it by name. Default: CloudFormation generates the name.
	QueueName *string
}

// Rule name suffixes (SenderProps.RuleNamePrefix).
const (
	RuleSessions       = "sessions"
	RuleRdpConnections = "rdp-connections"
	RuleAccessRequests = "access-requests"
	RuleWays           = "ways"
	RuleConsoleSignIn  = "console-sign-in"
	RuleAlarms         = "alarms"
)

// Sender is a set of EventBridge rules on the default bus that forward events to a central bus
// through a role that may only put events to that bus. Every target retries and has an encrypted
// dead-letter queue, so no event is silently lost.
type Sender struct {
	// Construct is this construct in the tree: pass it where CDK takes a construct (a scope,
	// awscdk.Tags_Of, Node().AddDependency). The struct itself is not one, so that passing it does
	// not compile instead of failing in jsii at run time.
	Construct constructs.Construct
	// Rules by name ("Sessions", "RdpConnections", "AccessRequests", "Ways", "ConsoleSignIn",
	// "Alarms").
	Rules map[string]awsevents.Rule
	// Role is what EventBridge assumes to put events to the central bus.
	Role awsiam.Role
	// DeadLetterQueue receives events that could not be delivered (SQS-managed encryption).
	DeadLetterQueue awssqs.Queue
}

// NewSender creates a Sender.
func NewSender(scope constructs.Construct, id string, props *SenderProps) *Sender {
	if props == nil || props.BusArn == nil {
		invalid.Panic("loginnotifier", "SenderProps.BusArn is required")
	}
	if !props.Sessions && !props.RdpConnections && !props.AccessRequests && !props.ConsoleSignIn && props.AlarmNamePrefix == "" && len(props.Ways) == 0 {
		invalid.Panic("loginnotifier", "a Sender needs Sessions, RdpConnections, AccessRequests, Ways, ConsoleSignIn or AlarmNamePrefix")
	}
	for i, w := range props.Ways {
		if !knownWay(w) || slices.Index(props.Ways, w) != i {
			invalid.Panic("loginnotifier", "SenderProps.Ways[%d] must be one of %v, once (got %q)", i, sessiondocs.AllWays, w)
		}
	}
	for i, p := range props.IgnorePrincipals {
		if p == "" || strings.Contains(p, "**") {
			invalid.Panic("loginnotifier", "SenderProps.IgnorePrincipals[%d] must be a non-empty EventBridge wildcard pattern without two * in a row (got %q)", i, p)
		}
	}
	for _, pattern := range []Pattern{SessionPattern(props.IgnorePrincipals), RdpConnectionPattern(props.IgnorePrincipals)} {
		if data, _ := json.Marshal(pattern); len(data) > MaxPatternCharacters {
			invalid.Panic("loginnotifier", "SenderProps.IgnorePrincipals make an event pattern of %d characters, more than EventBridge's %d; ignore a role path instead of single roles (got %d patterns)", len(data), MaxPatternCharacters, len(props.IgnorePrincipals))
		}
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	account := awscdk.Stack_Of(this).Account()
	bus := awsevents.EventBus_FromEventBusArn(this, jsii.String("CentralBus"), props.BusArn)
	role := awsiam.NewRole(this, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}},
		}),
		Description: jsii.String("sessionaudit: EventBridge puts session and sign-in events to the central bus"),
		RoleName:    props.RoleName,
	})
	dlq := awssqs.NewQueue(this, jsii.String("DeadLetterQueue"), &awssqs.QueueProps{
		QueueName:       props.QueueName,
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	acknowledge.On(dlq, acknowledge.Finding{ID: "AwsSolutions-SQS3",
		Reason: "this queue is itself the dead-letter queue of the rules' central-bus targets; a dead-letter queue of a dead-letter queue would only move the same messages"})
	s := &Sender{Construct: this, Rules: map[string]awsevents.Rule{}, Role: role, DeadLetterQueue: dlq}
	// With named rules, one queue policy statement admits them all (aws:SourceArn ArnLike the
	// rules' name prefix) instead of the statement per rule that the target adds: the member
	// template is sent inline and as a StackSet template body, so its size is budgeted
	// (test/security/templatesize.test.js). EventBridge user guide, "Using dead-letter queues to
	// process undelivered events": the queue policy allows events.amazonaws.com sqs:SendMessage
	// with aws:SourceArn the rule's ARN.
	named := props.RuleNamePrefix != nil
	var targetQueue awssqs.IQueue = dlq
	if named {
		targetQueue = nil
		dlq.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowSessionAuditRulesDeadLetters"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
			Actions:    jsii.Strings("sqs:SendMessage"),
			Resources:  &[]*string{dlq.QueueArn()},
			Conditions: &map[string]any{"ArnLike": map[string]any{"aws:SourceArn": awscdk.Arn_Format(&awscdk.ArnComponents{
				Service: jsii.String("events"), Resource: jsii.String("rule"), ResourceName: jsii.String(*props.RuleNamePrefix + "*"),
			}, awscdk.Stack_Of(this))}},
		}))
	}
	add := func(name, suffix, description string, pattern Pattern) {
		var ruleName *string
		if named {
			ruleName = jsii.String(*props.RuleNamePrefix + suffix)
		}
		rule := newRule(this, name, &awsevents.RuleProps{
			RuleName:    ruleName,
			Description: jsii.String(description),
			Targets:     &[]awsevents.IRuleTarget{awseventstargets.NewEventBus(bus, &awseventstargets.EventBusProps{Role: role, DeadLetterQueue: targetQueue})},
		}, pattern)
		if named {
			rule.Node().DefaultChild().(awsevents.CfnRule).AddPropertyOverride(jsii.String("Targets.0.DeadLetterConfig.Arn"), dlq.QueueArn())
		}
		setRetryPolicy(rule, props.MaxEventAge, props.RetryAttempts)
		s.Rules[name] = rule
	}
	if props.Sessions {
		add("Sessions", RuleSessions, "sessionaudit: Session Manager sessions to the central bus", SessionPattern(props.IgnorePrincipals))
	}
	if props.RdpConnections {
		add("RdpConnections", RuleRdpConnections, "sessionaudit: Remote Desktop connections to the central bus", RdpConnectionPattern(props.IgnorePrincipals))
	}
	if props.AccessRequests {
		add("AccessRequests", RuleAccessRequests, "sessionaudit: just-in-time access requests to the central bus", AccessRequestPattern())
	}
	if len(props.Ways) > 0 {
		// One rule for every way: the member template is a StackSet template body, at most 51,200
		// bytes (stacks.MaxTemplateBodyBytes), and a rule per way would take four times the room.
		add("Ways", RuleWays, "sessionaudit: the other ways into a node to the central bus", WayPattern(props.Ways...))
	}
	if props.ConsoleSignIn {
		add("ConsoleSignIn", RuleConsoleSignIn, "sessionaudit: console sign-ins to the central bus", SignInPattern())
	}
	if props.AlarmNamePrefix != "" {
		add("Alarms", RuleAlarms, fmt.Sprintf("sessionaudit: alarms %s* to the central bus", props.AlarmNamePrefix), AlarmPattern(props.AlarmNamePrefix))
	}
	acknowledge.On(role.Node().FindChild(jsii.String("DefaultPolicy")), acknowledge.InCompliancePacks("IAMNoInlinePolicy",
		"the policy belongs only to the role EventBridge assumes for these rules and holds one statement, events:PutEvents on the central bus")...)
	return s
}

// setRetryPolicy sets the retry policy of a rule's only target (the EventBus target of aws-cdk-lib
// has no retry settings).
func setRetryPolicy(rule awsevents.Rule, maxAge awscdk.Duration, attempts *float64) {
	if maxAge == nil {
		maxAge = awscdk.Duration_Hours(jsii.Number(24))
	}
	if attempts == nil {
		attempts = jsii.Number(185)
	}
	rule.Node().DefaultChild().(awsevents.CfnRule).AddPropertyOverride(jsii.String("Targets.0.RetryPolicy"), map[string]any{
		"MaximumEventAgeInSeconds": maxAge.ToSeconds(nil),
		"MaximumRetryAttempts":     attempts,
	})
}
