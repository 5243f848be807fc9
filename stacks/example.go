package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
)

// ExampleRuleName names the template rule that makes the example organization's templates
// undeployable.
const ExampleRuleName = "NotTheExampleOrganization"

// ExampleMessage is what CloudFormation says when someone deploys a template of the example
// configuration.
const ExampleMessage = "sessionaudit: this template was synthesized from the example configuration in cdk.json (organization o-exampleorg1, accounts 111111111111 and 222222222222) and cannot be deployed. Give your own configuration: make synth CONFIG=<path>, or export SESSIONAUDIT_CONFIG=<path>, or -c configFile=<path> (README, Deploy order)."

// guardExample adds, when c is the example organization (config.IsExample), a template rule whose
// assertion is always false. CloudFormation user guide, "Rules": rules are checked "during a stack
// creation or stack update … before creating or updating resources", and "If you don't define a
// rule condition, the rule's assertions always take effect"; a failed assertion reports its
// AssertDescription. The example synthesizes and is tested like any configuration, and no deploy
// of it gets past validation — also through the StackSet, whose body is the member template. (The
// guide shows rules over parameters; one over constants is in README "What only a real deploy can
// prove". The app also warns when it synthesizes the example with AWS credentials at hand.)
func guardExample(c config.Config, stack awscdk.Stack) awscdk.Stack {
	if config.IsExample(c) {
		awscdk.NewCfnRule(stack, jsii.String(ExampleRuleName), &awscdk.CfnRuleProps{
			Assertions: &[]*awscdk.CfnRuleAssertion{{
				Assert:            awscdk.Fn_ConditionEquals(jsii.String("example"), jsii.String("your own configuration")),
				AssertDescription: jsii.String(ExampleMessage),
			}},
		})
	}
	return stack
}
