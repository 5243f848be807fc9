package check

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	cfntypes "github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
	"github.com/sessionaudit/sessionaudit/operator/report"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// Verify checks a deployment: stacks, StackSet instances and coverage, guardrail attachments, the
// log-archive account's keys, destinations, streams, delivery and notifications, and sampled
// member accounts; with e.Probe, then the end-to-end probe (verify_probe.go).
func Verify(ctx context.Context, e *Env) {
	run(ctx, e, "verify", func(ctx context.Context, e *Env) error {
		org := organizations.NewFromConfig(e.cfg("", e.Config.HomeRegion))
		root, err := listRoot(ctx, e, org)
		if err != nil {
			return err
		}
		tree, err := walk(ctx, e, aws.ToString(root.Id))
		if err != nil {
			return err
		}
		members := inScope(e, tree)
		members = slices.DeleteFunc(members, func(id string) bool { return id == e.Config.ManagementAccountID })
		e.Report.Accounts = len(members) + 1
		stackChecks(ctx, e)
		if err := instanceChecks(ctx, e, stacks.MemberStackSetName, e.Config.Regions, members, tree.Accounts); err != nil {
			return err
		}
		if extra := e.Config.ExtraSignInRegions(); len(extra) > 0 {
			if err := instanceChecks(ctx, e, stacks.SignInStackSetName, extra, members, tree.Accounts); err != nil {
				return err
			}
		}
		if e.Config.Guardrails.Enabled {
			if err := guardrailChecks(ctx, e, org); err != nil {
				return err
			}
			if err := archiveAttachedChecks(ctx, e, org); err != nil {
				e.failed(checkArchiveAttached, e.Config.LogArchiveAccountID, "", err)
			}
		}
		archiveChecks(ctx, e)
		sampled := sample(members, e.Sample, e.Config.LogArchiveAccountID)
		memberChecks(ctx, e, sampled)
		if e.Probe != nil {
			return runProbe(ctx, e, sampled)
		}
		return nil
	})
}

// listRoot is the organization's root, read through every page of ListRoots (an organization
// has one root; Organizations API reference, ListRoots, which may answer an empty page with a
// NextToken).
func listRoot(ctx context.Context, e *Env, org *organizations.Client) (orgtypes.Root, error) {
	var roots []orgtypes.Root
	p := organizations.NewListRootsPaginator(org, &organizations.ListRootsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return orgtypes.Root{}, call(err, "organizations:ListRoots", e.Session.CallerAccount(), "")
		}
		roots = append(roots, out.Roots...)
	}
	if len(roots) == 0 {
		return orgtypes.Root{}, fmt.Errorf("organizations:ListRoots returned no root")
	}
	return roots[0], nil
}

type stackRef struct{ account, region, name, fix string }

// stackChecks: every stack of "Deploy order" exists and is complete (CloudFormation
// DescribeStacks; a stack that does not exist is a ValidationError "does not exist").
func stackChecks(ctx context.Context, e *Env) {
	c := e.Config
	arch, mgmt, home := c.LogArchiveAccountID, c.ManagementAccountID, c.HomeRegion
	refs := []stackRef{{arch, home, stacks.LogArchiveStackName, "README \"Deploy order\", step 1: `make cdk ARGS='deploy SessionAudit-LogArchive'`"}}
	for _, r := range c.Regions {
		refs = append(refs, stackRef{arch, r, stacks.ReceiverStackName(r), "README \"Deploy order\", step 2: `make cdk ARGS=\"deploy 'SessionAudit-Receiver-*'\"`"})
	}
	refs = append(refs, stackRef{mgmt, home, stacks.MemberStackSetStackName, "README \"Deploy order\", step 3: `make cdk ARGS='deploy SessionAudit-MemberStackSet'`"})
	for _, r := range c.Regions {
		refs = append(refs, stackRef{mgmt, r, stacks.MemberStackName, fmt.Sprintf("README \"Deploy order\", step 4: `AWS_REGION=%s make cdk ARGS='deploy SessionAudit-Member'` with management-account credentials", r)})
	}
	for _, r := range c.ExtraSignInRegions() {
		refs = append(refs, stackRef{mgmt, r, stacks.SignInStackName, fmt.Sprintf("README \"Deploy order\", step 4: `AWS_REGION=%s make cdk ARGS='deploy SessionAudit-SignIn'`", r)})
	}
	if c.Guardrails.Enabled {
		refs = append(refs, stackRef{mgmt, home, stacks.GuardrailsStackName, "README \"Deploy order\", step 10: `make cdk ARGS='deploy SessionAudit-Guardrails'`"})
	}
	for _, s := range refs {
		out, err := cloudformation.NewFromConfig(e.cfg(s.account, s.region)).DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: aws.String(s.name)})
		if err != nil && strings.Contains(err.Error(), "does not exist") {
			e.Report.Add(report.Finding{Check: "cloudformation.stack", Severity: report.Fail, Account: s.account, Region: s.region, Subject: s.name, Message: "not deployed",
				Meaning: "what this stack holds is missing (README \"Stacks\")", Fix: s.fix})
			continue
		}
		if err != nil {
			e.failed("cloudformation.stack", s.account, s.region, call(err, "cloudformation:DescribeStacks", s.account, s.region))
			continue
		}
		status := string(out.Stacks[0].StackStatus)
		if strings.HasSuffix(status, "_COMPLETE") && !strings.Contains(status, "ROLLBACK") && !strings.HasPrefix(status, "DELETE") {
			continue
		}
		sev, fix := report.Fail, "`aws cloudformation describe-stack-events --stack-name "+s.name+"` gives the cause; fix it and deploy again (README \"Operations\", \"Recovering a failed stack instance\")"
		if strings.HasSuffix(status, "_IN_PROGRESS") {
			sev, fix = report.Warn, "wait for the operation to finish and run verify again"
		}
		if status == string(cfntypes.StackStatusRollbackComplete) {
			fix = "`aws cloudformation delete-stack --stack-name " + s.name + "`, then deploy again (README \"Operations\")"
		}
		e.Report.Add(report.Finding{Check: "cloudformation.stack", Severity: sev, Account: s.account, Region: s.region, Subject: s.name, Message: "status " + status,
			Meaning: "the stack is not in a completed state", Fix: fix})
	}
}

