package stacks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudformation"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
)

// MemberStackSet is the SessionAudit-MemberStackSet stack: the service-managed StackSet that
// deploys the SessionAudit-Member template to every account of the target OUs in every governed
// region, from the management (or delegated administrator) account.
type MemberStackSet struct {
	awscdk.Stack
	// StackSet is the AWS::CloudFormation::StackSet of SessionAudit-Member.
	StackSet awscloudformation.CfnStackSet
	// SignInStackSet deploys SessionAudit-SignIn to the sign-in regions that are not governed; nil
	// when there are none.
	SignInStackSet awscloudformation.CfnStackSet
}

// NewMemberStackSet creates the StackSet stack. Its TemplateBody is the member stack's synthesized
// template itself (compacted), read from the cloud assembly when this stack's template is written:
// stacks are synthesized in the order they were added to the app, and New adds the member stack
// first. There is one synthesis of the member template and one copy of it.
func NewMemberStackSet(scope constructs.Construct, c config.Config, member *Member, signIn *SignIn) *MemberStackSet {
	stack := awscdk.NewStack(scope, jsii.String(MemberStackSetStackName), &awscdk.StackProps{
		Env:         &awscdk.Environment{Account: jsii.String(c.ManagementAccountID), Region: jsii.String(c.HomeRegion)},
		Description: jsii.String("sessionaudit: service-managed StackSet that deploys SessionAudit-Member to the organization"),
	})
	m := &MemberStackSet{Stack: stack}
	m.StackSet = newStackSet(stack, "StackSet", MemberStackSetName, "sessionaudit member accounts: Session Manager and RDP audit logging", c, c.Regions, member.Stack)
	if signIn != nil {
		m.SignInStackSet = newStackSet(stack, "SignInStackSet", SignInStackSetName,
			"sessionaudit member accounts: console sign-in notifications where CloudTrail records sign-ins outside the governed regions",
			c, c.ExtraSignInRegions(), signIn.Stack)
	}
	return m
}

// newStackSet is a service-managed StackSet of one synthesized stack's template for the target
// OUs in regions.
func newStackSet(stack awscdk.Stack, id, name, description string, c config.Config, regionList []string, template awscdk.Stack) awscloudformation.CfnStackSet {
	regions := make([]*string, len(regionList))
	for i, r := range regionList {
		regions[i] = jsii.String(r)
	}
	targets := make([]*string, len(c.TargetOrganizationalUnitIDs))
	for i, t := range c.TargetOrganizationalUnitIDs {
		targets[i] = jsii.String(t)
	}
	callAs := "SELF"
	if c.DelegatedAdmin {
		callAs = "DELEGATED_ADMIN"
	}
	return awscloudformation.NewCfnStackSet(stack, jsii.String(id), &awscloudformation.CfnStackSetProps{
		StackSetName:    jsii.String(name),
		Description:     jsii.String(description),
		PermissionModel: jsii.String("SERVICE_MANAGED"),
		AutoDeployment: &awscloudformation.CfnStackSet_AutoDeploymentProperty{
			Enabled:                      jsii.Bool(true),
			RetainStacksOnAccountRemoval: jsii.Bool(c.StackSet.RetainStacksOnAccountRemoval),
		},
		CallAs:           jsii.String(callAs),
		Capabilities:     jsii.Strings("CAPABILITY_NAMED_IAM"),
		ManagedExecution: map[string]any{"Active": true},
		OperationPreferences: &awscloudformation.CfnStackSet_OperationPreferencesProperty{
			RegionConcurrencyType:      jsii.String(c.StackSet.RegionConcurrency),
			MaxConcurrentPercentage:    jsii.Number(float64(c.StackSet.MaxConcurrentPercentage)),
			FailureTolerancePercentage: jsii.Number(float64(c.StackSet.FailureTolerancePercentage)),
		},
		StackInstancesGroup: []any{&awscloudformation.CfnStackSet_StackInstancesProperty{
			DeploymentTargets: &awscloudformation.CfnStackSet_DeploymentTargetsProperty{OrganizationalUnitIds: &targets},
			Regions:           &regions,
		}},
		TemplateBody: awscdk.Lazy_UncachedString(&templateBody{stack: template}, nil),
	})
}

// templateBody produces the member stack's template as written to the cloud assembly. It is
// uncached: the construct tree may be resolved once before any template is written (for
// metadata), and then it says so instead of failing; the template of this stack always gets the
// real body (tested).
type templateBody struct{ stack awscdk.Stack }

// pendingBody is what templateBody produces before the member template exists.
const pendingBody = "(the SessionAudit-Member template, once synthesized)"

func (t *templateBody) Produce(awscdk.IResolveContext) *string {
	path := filepath.Join(*awscdk.Stage_Of(t.stack).Outdir(), *t.stack.TemplateFile())
	data, err := os.ReadFile(path)
	if err != nil {
		return jsii.String(pendingBody)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, data); err != nil {
		panic(fmt.Sprintf("stacks: %s is not valid JSON: %v", path, err))
	}
	return jsii.String(compact.String())
}
