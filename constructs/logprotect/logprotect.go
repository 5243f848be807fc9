// Package logprotect provides the custom resource Custom::LogGroupDeletionProtection: it turns on a
// log group's deletion protection on create and turns it off on delete, for log groups that must
// be protected once they exist but deletable while the stack that creates them can still roll
// back its creation. Its handler is a piece of JavaScript (Source) that an inline function
// (constructs/inlinefn) appends to its own source and calls for events of this ResourceType, so
// that a stack needs no function of its own for it.
//
// Why a custom resource and not the log group's DeletionProtectionEnabled property: the log group
// gets DeletionPolicy and UpdateReplacePolicy RetainExceptOnCreate (CloudFormation user guide,
// "DeletionPolicy attribute": RetainExceptOnCreate "behaves like Retain for stack operations,
// except for the stack operation that initially created the resource. If the stack operation that
// created the resource is rolled back, CloudFormation deletes the resource"), so that a failed
// first deployment leaves nothing behind that would block the next one (a log group with a fixed
// name). That delete fails while deletion protection is on ("Cannot delete log group with deletion
// protection enabled. Disable deletion protection first.", CloudWatch Logs user guide, "Protecting
// log groups from deletion"), so the template cannot turn it on. This custom resource turns it on
// after the log group exists (it names the log group, so CloudFormation creates it afterwards and
// deletes it first) and has RetainExceptOnCreate itself: CloudFormation sends it Delete only when
// rolling back the operation that created it, and then the handler turns protection off before
// CloudFormation deletes the log group. On a stack deletion both are retained: the log group stays
// and stays protected.
//
// Feature flags: none change its output.
package logprotect

import (
	_ "embed"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/acknowledge"
	"github.com/sessionaudit/sessionaudit/constructs/inlinefn"
	"github.com/sessionaudit/sessionaudit/constructs/invalid"
)

// ResourceType is the CloudFormation type of the custom resource.
const ResourceType = "Custom::LogGroupDeletionProtection"

// Source is the handler piece: it defines `async function logGroupProtection(event, logs)`
// returning {id, data}, where logs.call(operation, params) sends a CloudWatch Logs command. A
// handler's run(event, client) calls it when event.ResourceType is ResourceType.
//
//go:embed protect.js
var Source string

// Statement is the one permission a handler needs to protect the log groups of this account and
// region with these names: logs:PutLogGroupDeletionProtection on each log group, in both ARN forms
// (with and without the trailing ":*"; the Service Authorization Reference lists the log-group
// resource type for the action, and the CloudWatch Logs guide writes its ARN both ways).
func Statement(stack awscdk.Stack, logGroupNames ...*string) awsiam.PolicyStatement {
	var arns []*string
	for _, name := range logGroupNames {
		arn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", *stack.Partition(), *stack.Region(), *stack.Account(), *name)
		arns = append(arns, jsii.String(arn), jsii.String(arn+":*"))
	}
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("logs:PutLogGroupDeletionProtection"),
		Resources: &arns,
	})
}

// AcknowledgeStatement records, on the policy that holds Statement for these log groups, why the
// ":*" form of each log group ARN is right (rule-pack finding AwsSolutions-IAM5).
func AcknowledgeStatement(policy constructs.IConstruct, stack awscdk.Stack, logGroupNames ...*string) {
	for _, name := range logGroupNames {
		arn := fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s:*", *stack.Partition(), *stack.Region(), *stack.Account(), *name)
		acknowledge.On(policy, acknowledge.Finding{
			ID:     "AwsSolutions-IAM5[" + acknowledge.Resource(policy, jsii.String(arn)) + "]",
			Reason: "one log group in the ARN form with the trailing :* that CloudWatch Logs also authorizes; only logs:PutLogGroupDeletionProtection",
		})
	}
}

// ProtectLogGroup creates the Custom::LogGroupDeletionProtection resource id for logGroup, served by
// the function serviceToken (whose handler includes Source and whose role has Statement). It
// depends on the log group through its LogGroupName property (a Ref) and has RemovalPolicy
// RETAIN_ON_UPDATE_OR_DELETE (see the package comment); give the log group the same policy.
func ProtectLogGroup(scope constructs.Construct, id string, logGroup awslogs.ILogGroup, serviceToken *string) awscdk.CustomResource {
	if logGroup == nil {
		invalid.Panic("logprotect", "ProtectLogGroup %q needs the log group to protect", id)
	}
	if serviceToken == nil || *serviceToken == "" {
		invalid.Panic("logprotect", "ProtectLogGroup %q needs the service token of a function whose handler includes logprotect.Source", id)
	}
	return awscdk.NewCustomResource(scope, jsii.String(id), &awscdk.CustomResourceProps{
		ServiceToken:   serviceToken,
		ServiceTimeout: inlinefn.ServiceTimeout(),
		ResourceType:   jsii.String(ResourceType),
		Properties:     &map[string]any{"LogGroupName": logGroup.LogGroupName()},
		RemovalPolicy:  awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
	})
}

//go:embed standalone.js
var standalone string

// Props configures a Protection.
type Props struct {
	// LogGroup is the log group to protect; give it RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE.
	// Required.
	LogGroup awslogs.ILogGroup
}

// Protection is a log group's deletion protection with an inline function of its own, for a
// stack that has no function whose handler could include Source.
type Protection struct {
	// Construct is this construct in the tree: pass it where CDK takes a construct (a scope,
	// awscdk.Tags_Of, Node().AddDependency). The struct itself is not one, so that passing it does
	// not compile instead of failing in jsii at run time.
	Construct constructs.Construct
	// Resource is the Custom::LogGroupDeletionProtection resource ("Resource").
	Resource awscdk.CustomResource
	// Handler is its function ("Handler"), allowed only Statement for the one log group.
	Handler *inlinefn.Function
}

// New creates a Protection in scope.
func New(scope constructs.Construct, id string, props *Props) *Protection {
	if props == nil || props.LogGroup == nil {
		invalid.Panic("logprotect", "Props.LogGroup is required")
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	fn := inlinefn.New(this, "Handler", &inlinefn.Props{
		Source:      standalone + "\n" + Source,
		Description: jsii.String("sessionaudit: turns on a log group's deletion protection (" + ResourceType + ")"),
		Statements:  []awsiam.PolicyStatement{Statement(awscdk.Stack_Of(this), props.LogGroup.LogGroupName())},
	})
	AcknowledgeStatement(fn.Role.Node().FindChild(jsii.String("DefaultPolicy")), awscdk.Stack_Of(this), props.LogGroup.LogGroupName())
	return &Protection{Construct: this, Resource: ProtectLogGroup(this, "Resource", props.LogGroup, fn.Function.FunctionArn()), Handler: fn}
}