// instanceChecks: every instance of a StackSet succeeded (failures grouped by reason with the
// recovery step) and every targeted account × region has one (coverage). An instance of an
// account that is not ACTIVE (states: the account states of the tree), or one that CloudFormation
// skipped as SKIPPED_SUSPENDED_ACCOUNT, is listed as skipped (info), as coverage leaves such
// accounts out; SKIPPED_SUSPENDED_ACCOUNT of an account that is ACTIVE again is a failure: the
// account has no stack there (CloudFormation API reference, StackInstanceComprehensiveStatus).
func instanceChecks(ctx context.Context, e *Env, stackSet string, regions, members []string, states map[string]string) error {
	client := cloudformation.NewFromConfig(e.cfg(e.stackSetsAccount(), e.Config.HomeRegion))
	have := map[string]bool{}
	p := cloudformation.NewListStackInstancesPaginator(client, &cloudformation.ListStackInstancesInput{StackSetName: aws.String(stackSet), CallAs: cfntypes.CallAs(e.callAs())})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil && strings.Contains(err.Error(), "StackSetNotFound") {
			e.Report.Add(report.Finding{Check: "stackset.instances", Severity: report.Fail, Subject: stackSet, Message: "the StackSet does not exist",
				Meaning: "no member account is covered", Fix: "README \"Deploy order\", step 3: `make cdk ARGS='deploy SessionAudit-MemberStackSet'`"})
			return nil
		}
		if err != nil {
			return call(err, "cloudformation:ListStackInstances", e.stackSetsAccount(), e.Config.HomeRegion)
		}
		for _, s := range out.Summaries {
			account, region := aws.ToString(s.Account), aws.ToString(s.Region)
			have[account+"/"+region] = true
			detailed := ""
			if s.StackInstanceStatus != nil {
				detailed = string(s.StackInstanceStatus.DetailedStatus)
			}
			if detailed == "SUCCEEDED" || (detailed == "" && s.Status == cfntypes.StackInstanceStatusCurrent) {
				continue
			}
			reason := aws.ToString(s.StatusReason)
			if st := states[account]; st != StateActive && slices.Contains(knownStates, st) {
				e.Report.Add(report.Finding{Check: "stackset.instances", Severity: report.Info, Account: account, Region: region, Subject: stackSet,
					Message: fmt.Sprintf("skipped: the account is %s (%s, %s)", st, orNone(detailed), string(s.Status)), Meaning: "the StackSet does not deploy to accounts that are not ACTIVE; coverage leaves them out",
					Fix: "none; once the account is ACTIVE again, update its stack instances"})
				continue
			}
			sev := report.Fail
			if detailed == "PENDING" || detailed == "RUNNING" {
				sev = report.Warn
			}
			meaning := "reason: " + orNone(reason) + "; " + recovery(reason)
			if detailed == string(cfntypes.StackInstanceDetailedStatusSkippedSuspendedAccount) {
				meaning = "the account is " + orNone(states[account]) + " now, but its instance was skipped while it was suspended: it has no stack here"
			}
			e.Report.Add(report.Finding{Check: "stackset.instances", Severity: sev, Account: account, Region: region, Subject: stackSet,
				Message: fmt.Sprintf("%s (%s)", detailed, string(s.Status)), Meaning: meaning,
				Fix: fmt.Sprintf("fix the cause, then `aws cloudformation update-stack-instances --stack-set-name %s --deployment-targets OrganizationalUnitIds=%s --regions %s` (README \"Operations\", \"Recovering a failed stack instance\")", stackSet, aws.ToString(s.OrganizationalUnitId), region)})
		}
	}
	for _, a := range members {
		for _, r := range regions {
			if !have[a+"/"+r] {
				e.Report.Add(report.Finding{Check: "stackset.coverage", Severity: report.Fail, Account: a, Region: r, Subject: stackSet, Message: "no stack instance",
					Meaning: "the account is in a target OU but has no " + stackSet + " stack here: its sessions are not logged or announced",
					Fix:     fmt.Sprintf("deploy the StackSet again (`make cdk ARGS='deploy SessionAudit-MemberStackSet'`) or `aws cloudformation create-stack-instances --stack-set-name %s --deployment-targets OrganizationalUnitIds=<ou> --regions %s`; an opt-in region must be enabled first (docs/regions.md)", stackSet, r)})
			}
		}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "(none given)"
	}
	return s
}

