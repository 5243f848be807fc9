package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
)

// GuardrailsStackName is the stack of the organization's service control policies.
const GuardrailsStackName = "SessionAudit-Guardrails"

// Guardrails is the SessionAudit-Guardrails stack: service control policies attached to
// targetOrganizationalUnitIds, in the management account (or a delegated administrator for
// Organizations policies). SCPs never apply to the management account itself.
type Guardrails struct {
	// Stack is the CDK stack: pass it where CDK takes a construct or a stack.
	Stack awscdk.Stack
	// Guardrails are the policies.
	Guardrails *guardrails.Policies
	// Archive are the log-archive account's policies; nil unless guardrails.protectArchive.
	Archive *guardrails.ArchivePolicies
}

// NewGuardrails creates the SessionAudit-Guardrails stack.
func NewGuardrails(scope constructs.Construct, c config.Config) *Guardrails {
	stack := newManagementStack(scope, c, GuardrailsStackName, true,
		"sessionaudit: service control policies that protect session logging in member accounts")
	g := guardrails.New(stack, "Guardrails", &guardrails.Props{
		TargetIds:                c.TargetOrganizationalUnitIDs,
		ExemptPrincipalArns:      c.Guardrails.ExemptPrincipalArns,
		NamePrefix:               jsii.String(MemberNamePrefix),
		HandlerRoleNamePrefix:    jsii.String(HandlerRoleNamePrefix),
		DocumentName:             jsii.String(sessionprefs.DocumentName),
		Regions:                  c.Regions,
		DenyUnloggedSessions:     c.Guardrails.UnloggedSessions == config.UnloggedDeny,
		Ways:                     c.Guardrails.DeniedWays(),
		PolicyNamePrefix:         jsii.String(config.PolicyNamePrefix),
		DeclarativeSerialConsole: c.Guardrails.DeclarativeSerialConsole,
	})
	out := &Guardrails{Stack: stack, Guardrails: g}
	if c.Guardrails.ProtectArchive {
		out.Archive = guardrails.NewArchive(stack, "Archive", c.ArchiveProps())
	}
	return out
}
