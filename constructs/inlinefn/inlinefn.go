// Package inlinefn provides InlineFunction: a Node.js Lambda function whose code sits in the
// template itself (ZipFile), for custom resources in templates that cannot carry CDK assets, such
// as a StackSet's TemplateBody.
//
// Feature flags: its output means the same with or without any (test/bare_test.go builds it both
// ways); @aws-cdk/core:target-partitions and @aws-cdk/aws-iam:minimizePolicies change only how the
// template is written (a literal partition, merged policy statements).
package inlinefn

import (
	_ "embed"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/invalid"
)

// MaxSourceBytes is CloudFormation's limit for inline (ZipFile) Lambda code: "This zip file cannot
// exceed 4MB" (CloudFormation user guide, AWS::Lambda::Function Code, ZipFile; the former limit of
// 4,096 characters is gone, aws/aws-cdk#20624). Checked on the code before it is zipped. A stack in
// a StackSet has the tighter limit of its template body (stacks.MaxTemplateBodyBytes).
const MaxSourceBytes = 4 * 1024 * 1024

// ServiceTimeout is how long CloudFormation waits for a custom resource backed by an
// Function to answer (AWS::CloudFormation::CustomResource ServiceTimeout; without it, one
// hour). It covers the function's default 2-minute timeout and Lambda's two retries of a failed
// asynchronous invocation, so that a hung handler fails the deployment in minutes.
func ServiceTimeout() awscdk.Duration { return awscdk.Duration_Minutes(jsii.Number(7)) }

// respond is the custom resource wrapper appended to every handler: it calls the handler's
// run(event, client()) and reports the result to CloudFormation.
//
//go:embed respond.js
var respond string

// Props configures an InlineFunction.
type Props struct {
	// Source is the handler's JavaScript (CommonJS). For a custom resource handler it must define
	// `async function run(event, client)` returning {id, data} and `function client()` returning
	// the AWS SDK calls it needs. Required; with the wrapper it must fit in MaxSourceBytes.
	Source string
	// Plain means Source is a complete handler (it sets exports.handler itself) and gets no custom
	// resource wrapper. Default: false.
	Plain bool
	// Description of the function. Default: none.
	Description *string
	// Statements are the only permissions the function gets besides writing its own logs.
	// Default: none.
	Statements []awsiam.PolicyStatement
	// Timeout of one invocation. Default: 2 minutes.
	Timeout awscdk.Duration
	// LogRetention of the function's log group. Default: one year.
	LogRetention awslogs.RetentionDays
	// Environment variables of the function. Default: none.
	Environment *map[string]*string
	// Caller says who invokes the function synchronously ("CloudFormation", "Data Firehose"); it
	// explains the rule-pack acknowledgments (no asynchronous dead-letter queue, no reserved
	// concurrency). Default: "CloudFormation (custom resource)".
	Caller string
	// RoleName names the execution role (a service control policy can then exempt it by name).
	// Default: CloudFormation generates the name.
	RoleName *string
	// FunctionName names the function, unique per account and region (a service control policy
	// can then protect it by name). Default: CloudFormation generates the name.
	FunctionName *string
	// DeadLetterQueue receives failed asynchronous invocations; set it for functions invoked
	// asynchronously (by EventBridge). Default: none, with Caller explaining why.
	DeadLetterQueue awssqs.IQueue
}

// Function is a Lambda function with inline code, its own role (which may write only to its
// own log group, plus Props.Statements) and its log group. Custom
// resource handlers get a wrapper that reports to CloudFormation (see Code); Plain handlers don't.
type Function struct {
	// Construct is this construct in the tree: pass it where CDK takes a construct (a scope,
	// awscdk.Tags_Of, Node().AddDependency). The struct itself is not one, so that passing it does
	// not compile instead of failing in jsii at run time.
	Construct constructs.Construct
	// Function is the Lambda function; use its FunctionArn as a custom resource's ServiceToken.
	Function awslambda.Function
	// Role is the function's execution role.
	Role awsiam.Role
	// LogGroup receives the function's logs; it is retained on stack deletion.
	LogGroup awslogs.LogGroup
}

// New creates an InlineFunction.
func New(scope constructs.Construct, id string, props *Props) *Function {
	if props == nil || props.Source == "" {
		invalid.Panic("inlinefn", "Props.Source is required")
	}
	code := Code(props.Source)
	if props.Plain {
		code = strip(props.Source)
	}
	if len(code) > MaxSourceBytes {
		invalid.Panic("inlinefn", "inline code must be at most %d bytes with its wrapper (got %d)", MaxSourceBytes, len(code))
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	retention := props.LogRetention
	if retention == "" {
		retention = awslogs.RetentionDays_ONE_YEAR
	}
	logGroup := awslogs.NewLogGroup(this, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     retention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
	})
	timeout := props.Timeout
	if timeout == nil {
		timeout = awscdk.Duration_Minutes(jsii.Number(2))
	}
	role := awsiam.NewRole(this, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: props.Description,
		RoleName:    props.RoleName,
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: jsii.Strings(*logGroup.LogGroupArn()),
	}))
	fn := awslambda.NewFunction(this, jsii.String("Function"), &awslambda.FunctionProps{
		FunctionName:    props.FunctionName,
		Role:            role,
		DeadLetterQueue: props.DeadLetterQueue,
		Runtime:         awslambda.Runtime_NODEJS_24_X(),
		Handler:         jsii.String("index.handler"),
		Code:            awslambda.Code_FromInline(jsii.String(code)),
		Description:     props.Description,
		Timeout:         timeout,
		MemorySize:      jsii.Number(128),
		LogGroup:        logGroup,
		Architecture:    awslambda.Architecture_ARM_64(),
		Environment:     props.Environment,
	})
	for _, s := range props.Statements {
		fn.AddToRolePolicy(s)
	}
	acknowledgeFindings(props, fn, role, logGroup)
	return &Function{Construct: this, Function: fn, Role: role, LogGroup: logGroup}
}

// Code returns the inline code for a handler source: the source followed by the wrapper, without
// whole-line comments, indentation and blank lines (the repository keeps the readable form; the
// handlers have no multi-line strings these could change).
func Code(source string) string {
	return strip(source + "\n" + respond)
}

func strip(source string) string {
	var out []string
	for _, line := range strings.Split(source, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n") + "\n"
}
