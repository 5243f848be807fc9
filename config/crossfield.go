package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sessionaudit/sessionaudit/regions"
)

// crossFields refuses combinations of valid fields that cannot work together, each at the field
// that would have to change, in the contract's format.
func crossFields(c *Config, r *reader) {
	ok := func(path string) bool { return !r.bad[path] }
	// The archive keeps what the editable CloudWatch copy holds: a forwarded event that expires in
	// the bucket while its log group still holds it could be edited back in no record.
	if ret := c.Retention; ok("retention.archiveDays") && ok("retention.cloudWatchDays") && ret.ArchiveDays < ret.CloudWatchDays {
		r.add("retention.archiveDays", fmt.Sprintf("must be at least retention.cloudWatchDays (%d): the tamper-resistant archive must outlive the editable CloudWatch Logs copy", ret.CloudWatchDays), fmt.Sprint(ret.ArchiveDays))
	}
	g := c.Guardrails
	if g.Enabled && g.UnloggedSessions == UnloggedDeny && c.Rollout.Phase != PhaseEnforced && ok("rollout.phase") {
		r.add("guardrails.unloggedSessions", fmt.Sprintf(`is "deny" but rollout.phase is %q: deny sessions only once the logged alternative is enforced (docs/rollout.md)`, c.Rollout.Phase), quote(g.UnloggedSessions))
	}
	if !g.Enabled && r.seen["guardrails.unloggedSessions"] && g.UnloggedSessions == UnloggedDeny {
		r.add("guardrails.unloggedSessions", `is "deny" but guardrails.enabled is false: no service control policy would deny anything`, quote(g.UnloggedSessions))
	}
	for _, w := range AllWays {
		if at := "guardrails.ways." + w; !g.Enabled && ok(at) && g.Ways.field(w) == UnloggedDeny {
			r.add(at, `is "deny" but guardrails.enabled is false: no service control policy would deny anything`, quote(UnloggedDeny))
		}
	}
	if !g.Enabled && g.DeclarativeSerialConsole && ok("guardrails.declarativeSerialConsole") {
		r.add("guardrails.declarativeSerialConsole", "is true but guardrails.enabled is false: SessionAudit-Guardrails, which would attach the declarative policy, is not deployed", "true")
	}
	if g.ProtectArchive && ok("guardrails.protectArchive") && (!g.Enabled || len(g.ExemptPrincipalArns) == 0) {
		r.add("guardrails.protectArchive", "is true but needs guardrails.enabled and at least one guardrails.exemptPrincipalArns pattern: only exempt principals may deploy the log-archive stacks once it is attached", "true")
	}
	if !g.Enabled && len(g.ExemptPrincipalArns) > 0 {
		r.add("guardrails.exemptPrincipalArns", "has patterns but guardrails.enabled is false: there is no guardrail to exempt them from", render(g.ExemptPrincipalArns))
	}
	// IAM user guide, "AWS global condition context keys", aws:PrincipalArn: for a role session it
	// is the role's ARN ("Do not specify the assumed role session ARN as a value for this condition
	// key"), so an assumed-role pattern never matches and would exempt no one.
	for i, arn := range g.ExemptPrincipalArns {
		if at := fmt.Sprintf("guardrails.exemptPrincipalArns[%d]", i); ok(at) && strings.Contains(arn, ":assumed-role/") {
			r.add(at, fmt.Sprintf("names a role session, but the guardrails match aws:PrincipalArn, which for a role session is the role's ARN: exempt the role, e.g. %s", roleOfSession(arn)), quote(arn))
		}
	}
	if n := c.Notifications; !n.ConsoleSignIn && r.seen["notifications.signInRegions"] && len(n.SignInRegions) > 0 {
		r.add("notifications.signInRegions", "lists regions but notifications.consoleSignIn is false: no sign-in rule would run there", render(n.SignInRegions))
	}
	s := c.Session
	if s.RunAsEnabled != nil && !*s.RunAsEnabled && s.RunAsDefaultUser != nil && *s.RunAsDefaultUser != "" {
		r.add("session.runAsDefaultUser", "is set but session.runAsEnabled is false: sessions would start as ssm-user, not this user", quote(*s.RunAsDefaultUser))
	}
}

