package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/loginnotifier"
)

// SignIn is the SessionAudit-SignIn stack: only the console sign-in rule to the central bus, for
// the regions where CloudTrail records sign-ins but that are not governed
// (config.Config.ExtraSignInRegions). The StackSet SessionAudit-SignIn deploys it with the member
// StackSet; like the member stack it is environment-agnostic and asset-free.
type SignIn struct {
	// Stack is the CDK stack: pass it where CDK takes a construct or a stack.
	Stack awscdk.Stack
	// Notifier sends console sign-ins to the central bus.
	Notifier *loginnotifier.Sender
}

// NewSignIn creates the SessionAudit-SignIn stack.
func NewSignIn(scope constructs.Construct, c config.Config) *SignIn {
	stack := newStandaloneStack(scope, c, SignInStackName, "sessionaudit: console sign-in notifications of one member account in a region that is not governed")
	notifier := loginnotifier.NewSender(stack, "LoginNotifier", &loginnotifier.SenderProps{
		BusArn:         jsii.String(BusArn(*stack.Partition(), c)),
		RuleNamePrefix: jsii.String(MemberNamePrefix),
		RoleName:       jsii.String(NotifierRoleName(*stack.Region())),
		QueueName:      jsii.String(NotifierQueueName),
		ConsoleSignIn:  true,
		// No session or RDP connection is logged in a region that is not governed: every one is
		// announced, as in an ungoverned region, whoever starts it.
		Sessions:       true,
		RdpConnections: true,
		// The other ways into a node, as in a governed region: those not set to allow.
		Ways: c.Guardrails.AnnouncedWays(),
	})
	return &SignIn{Stack: stack, Notifier: notifier}
}
