// Package logforwarder provides LogForwarder, the sending end of log forwarding: a CloudWatch Logs
// subscription filter that sends the events of one log group that match a filter pattern to a
// destination (a cross-account CloudWatch Logs destination, a Firehose stream, a Kinesis stream or a
// Lambda function). The receiving end for the central bucket is package logreceiver.
//
// Feature flags: its output means the same with or without any (test/bare_test.go builds it both
// ways); @aws-cdk/core:target-partitions and @aws-cdk/aws-iam:minimizePolicies change only how the
// template is written (a literal partition, merged policy statements).
package logforwarder

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/acknowledge"
	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/constructs/logforwarder/filterpattern"
)

// MaxFiltersPerLogGroup is CloudWatch Logs' limit of subscription filters on one log group.
const MaxFiltersPerLogGroup = 2

// Props configures a LogForwarder.
type Props struct {
	// LogGroupName is the log group to forward from. Required.
	LogGroupName *string
	// DestinationArn receives the events. Required.
	DestinationArn *string
	// FilterPattern selects the events; AllEvents ("") forwards every event. Obvious mistakes
	// (unbalanced braces or quotes) are rejected early. Required.
	FilterPattern *string
	// FilterName names the subscription filter. Default: CloudFormation generates one.
	FilterName *string
	// Role is what CloudWatch Logs assumes for the subscription. Default: for a CloudWatch Logs
	// destination (an ARN with ":destination:"), a new role (Role is then that role) that
	// logs.amazonaws.com may assume and that may only logs:PutLogEvents to this log group, as
	// destinations that admit an organization require (see New); for any other destination, none
	// (Lambda needs none; pass one for a Firehose or Kinesis stream).
	Role awsiam.IRole
	// Distribution of events to a Kinesis stream's shards. Default: by log stream.
	Distribution *string
}

// AllEvents is the filter pattern that matches every event.
const AllEvents = ""

// Forwarder is a subscription filter from one log group to one destination.
type Forwarder struct {
	// Construct is this construct in the tree: pass it where CDK takes a construct (a scope,
	// awscdk.Tags_Of, Node().AddDependency). The struct itself is not one, so that passing it does
	// not compile instead of failing in jsii at run time.
	Construct constructs.Construct
	// Filter is the subscription filter. A log group allows at most MaxFiltersPerLogGroup.
	Filter awslogs.CfnSubscriptionFilter
	// Role is the role on the filter (Props.Role or the one created for a destination); nil when
	// the filter has none.
	Role awsiam.IRole
}

// New creates a LogForwarder.
func New(scope constructs.Construct, id string, props *Props) *Forwarder {
	if props == nil || props.LogGroupName == nil || props.DestinationArn == nil || props.FilterPattern == nil {
		invalid.Panic("logforwarder", "Props.LogGroupName, Props.DestinationArn and Props.FilterPattern are required")
	}
	if p := *props.FilterPattern; p != AllEvents && !*awscdk.Token_IsUnresolved(props.FilterPattern) {
		if err := filterpattern.Check(p); err != nil {
			invalid.Panic("logforwarder", "Props.FilterPattern %s (got %q)", err, p)
		}
	}
	if d := props.DestinationArn; !*awscdk.Token_IsUnresolved(d) && !strings.HasPrefix(*d, "arn:") {
		invalid.Panic("logforwarder", "Props.DestinationArn must be an ARN (got %q)", *d)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	role := props.Role
	if role == nil && strings.Contains(*props.DestinationArn, ":destination:") {
		role = destinationRole(this, props.LogGroupName)
	}
	var roleArn *string
	if role != nil {
		roleArn = role.RoleArn()
	}
	filter := awslogs.NewCfnSubscriptionFilter(this, jsii.String("Filter"), &awslogs.CfnSubscriptionFilterProps{
		LogGroupName:   props.LogGroupName,
		DestinationArn: props.DestinationArn,
		FilterPattern:  props.FilterPattern,
		FilterName:     props.FilterName,
		RoleArn:        roleArn,
		Distribution:   props.Distribution,
	})
	if r, ok := role.(awsiam.Role); ok && props.Role == nil {
		filter.Node().AddDependency(r)
	}
	return &Forwarder{Construct: this, Filter: filter, Role: role}
}

// destinationRole is the role a subscription to a CloudWatch Logs destination needs when the
// destination admits an organization (aws:PrincipalOrgID) rather than account IDs. CloudWatch Logs
// user guide, "Step 2: (Only if using an organization) Create an IAM role": "The role must exist
// in the sender account, and you specify the ARN of this role in the subscription filter"; CloudWatch
// Logs assumes it "to validate whether the sender account has permission to create a subscription
// filter against the recipient destination". Its trust policy there is logs.amazonaws.com without
// conditions and its permissions policy logs:PutLogEvents on
// "arn:aws:logs:region:111111111111:log-group:LogGroupOnWhichSubscriptionFilterIsCreated:*". No
// other account can use the role: naming it on a filter takes iam:PassRole in this account.
func destinationRole(scope constructs.Construct, logGroupName *string) awsiam.Role {
	stack := awscdk.Stack_Of(scope)
	role := awsiam.NewRole(scope, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("logs.amazonaws.com"), nil),
		Description: jsii.String("sessionaudit: CloudWatch Logs checks this account's subscription to the log-archive destination"),
	})
	streams := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", *stack.Partition(), *stack.Region(), *stack.Account(), *logGroupName)
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("logs:PutLogEvents"),
		Resources: jsii.Strings(streams),
	}))
	acknowledge.On(role.Node().FindChild(jsii.String("DefaultPolicy")), append(acknowledge.InCompliancePacks("IAMNoInlinePolicy",
		"the policy belongs only to the role CloudWatch Logs assumes for this one subscription filter and allows only logs:PutLogEvents on its log group"),
		acknowledge.Finding{ID: "AwsSolutions-IAM5[" + acknowledge.Resource(scope, jsii.String(streams)) + "]",
			Reason: "the resource is the one log group of the filter, exactly as the CloudWatch Logs guide writes it (log-group:<name>:*); only logs:PutLogEvents"})...)
	return role
}
