package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
)

// ExampleParameterName names the template parameter that makes the example organization's
// templates undeployable.
const ExampleParameterName = "NotTheExampleOrganization"

// ExampleMessage is what CloudFormation says when someone deploys a template of the example
// configuration.
const ExampleMessage = "sessionaudit: this template was synthesized from the example configuration in cdk.json (organization o-exampleorg1, accounts 111111111111 and 222222222222) and cannot be deployed. Give your own configuration: make synth CONFIG=<path>, or export SESSIONAUDIT_CONFIG=<path>, or -c configFile=<path> (docs/deploy.md)."

// guardExample adds, when c is the example organization (config.IsExample), a parameter that no
// deployment can satisfy: it has no default, so a create or update that does not pass it fails
// before any resource is touched (CloudFormation user guide, "Parameters": "If you don't specify a
// default value, you must specify a value when you create the stack"; the API answers
// "Parameters: [NotTheExampleOrganization] must have values", and the CDK CLI refuses to deploy a
// stack with a parameter that has no value), and a value passed by hand fails its constraints
// (MinLength 1 with the pattern of the empty string: "Parameters", AllowedPattern, MinLength),
// the description says why. The same holds for a StackSet whose body is
// such a template: its stack instances get no value for it. The example synthesizes and is tested
// like any configuration. (The app also warns when it synthesizes the example with AWS credentials
// at hand.)
func guardExample(c config.Config, stack awscdk.Stack) awscdk.Stack {
	if config.IsExample(c) {
		param := awscdk.NewCfnParameter(stack, jsii.String(ExampleParameterName), &awscdk.CfnParameterProps{
			Type:                  jsii.String("String"),
			Description:           jsii.String(ExampleMessage),
			MinLength:             jsii.Number(1),
			AllowedPattern:        jsii.String("^$"),
			ConstraintDescription: jsii.String("sessionaudit: the example configuration cannot be deployed (see this parameter's description)"),
		})
		awscdk.Validations_Of(param).Acknowledge(&awscdk.Acknowledgment{
			Id:     jsii.String("CloudFormation-Validate::W2001"),
			Reason: jsii.String("the parameter is referenced by nothing on purpose: it exists only so that no deploy of the example can supply it"),
		})
	}
	return stack
}
