// Package guardrails provides Guardrails: service control policies (AWS Organizations) that keep
// the principals of member accounts from changing or deleting what sessionaudit deploys there,
// and optionally from starting sessions that Session Manager does not log.
//
// Sources: Organizations user guide, "SCP syntax" (SCPs use the IAM policy language; since
// September 2025 the full language: Resource ARNs, NotResource, conditions) and "Quotas" (5,120
// characters per SCP, five SCPs attached per root, OU or account); "SCPs don't affect users or
// roles in the management account" and no service-linked role. Session Manager user guide,
// "Logging session activity": "Logging isn't available for Session Manager sessions that connect
// through port forwarding or SSH."
//
// Feature flags: its output means the same with or without any (test/bare_test.go builds it both
// ways); @aws-cdk/core:target-partitions and @aws-cdk/aws-iam:minimizePolicies change only how the
// template is written (a literal partition, merged policy statements).
package guardrails

import (
	"encoding/json"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsorganizations"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
)

// MaxPolicyCharacters is the size limit of one service control policy.
const MaxPolicyCharacters = 5120

// StackSetExecutionRoles are the roles a service-managed StackSet deploys with in member accounts:
// the service-linked role AWSServiceRoleForCloudFormationStackSetsOrgMember creates
// "stacksets-exec-<id>" roles (its managed policy CloudFormationStackSetsOrgMemberServiceRolePolicy
// names them so), which SCPs do affect.
const StackSetExecutionRoles = "arn:*:iam::*:role/stacksets-exec-*"

// Props configures Guardrails.
type Props struct {
	// TargetIds are the roots, OUs or accounts the policies are attached to. Required.
	TargetIds []string
	// ExemptPrincipalArns are principal ARN patterns (aws:PrincipalArn, ArnLike) the policies
	// do not apply to, such as a break-glass role. Default: none.
	ExemptPrincipalArns []string
	// NamePrefix starts the names of the member resources sessionaudit names (notification rules,
	// their role and dead-letter queue, the preferences handler's role and function); only exempt
	// principals may create, change or use them. Default: DefaultNamePrefix.
	NamePrefix *string
	// HandlerRoleNamePrefix starts the names of the roles of sessionaudit that change what the
	// policies protect (the preferences handler's, one per region): the only roles of sessionaudit
	// the policies exempt. Default: NamePrefix + "preferences-".
	HandlerRoleNamePrefix *string
	// Regions are the governed regions: with DenyUnloggedSessions, sessions and RDP connections in
	// any other region are denied. Default: none (no region is denied).
	Regions []string
	// DocumentName is the preferences document. Default: "SSM-SessionManagerRunShell".
	DocumentName *string
	// LogGroupNamePrefix starts the session log groups' names. Default: "session-manager-log-".
	LogGroupNamePrefix *string
	// InstancePolicyName is the member instance policy. Default: "SessionAuditInstanceLogging".
	InstancePolicyName *string
	// DenyUnloggedSessions adds a second policy that denies starting sessions that are not logged
	// (any document but sessiondocs.Logged), sessions and RDP connections outside Regions, and
	// creating or changing Session documents, except to the exempt principals. Default: false.
	DenyUnloggedSessions bool
	// Ways are the ways into a node besides sessions to deny, except to the exempt principals;
	// any adds a policy of its own (WaysPolicy). Default: none.
	Ways Ways
	// DeclarativeSerialConsole adds an EC2 declarative policy (SerialConsolePolicy) that keeps the
	// serial console off in the accounts below the targets, exempt principals included. It needs the
	// DECLARATIVE_POLICY_EC2 policy type enabled at the root. Default: false.
	DeclarativeSerialConsole bool
	// PolicyNamePrefix names the policies "<prefix>Protect", "<prefix>UnloggedSessions" and
	// "<prefix>Ways" (the Policy* suffixes).
	// Default: "SessionAudit".
	PolicyNamePrefix *string
}

// Name suffixes of the policies (Props.PolicyNamePrefix before them).
const (
	PolicyProtect          = "Protect"
	PolicyUnloggedSessions = "UnloggedSessions"
	PolicyWays             = "Ways"
	// PolicySerialConsole names the EC2 declarative policy (not a service control policy).
	PolicySerialConsole = "SerialConsole"
)

// DeclarativePolicyType is the Organizations policy type of SerialConsolePolicy.
const DeclarativePolicyType = "DECLARATIVE_POLICY_EC2"

// SerialConsolePolicy is the EC2 declarative policy that turns the serial console off and keeps it
// off: account administrators cannot change an attribute a declarative policy sets, and
// GetSerialConsoleAccessStatus reports ManagedBy "declarative-policy" (Organizations user guide,
// "Declarative policy syntax and examples", Serial console access).
func SerialConsolePolicy() map[string]any {
	return map[string]any{"ec2_attributes": map[string]any{"serial_console_access": map[string]any{"status": map[string]any{"@@assign": "disabled"}}}}
}

