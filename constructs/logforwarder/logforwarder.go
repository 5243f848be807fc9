// Package logforwarder provides LogForwarder, the sending end of log forwarding: a CloudWatch Logs
// subscription filter that sends the events of one log group that match a filter pattern to a
// destination (a cross-account CloudWatch Logs destination, a Firehose stream, a Kinesis stream or a
// Lambda function). The receiving end for the central bucket is package logreceiver.
package logforwarder

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

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
	// Role lets CloudWatch Logs put records into DestinationArn. Only a Firehose or Kinesis stream
	// (or a destination in the same account) needs one; a cross-account CloudWatch Logs destination
	// must have none. Default: none.
	Role awsiam.IRole
	// Distribution of events to a Kinesis stream's shards. Default: by log stream.
	Distribution *string
}

// AllEvents is the filter pattern that matches every event.
const AllEvents = ""

// LogForwarder is a subscription filter from one log group to one destination.
type LogForwarder struct {
	constructs.Construct
	// Filter is the subscription filter. A log group allows at most MaxFiltersPerLogGroup.
	Filter awslogs.CfnSubscriptionFilter
}

// New creates a LogForwarder.
func New(scope constructs.Construct, id string, props *Props) *LogForwarder {
	if props == nil || props.LogGroupName == nil || props.DestinationArn == nil || props.FilterPattern == nil {
		panic("logforwarder: Props.LogGroupName, Props.DestinationArn and Props.FilterPattern are required")
	}
	if p := *props.FilterPattern; p != AllEvents && !*awscdk.Token_IsUnresolved(props.FilterPattern) {
		if err := filterpattern.Check(p); err != nil {
			panic(fmt.Sprintf("logforwarder: Props.FilterPattern %s (got %q)", err, p))
		}
	}
	if d := props.DestinationArn; !*awscdk.Token_IsUnresolved(d) && !strings.HasPrefix(*d, "arn:") {
		panic(fmt.Sprintf("logforwarder: Props.DestinationArn must be an ARN (got %q)", *d))
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	var role *string
	if props.Role != nil {
		role = props.Role.RoleArn()
	}
	filter := awslogs.NewCfnSubscriptionFilter(this, jsii.String("Filter"), &awslogs.CfnSubscriptionFilterProps{
		LogGroupName:   props.LogGroupName,
		DestinationArn: props.DestinationArn,
		FilterPattern:  props.FilterPattern,
		FilterName:     props.FilterName,
		RoleArn:        role,
		Distribution:   props.Distribution,
	})
	return &LogForwarder{Construct: this, Filter: filter}
}
