package inlinefn

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/acknowledge"
)

// acknowledgeFindings records why the compliance packs' Lambda rules do not fit this function.
func acknowledgeFindings(props *Props, fn awslambda.Function, role awsiam.Role, logGroup awslogs.LogGroup) {
	what := "this function"
	if props.Description != nil {
		what = fmt.Sprintf("%q", *props.Description)
	}
	caller := props.Caller
	if caller == "" {
		caller = "CloudFormation (custom resource)"
	}
	findings := acknowledge.InCompliancePacks("LambdaInsideVPC",
		what+" calls only AWS service APIs and reaches no resource inside a VPC; a VPC would need NAT or endpoints in every account and region for nothing")
	findings = append(findings, acknowledge.InCompliancePacks("LambdaConcurrency",
		what+" is invoked only by "+caller+", which bounds its concurrency; reserving concurrency would take capacity from the account's shared pool (10 in new accounts)",
		"NIST.800.53.R5", "HIPAA.Security")...)
	if props.DeadLetterQueue == nil {
		findings = append(findings, acknowledge.InCompliancePacks("LambdaDLQ",
			what+" is invoked synchronously by "+caller+", which sees and reports every failure; an asynchronous dead-letter queue would never receive anything",
			"NIST.800.53.R5", "HIPAA.Security")...)
	}
	acknowledge.On(fn, findings...)
	acknowledge.On(role.Node().FindChild(jsii.String("DefaultPolicy")), acknowledge.InCompliancePacks("IAMNoInlinePolicy",
		"the policy belongs to the execution role of "+what+" only, is created and deleted with it, and holds only its own log group and Props.Statements")...)
	acknowledge.On(logGroup, acknowledge.InCompliancePacks("CloudWatchLogGroupEncrypted",
		"the log group of "+what+" holds only the function's own diagnostic output, never session data; CloudWatch Logs encrypts it at rest with service-owned keys")...)
}