// Policies are one to three service control policies attached to the targets, and optionally an
// EC2 declarative policy. The ways into a
// node have a policy of their own: in the sessions' one their two statements would repeat the
// exempt patterns twice more, and the largest exemptions config accepts (ten patterns of
// test/testdata/largest.json) would no longer fit in 5,120 characters.
type Policies struct {
	// Construct is this construct in the tree: pass it where CDK takes a construct (a scope,
	// awscdk.Tags_Of, Node().AddDependency). The struct itself is not one, so that passing it does
	// not compile instead of failing in jsii at run time.
	Construct constructs.Construct
	// Protect denies changing or deleting sessionaudit's member resources.
	Protect awsorganizations.CfnPolicy
	// UnloggedSessions denies sessions that are not logged; nil unless DenyUnloggedSessions.
	UnloggedSessions awsorganizations.CfnPolicy
	// Ways denies the ways into a node Props.Ways names; nil unless it names one.
	Ways awsorganizations.CfnPolicy
	// SerialConsole is the EC2 declarative policy; nil unless Props.DeclarativeSerialConsole.
	SerialConsole awsorganizations.CfnPolicy
}

// New creates Guardrails. It panics when a policy would exceed MaxPolicyCharacters.
func New(scope constructs.Construct, id string, props *Props) *Policies {
	if props == nil || len(props.TargetIds) == 0 {
		invalid.Panic("guardrails", "Props.TargetIds is required")
	}
	p := withDefaults(props)
	this := constructs.NewConstruct(scope, jsii.String(id))
	g := &Policies{Construct: this}
	policy := func(id, name, description string, doc map[string]any) awsorganizations.CfnPolicy {
		if n := Size(doc); n > MaxPolicyCharacters {
			invalid.Panic("guardrails", "policy %s has %d characters, more than a service control policy may (%d); exempt fewer or shorter principal patterns", name, n, MaxPolicyCharacters)
		}
		return awsorganizations.NewCfnPolicy(this, jsii.String(id), &awsorganizations.CfnPolicyProps{
			Name:        jsii.String(*p.PolicyNamePrefix + name),
			Type:        jsii.String("SERVICE_CONTROL_POLICY"),
			Description: jsii.String(description),
			Content:     doc,
			TargetIds:   jsii.Strings(p.TargetIds...),
		})
	}
	g.Protect = policy("Protect", PolicyProtect, "sessionaudit: nobody but its deployment changes session logging and notifications in member accounts", ProtectPolicy(p))
	if p.DenyUnloggedSessions {
		g.UnloggedSessions = policy("UnloggedSessions", PolicyUnloggedSessions, "sessionaudit: only logged sessions, only in governed regions", UnloggedSessionsPolicy(p))
	}
	if p.DeclarativeSerialConsole {
		g.SerialConsole = awsorganizations.NewCfnPolicy(this, jsii.String("SerialConsole"), &awsorganizations.CfnPolicyProps{
			Name:        jsii.String(*p.PolicyNamePrefix + PolicySerialConsole),
			Type:        jsii.String(DeclarativePolicyType),
			Description: jsii.String("sessionaudit: the EC2 serial console stays off in the accounts below the targets"),
			Content:     SerialConsolePolicy(),
			TargetIds:   jsii.Strings(p.TargetIds...),
		})
	}
	if p.Ways.Any() {
		g.Ways = policy("Ways", PolicyWays, "sessionaudit: no way into a node that Session Manager does not log but for exempt principals (docs/guardrails.md)", WaysPolicy(p))
	}
	return g
}

// Size is the length of a policy as Organizations counts it: its minified JSON.
func Size(doc map[string]any) int {
	b, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return len(b)
}

// DefaultNamePrefix is the name prefix of what sessionaudit names in member accounts
// (install.MemberNamePrefix; a test keeps them equal).
const DefaultNamePrefix = "session-audit-"

func withDefaults(props *Props) Props {
	if props == nil {
		props = &Props{}
	}
	p := *props
	str := func(v **string, def string) {
		if *v == nil || **v == "" {
			*v = jsii.String(def)
		}
	}
	str(&p.NamePrefix, DefaultNamePrefix)
	str(&p.HandlerRoleNamePrefix, *p.NamePrefix+"preferences-")
	str(&p.DocumentName, sessiondocs.Preferences)
	str(&p.LogGroupNamePrefix, sessionprefs.LogGroupNamePrefix)
	str(&p.InstancePolicyName, "SessionAuditInstanceLogging")
	str(&p.PolicyNamePrefix, "SessionAudit")
	return p
}