// IdentityCenterRolePrefix starts the name of every role IAM Identity Center creates for a
// permission set, and IdentityCenterRolePath is the path before it (IAM Identity Center user guide,
// "Referencing permission sets in resource policies, Amazon EKS, and AWS KMS": "arn:aws:iam::
// aws-account-ID:role/aws-reserved/sso.amazonaws.com/aws-region/AWSReservedSSO_permission-set-
// name_unique-suffix"). A role session's ARN (arn:aws:sts::…:assumed-role/<name>/<session>) does
// not show the path, while aws:PrincipalArn, the role's ARN, has it.
const (
	IdentityCenterRolePrefix = "AWSReservedSSO_"
	IdentityCenterRolePath   = "aws-reserved/sso.amazonaws.com/"
)

// roleOfSession is the role ARN pattern of a role session ARN pattern: the session name dropped,
// and for an IAM Identity Center role its path put back, with "*" where the region segment goes:
// the documented path has the Identity Center region there ("<region>/"), and roles of an
// instance in us-east-1 are reported without it (aws-reserved/sso.amazonaws.com/AWSReservedSSO_…),
// so "*" right before the role name matches both. IAM reserves the /aws-reserved/ path, so the
// pattern matches only Identity Center's roles.
func roleOfSession(arn string) string {
	role := strings.Replace(strings.Replace(arn, ":sts::", ":iam::", 1), ":assumed-role/", ":role/", 1)
	start := strings.Index(role, ":role/") + len(":role/")
	if j := strings.LastIndex(role, "/"); j > start {
		role = role[:j]
	}
	if name := role[start:]; strings.HasPrefix(name, IdentityCenterRolePrefix) {
		role = role[:start] + IdentityCenterRolePath + "*" + name
	}
	return role
}

// principalsInPartition refuses ARN patterns of another partition than the deployment's: they
// never match a principal of the organization.
func principalsInPartition(r *reader, path string, arns []string, partition string) {
	for i, arn := range arns {
		at := fmt.Sprintf("%s[%d]", path, i)
		if parts := strings.SplitN(arn, ":", 3); len(parts) == 3 && !r.bad[at] && parts[1] != partition {
			r.add(at, fmt.Sprintf("must be an ARN of the partition of homeRegion (%s), not %s", partition, parts[1]), quote(arn))
		}
	}
}

// nearest names the known regions closest to an unknown code: those that share its prefix up to
// the number (eu-central-3: eu-central-1, eu-central-2), else its partition's count.
func nearest(code string) string {
	stem := strings.TrimRight(code, "0123456789")
	var like []string
	for _, reg := range regions.All() {
		if stem != "" && strings.HasPrefix(reg.Name, stem) {
			like = append(like, reg.Name)
		}
	}
	if len(like) > 0 {
		return "known: " + strings.Join(like, ", ")
	}
	p := regions.Partition(code)
	return fmt.Sprintf("the %s partition has %d known regions", p, len(regions.InPartition(p)))
}

// Warnings are what a valid configuration leaves out that it may not mean to: the app prints them
// on every synthesis.
func (c Config) Warnings() []string {
	var out []string
	if c.Notifications.ConsoleSignIn && Partition(c.HomeRegion) == "aws" {
		var missed []string
		for _, region := range GlobalSignInRegions {
			if !slices.Contains(c.Regions, region) && !slices.Contains(c.Notifications.SignInRegions, region) {
				missed = append(missed, region)
			}
		}
		if len(missed) > 0 {
			out = append(out, fmt.Sprintf("console sign-ins that CloudTrail records in %s (global endpoint) are not announced: add those regions to notifications.signInRegions if your service control policies let CloudFormation deploy there (docs/regions.md)", strings.Join(missed, ", ")))
		}
	}
	for _, region := range append(slices.Clone(c.Regions), c.ExtraSignInRegions()...) {
		if reg, ok := regions.Lookup(region); ok && reg.OptIn {
			out = append(out, fmt.Sprintf("%s is an opt-in region: every target account must have enabled it before the StackSet deploys there (docs/regions.md)", region))
		}
	}
	return out
}
