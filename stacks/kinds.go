package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
)

// The three kinds of stack of the app, by where they are deployed and whether they need a CDK
// bootstrap.
//
// A stack without assets needs no bootstrap when its template goes to CloudFormation in the API
// call itself: the CDK CLI sends a template inline when the stack's synthesizer names no template
// asset (LegacyStackSynthesizer; the default and CLI-credentials synthesizers always upload the
// template to the bootstrap bucket) and the template, serialized as YAML, takes at most
// MaxInlineTemplateBytes (aws-cdk-cli, toolkit-lib template-body-parameter.ts makeBodyParameter:
// `toYAML(template).length <= LARGE_TEMPLATE_SIZE_KB * 1024`, LARGE_TEMPLATE_SIZE_KB = 50; beyond
// it the CLI needs the bootstrap bucket: "Template too large to deploy ("cdk bootstrap" is
// required)"). test/security/templatesize.test.js measures every such template as the CLI does.

// MaxInlineTemplateBytes is the largest template (as YAML) the CDK CLI sends inline.
const MaxInlineTemplateBytes = 50 * 1024

// newStandaloneStack is an environment-agnostic stack that needs no bootstrap (member accounts:
// SessionAudit-Member, -SignIn, -Forwarders): its template must stand alone in a StackSet or deploy
// directly into any account and region with the CLI's credentials.
func newStandaloneStack(scope constructs.Construct, c config.Config, name, description string) awscdk.Stack {
	return guardExample(c, awscdk.NewStack(scope, jsii.String(name), &awscdk.StackProps{
		Synthesizer:        awscdk.NewLegacyStackSynthesizer(),
		AnalyticsReporting: jsii.Bool(false),
		Description:        jsii.String(description),
	}))
}

// newManagementStack is a stack of the management (or delegated administrator) account in the home
// region that needs no bootstrap: a default bootstrap would create an administrator-level
// execution role in the most privileged account, for stacks that have no assets. They deploy with
// the CLI's credentials.
func newManagementStack(scope constructs.Construct, c config.Config, name string, terminationProtection bool, description string) awscdk.Stack {
	return guardExample(c, awscdk.NewStack(scope, jsii.String(name), &awscdk.StackProps{
		Env:                   &awscdk.Environment{Account: jsii.String(c.ManagementAccountID), Region: jsii.String(c.HomeRegion)},
		Synthesizer:           awscdk.NewLegacyStackSynthesizer(),
		AnalyticsReporting:    jsii.Bool(false),
		TerminationProtection: jsii.Bool(terminationProtection),
		Description:           jsii.String(description),
	}))
}

// newProtectedStack is a stack of the log-archive account in a fixed region with termination
// protection, bootstrapped as usual: the log-archive template is larger than the CLI sends inline,
// and the account deploys through its bootstrap roles.
func newProtectedStack(scope constructs.Construct, c config.Config, name, account, region, description string) awscdk.Stack {
	return guardExample(c, awscdk.NewStack(scope, jsii.String(name), &awscdk.StackProps{
		Env:                   &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)},
		TerminationProtection: jsii.Bool(true),
		Description:           jsii.String(description),
	}))
}
