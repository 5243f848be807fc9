package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/logforwarder"
)

// Forwarders is the SessionAudit-Forwarders stack: the extra forwarders of config "forwarders"
// (the CloudTrail ConsoleLogin case, say). Their log groups usually exist in one account only (an
// organization trail's), so the stack is deployed there with `cdk deploy SessionAudit-Forwarders`,
// once per region, rather than by the StackSet. Environment-agnostic and asset-free like the
// member stack; each forwarder sends to the log-archive destination of the stack's region.
type Forwarders struct {
	// Stack is the CDK stack: pass it where CDK takes a construct or a stack.
	Stack awscdk.Stack
	// Forwarders by config name.
	Forwarders map[string]*logforwarder.Forwarder
}

// NewForwarders creates the SessionAudit-Forwarders stack; there must be at least one forwarder.
func NewForwarders(scope constructs.Construct, c config.Config) *Forwarders {
	stack := newStandaloneStack(scope, c, ForwardersStackName, "sessionaudit: extra CloudWatch Logs forwarders to the central bucket")
	f := &Forwarders{Stack: stack, Forwarders: map[string]*logforwarder.Forwarder{}}
	for _, fc := range c.Forwarders {
		f.Forwarders[fc.Name] = logforwarder.New(stack, "Forwarder-"+fc.Name, &logforwarder.Props{
			LogGroupName:   jsii.String(fc.LogGroupName),
			DestinationArn: jsii.String(DestinationArn(*stack.Partition(), *stack.Region(), c)),
			FilterPattern:  jsii.String(fc.FilterPattern),
			FilterName:     jsii.String(fc.Name),
		})
	}
	return f
}