// recovery is the first step for the usual StackSet failure reasons.
func recovery(reason string) string {
	r := strings.ToLower(reason)
	switch {
	case strings.Contains(r, "explicit deny") || strings.Contains(r, "service control policy"):
		return "an SCP denies the StackSet's role: exempt stacksets-exec-* or allow the region (docs/regions.md)"
	case strings.Contains(r, "opt-in") || strings.Contains(r, "not enabled") || strings.Contains(r, "region is disabled"):
		return "the region is not enabled in this account: `aws account enable-region` (docs/regions.md, \"Opt-in regions\")"
	case strings.Contains(r, "destination") || strings.Contains(r, "session-audit"):
		return "the receiver stack of this region is missing: deploy SessionAudit-Receiver-<region> first (README \"Deploy order\", step 2)"
	case strings.Contains(r, "trusted access") || strings.Contains(r, "not authorized"):
		return "trusted access or the StackSet's roles: `aws cloudformation activate-organizations-access`"
	}
	return "`aws cloudformation describe-stack-instance` gives the full reason"
}

// guardrailChecks: SessionAudit-Guardrails' policies are attached to every target.
func guardrailChecks(ctx context.Context, e *Env, org *organizations.Client) error {
	want := e.Config.Guardrails.PolicyNames()
	for _, t := range e.Config.TargetOrganizationalUnitIDs {
		var names []string
		p := organizations.NewListPoliciesForTargetPaginator(org, &organizations.ListPoliciesForTargetInput{TargetId: aws.String(t), Filter: orgtypes.PolicyTypeServiceControlPolicy})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return call(err, "organizations:ListPoliciesForTarget", e.Session.CallerAccount(), "")
			}
			for _, s := range out.Policies {
				names = append(names, aws.ToString(s.Name))
			}
		}
		for _, w := range want {
			if !slices.Contains(names, w) {
				e.Report.Add(report.Finding{Check: "guardrails.attached", Severity: report.Fail, Subject: t, Message: w + " is not attached",
					Meaning: "member administrators can turn logging off in this OU", Fix: "`make cdk ARGS='deploy SessionAudit-Guardrails'` (README \"Guardrails\")"})
			}
		}
		if err := declarativeAttached(ctx, e, org, t); err != nil {
			return err
		}
	}
	return nil
}

// declarativeAttached: with guardrails.declarativeSerialConsole, the EC2 declarative policy that
// keeps the serial console off is attached to target (ListPoliciesForTarget with the
// DECLARATIVE_POLICY_EC2 filter, all pages).
func declarativeAttached(ctx context.Context, e *Env, org *organizations.Client, target string) error {
	g := e.Config.Guardrails
	if !g.Enabled || !g.DeclarativeSerialConsole {
		return nil
	}
	want := config.PolicyNamePrefix + guardrails.PolicySerialConsole
	p := organizations.NewListPoliciesForTargetPaginator(org, &organizations.ListPoliciesForTargetInput{TargetId: aws.String(target), Filter: orgtypes.PolicyType(guardrails.DeclarativePolicyType)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return call(err, "organizations:ListPoliciesForTarget", e.Session.CallerAccount(), "")
		}
		for _, s := range out.Policies {
			if aws.ToString(s.Name) == want {
				return nil
			}
		}
	}
	e.Report.Add(report.Finding{Check: "guardrails.attached", Severity: report.Fail, Subject: target, Message: want + " (EC2 declarative policy) is not attached",
		Meaning: "an account administrator below this OU can turn the EC2 serial console on", Fix: "`make cdk ARGS='deploy SessionAudit-Guardrails'` (README \"Guardrails\")"})
	return nil
}

// sample picks n members spread over the sorted list, the log-archive account first if present.
func sample(members []string, n int, first string) []string {
	var out []string
	if slices.Contains(members, first) {
		out = append(out, first)
	}
	if len(members) == 0 {
		return out
	}
	step := max(len(members)/max(n, 1), 1)
	for i := 0; i < len(members) && len(out) < n; i += step {
		if members[i] != first {
			out = append(out, members[i])
		}
	}
	return out
}
