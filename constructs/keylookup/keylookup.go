// Package keylookup provides KeyLookup: a custom resource that resolves a KMS alias ARN, in any
// account and region, to the key's ARN and ID at deploy time. With it, a template refers to the
// organization's LogKey by its deterministic alias and needs no key ID from an earlier deploy.
//
// Feature flags: its output means the same with or without any (test/bare_test.go builds it both
// ways); @aws-cdk/core:target-partitions and @aws-cdk/aws-iam:minimizePolicies change only how the
// template is written (a literal partition, merged policy statements).
package keylookup

import (
	_ "embed"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/acknowledge"
	"github.com/sessionaudit/sessionaudit/constructs/inlinefn"
	"github.com/sessionaudit/sessionaudit/constructs/invalid"
)

//go:embed handler.js
var handler string

// ResourceType is the CloudFormation type of the lookup.
const ResourceType = "Custom::KeyLookup"

// Props configures a KeyLookup.
type Props struct {
	// Account owns the key. Required.
	Account *string
	// Region of the alias. Required.
	Region *string
	// AliasName, such as "alias/session-audit". Required.
	AliasName *string
	// SharedWith is another KeyLookup of the same stack, account and region whose function
	// answers this lookup too (one function and role instead of two). Default: a new function.
	SharedWith *Lookup
}

// Lookup resolves an alias to its key when the stack deploys. The key's policy must allow
// kms:DescribeKey to the lookup's role (the LogKey policy allows it to the organization).
type Lookup struct {
	// Construct is this construct in the tree: pass it where CDK takes a construct (a scope,
	// awscdk.Tags_Of, Node().AddDependency). The struct itself is not one, so that passing it does
	// not compile instead of failing in jsii at run time.
	Construct constructs.Construct
	// Function answers the lookup (inline code; asset-free).
	Function *inlinefn.Function
	// Resource is the custom resource.
	Resource awscdk.CustomResource
	// KeyArn is the resolved key's ARN.
	KeyArn *string
	// KeyID is the resolved key's ID (for a multi-Region key, the same in every region).
	KeyID *string

	keys string // the key ARNs Function may describe
}

// New creates a KeyLookup.
func New(scope constructs.Construct, id string, props *Props) *Lookup {
	if props == nil || props.Account == nil || props.Region == nil || props.AliasName == nil {
		invalid.Panic("keylookup", "Props.Account, Props.Region and Props.AliasName are required")
	}
	if a := *props.AliasName; !*awscdk.Token_IsUnresolved(props.AliasName) && !strings.HasPrefix(a, "alias/") {
		invalid.Panic("keylookup", `Props.AliasName must start with "alias/" (got %q)`, a)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	partition := awscdk.Stack_Of(this).Partition()
	aliasArn := fmt.Sprintf("arn:%s:kms:%s:%s:%s", *partition, *props.Region, *props.Account, *props.AliasName)
	keys := fmt.Sprintf("arn:%s:kms:%s:%s:key/*", *partition, *props.Region, *props.Account)
	var fn *inlinefn.Function
	if shared := props.SharedWith; shared == nil {
		fn = newHandler(this, keys)
	} else if shared.keys != keys {
		invalid.Panic("keylookup", "Props.SharedWith may describe %q, not %q: share only between lookups of one account and region", shared.keys, keys)
	} else {
		fn = shared.Function
	}
	res := awscdk.NewCustomResource(this, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken:   fn.Function.FunctionArn(),
		ServiceTimeout: inlinefn.ServiceTimeout(),
		ResourceType:   jsii.String(ResourceType),
		Properties:     &map[string]any{"AliasArn": aliasArn},
	})
	return &Lookup{
		Construct: this,
		Function:  fn,
		Resource:  res,
		KeyArn:    res.GetAttString(jsii.String("Arn")),
		KeyID:     res.GetAttString(jsii.String("KeyId")),
		keys:      keys,
	}
}

func newHandler(scope constructs.Construct, keys string) *inlinefn.Function {
	fn := inlinefn.New(scope, "Handler", &inlinefn.Props{
		Source:      handler,
		Description: jsii.String("sessionaudit: resolves a KMS alias to its key (" + ResourceType + ")"),
		Statements: []awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("kms:DescribeKey"),
			Resources: jsii.Strings(keys),
		})},
	})
	acknowledge.On(fn.Role.Node().FindChild(jsii.String("DefaultPolicy")), acknowledge.Finding{
		ID:     "AwsSolutions-IAM5[" + acknowledge.Resource(scope, jsii.String(keys)) + "]",
		Reason: "the lookup resolves an alias to a key whose ID it cannot know in advance; it may only kms:DescribeKey (metadata, no key use) keys of the one account and region it looks in",
	})
	return fn
}
