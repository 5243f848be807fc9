package stacks

import (
	"encoding/json"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudformation"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/acknowledge"
)

// MemberStackSet is the SessionAudit-MemberStackSet stack: the service-managed StackSet that
// deploys the SessionAudit-Member template to every account of the target OUs in every governed
// region, from the management (or delegated administrator) account.
type MemberStackSet struct {
	// Stack is the CDK stack: pass it where CDK takes a construct or a stack.
	Stack awscdk.Stack
	// StackSet is the AWS::CloudFormation::StackSet of SessionAudit-Member.
	StackSet awscloudformation.CfnStackSet
	// SignInStackSet deploys SessionAudit-SignIn to the sign-in regions that are not governed; nil
	// when there are none.
	SignInStackSet awscloudformation.CfnStackSet
}

// NewMemberStackSet creates the StackSet stack. Its TemplateBody is the member stack's template,
// synthesized from the same config in an app of its own (standaloneTemplate): the body flows one
// way, from construction to a string, with no file read while tokens resolve and no dependence on
// the order in which the app writes its stacks. member and signIn are the app's own copies, which
// `cdk deploy SessionAudit-Member` deploys; a test checks that both templates are the same.
func NewMemberStackSet(scope constructs.Construct, c config.Config, member *Member, signIn *SignIn) *MemberStackSet {
	stack := newManagementStack(scope, c, MemberStackSetStackName, false,
		"sessionaudit: service-managed StackSet that deploys SessionAudit-Member to the organization")
	m := &MemberStackSet{Stack: stack}
	body := standaloneTemplate(scope, func(app awscdk.App) awscdk.Stack { return NewMember(app, c).Stack })
	m.StackSet = newStackSet(stack, "StackSet", MemberStackSetName, "sessionaudit member accounts: Session Manager and RDP audit logging", c, c.Regions, body)
	if signIn != nil {
		body := standaloneTemplate(scope, func(app awscdk.App) awscdk.Stack { return NewSignIn(app, c).Stack })
		m.SignInStackSet = newStackSet(stack, "SignInStackSet", SignInStackSetName,
			"sessionaudit member accounts: console sign-in notifications where CloudTrail records sign-ins outside the governed regions",
			c, c.ExtraSignInRegions(), body)
	}
	return m
}

// standaloneTemplate builds a stack in an app of its own with the context (feature flags) of
// scope's app, synthesizes it, and returns its template as compact JSON without the rule-pack
// acknowledgments (as app.go writes every template; acknowledge.Extract).
func standaloneTemplate(scope constructs.Construct, build func(app awscdk.App) awscdk.Stack) string {
	context, _ := scope.Node().GetAllContext(nil).(map[string]any)
	dir, err := os.MkdirTemp("", "sessionaudit-stackset-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir), Context: &context})
	stack := build(app)
	template, err := Deployable(app.Synth(nil).GetStackByName(stack.StackName()).Template())
	if err != nil {
		panic(err)
	}
	data, err := json.Marshal(template)
	if err != nil {
		panic(err)
	}
	return string(data)
}

// Deployable is a synthesized template (as cloud assembly artifacts return it) as CloudFormation
// gets it: without the rule packs' acknowledgments, which app.go writes next to the template.
func Deployable(template any) (map[string]any, error) {
	data, err := json.Marshal(template)
	if err != nil {
		return nil, err
	}
	var t map[string]any
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, err
	}
	acknowledge.Extract(t)
	return t, nil
}

// newStackSet is a service-managed StackSet of a template body for the target OUs in regions.
func newStackSet(stack awscdk.Stack, id, name, description string, c config.Config, regionList []string, body string) awscloudformation.CfnStackSet {
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
			// The home region first: its member stack holds the instance and user policies that
			// every region's preferences rely on (with SEQUENTIAL, no region changes before them).
			RegionOrder:                jsii.Strings(homeFirst(c.HomeRegion, regionList)...),
			RegionConcurrencyType:      jsii.String(c.StackSet.RegionConcurrency),
			MaxConcurrentPercentage:    jsii.Number(float64(c.StackSet.MaxConcurrentPercentage)),
			FailureTolerancePercentage: jsii.Number(float64(c.StackSet.FailureTolerancePercentage)),
		},
		StackInstancesGroup: []any{&awscloudformation.CfnStackSet_StackInstancesProperty{
			DeploymentTargets: &awscloudformation.CfnStackSet_DeploymentTargetsProperty{OrganizationalUnitIds: jsii.Strings(c.TargetOrganizationalUnitIDs...)},
			Regions:           jsii.Strings(regionList...),
		}},
		TemplateBody: jsii.String(body),
	})
}

// homeFirst is regions with home (if present) first, the rest in their order.
func homeFirst(home string, regions []string) []string {
	out := make([]string, 0, len(regions))
	for _, r := range regions {
		if r == home {
			out = append(out, r)
		}
	}
	for _, r := range regions {
		if r != home {
			out = append(out, r)
		}
	}
	return out
}
