package check

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// StackSetsPrincipal is the service principal of trusted access for CloudFormation StackSets
// (CloudFormation user guide, "Activate trusted access with AWS Organizations").
const StackSetsPrincipal = "member.org.stacksets.cloudformation.amazonaws.com"

// MaxSCPsPerTarget is the Organizations quota of SCPs attached to one root, OU or account,
// FullAWSAccess included (Organizations user guide, "Quotas and service limits": "Maximum number
// of SCPs attached to a root, OU, or account: 5").
const MaxSCPsPerTarget = 5

// Preflight runs the organization checks, then the per-account checks in every account the
// StackSet targets and the management account.
func Preflight(ctx context.Context, e *Env) {
	run(ctx, e, "preflight", func(ctx context.Context, e *Env) error {
		tree, err := orgChecks(ctx, e)
		if err != nil {
			return err
		}
		accounts := inScope(e, tree)
		if !slices.Contains(accounts, e.Config.ManagementAccountID) && tree.Accounts[e.Config.ManagementAccountID] == StateActive {
			accounts = append(accounts, e.Config.ManagementAccountID)
		}
		e.Report.Accounts = len(accounts)
		accountChecks(ctx, e, accounts)
		return nil
	})
}

// orgChecks are the Organizations and CloudTrail checks of preflight; an error means the command
// could not run (the organization could not be read).
func orgChecks(ctx context.Context, e *Env) (*Tree, error) {
	c := e.Config
	me := e.Session.CallerAccount()
	org := organizations.NewFromConfig(e.cfg("", c.HomeRegion))
	d, err := org.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})
	if err != nil {
		return nil, call(err, "organizations:DescribeOrganization", me, "")
	}
	if id := aws.ToString(d.Organization.Id); id != c.OrganizationID {
		return nil, fmt.Errorf("the credentials belong to organization %s, the configuration names %s: use the management or delegated-admin account of %s", id, c.OrganizationID, c.OrganizationID)
	}
	if d.Organization.FeatureSet != orgtypes.OrganizationFeatureSetAll {
		e.Report.Add(report.Finding{Check: "organizations.all-features", Severity: report.Fail, Subject: c.OrganizationID, Message: "the organization has only consolidated billing features",
			Meaning: "service-managed StackSets and SCPs need all features (Organizations user guide, \"Enabling all features\")", Fix: "enable all features: Organizations console, Settings, or `aws organizations enable-all-features`"})
	}
	if me != c.ManagementAccountID && !c.DelegatedAdmin {
		e.Report.Add(report.Finding{Check: "organizations.caller", Severity: report.Warn, Account: me, Message: "the caller is neither the management account nor, with delegatedAdmin, a delegated administrator",
			Meaning: "SessionAudit-MemberStackSet is deployed from the management account unless delegatedAdmin is true", Fix: "run with management-account credentials, or set delegatedAdmin (README \"Operations\")"})
	}
	enabled := false
	sp := organizations.NewListAWSServiceAccessForOrganizationPaginator(org, &organizations.ListAWSServiceAccessForOrganizationInput{})
	for sp.HasMorePages() {
		out, err := sp.NextPage(ctx)
		if err != nil {
			return nil, call(err, "organizations:ListAWSServiceAccessForOrganization", me, "")
		}
		for _, s := range out.EnabledServicePrincipals {
			enabled = enabled || aws.ToString(s.ServicePrincipal) == StackSetsPrincipal
		}
	}
	if !enabled {
		e.Report.Add(report.Finding{Check: "organizations.trusted-access", Severity: report.Fail, Subject: StackSetsPrincipal, Message: "trusted access for CloudFormation StackSets is not activated",
			Meaning: "the service-managed StackSet SessionAudit-Member cannot deploy to any account", Fix: "in the management account: `aws cloudformation activate-organizations-access` (README \"Operations\")"})
	}
	if c.DelegatedAdmin {
		if err := delegatedAdminCheck(ctx, e, org); err != nil {
			return nil, err
		}
	}
	roots, err := org.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil {
		return nil, call(err, "organizations:ListRoots", me, "")
	}
	if len(roots.Roots) == 0 {
		return nil, fmt.Errorf("organizations:ListRoots returned no root")
	}
	root := roots.Roots[0]
	scp := false
	for _, p := range root.PolicyTypes {
		scp = scp || (p.Type == orgtypes.PolicyTypeServiceControlPolicy && p.Status == orgtypes.PolicyTypeStatusEnabled)
	}
	tree, err := walk(ctx, e, aws.ToString(root.Id))
	if err != nil {
		return nil, err
	}
	for _, t := range c.TargetOrganizationalUnitIDs {
		if !tree.Known(t) {
			e.Report.Add(report.Finding{Check: "organizations.target-ou", Severity: report.Fail, Subject: t, Message: "no such OU or root in the organization",
				Meaning: "the StackSet deployment to this target fails", Fix: "correct targetOrganizationalUnitIds (`aws organizations list-organizational-units-for-parent --parent-id <root>`)"})
		}
	}
	if c.Guardrails.Enabled && !scp {
		e.Report.Add(report.Finding{Check: "organizations.scp-enabled", Severity: report.Fail, Subject: aws.ToString(root.Id), Message: "the SERVICE_CONTROL_POLICY policy type is not enabled on the root",
			Meaning: "SessionAudit-Guardrails cannot create or attach its policies", Fix: fmt.Sprintf("`aws organizations enable-policy-type --root-id %s --policy-type SERVICE_CONTROL_POLICY`, or set guardrails.enabled to false", aws.ToString(root.Id))})
	}
	if scp {
		if err := scpChecks(ctx, e, org, tree); err != nil {
			return nil, err
		}
	}
	outsideTargets(e, tree)
	if err := trailCheck(ctx, e); err != nil {
		return nil, err
	}
	return tree, nil
}

func delegatedAdminCheck(ctx context.Context, e *Env, org *organizations.Client) error {
	me := e.Session.CallerAccount()
	var admins []string
	p := organizations.NewListDelegatedAdministratorsPaginator(org, &organizations.ListDelegatedAdministratorsInput{ServicePrincipal: aws.String(StackSetsPrincipal)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return call(err, "organizations:ListDelegatedAdministrators", me, "")
		}
		for _, a := range out.DelegatedAdministrators {
			admins = append(admins, aws.ToString(a.Id))
		}
	}
	fix := "in the management account: `aws organizations register-delegated-administrator --service-principal " + StackSetsPrincipal + " --account-id <account>` (README \"Operations\")"
	switch {
	case len(admins) == 0:
		e.Report.Add(report.Finding{Check: "organizations.delegated-admin", Severity: report.Fail, Subject: StackSetsPrincipal, Message: "delegatedAdmin is true but no delegated administrator is registered for StackSets",
			Meaning: "SessionAudit-MemberStackSet calls as DELEGATED_ADMIN and fails", Fix: fix})
	case me != e.Config.ManagementAccountID && !slices.Contains(admins, me):
		e.Report.Add(report.Finding{Check: "organizations.delegated-admin", Severity: report.Fail, Account: me, Message: "the caller is not the StackSets delegated administrator (" + strings.Join(admins, ", ") + ")",
			Meaning: "SessionAudit-MemberStackSet must be deployed from the delegated administrator", Fix: "run from " + strings.Join(admins, " or ") + ", or " + fix})
	}
	return nil
}

// scpChecks: the SCP quota of every target, then the region-deny SCPs that reach the StackSet
// (regionDenyChecks).
func scpChecks(ctx context.Context, e *Env, org *organizations.Client, tree *Tree) error {
	c := e.Config
	me := e.Session.CallerAccount()
	if c.Guardrails.Enabled {
		ours := []string{"SessionAuditProtect"}
		if c.Guardrails.UnloggedSessions == config.UnloggedDeny {
			ours = append(ours, "SessionAuditUnloggedSessions")
		}
		for _, t := range c.TargetOrganizationalUnitIDs {
			if !tree.Known(t) {
				continue // organizations.target-ou
			}
			var attached []orgtypes.PolicySummary
			p := organizations.NewListPoliciesForTargetPaginator(org, &organizations.ListPoliciesForTargetInput{TargetId: aws.String(t), Filter: orgtypes.PolicyTypeServiceControlPolicy})
			for p.HasMorePages() {
				out, err := p.NextPage(ctx)
				if err != nil {
					return call(err, "organizations:ListPoliciesForTarget", me, "")
				}
				attached = append(attached, out.Policies...)
			}
			n, adds := len(attached), 0
			for _, name := range ours {
				if !slices.ContainsFunc(attached, func(p orgtypes.PolicySummary) bool { return aws.ToString(p.Name) == name }) {
					adds++
				}
			}
			if overQuota(n, adds) {
				e.Report.Add(report.Finding{Check: "organizations.scp-quota", Severity: report.Fail, Subject: t, Message: fmt.Sprintf("%d SCPs attached (FullAWSAccess included) + %d of sessionaudit > %d", n, adds, MaxSCPsPerTarget),
					Meaning: "SessionAudit-Guardrails fails to attach its policies to this OU (ConstraintViolationException)", Fix: "merge or detach SCPs on this OU, or target its child OUs instead (README \"Guardrails\")"})
			}
		}
	}
	return regionDenyChecks(ctx, e, org, tree)
}

// overQuota: attached SCPs plus the ones sessionaudit adds exceed MaxSCPsPerTarget (exactly
// MaxSCPsPerTarget is allowed).
func overQuota(attached, adds int) bool { return attached+adds > MaxSCPsPerTarget }

// outsideTargets lists the accounts the StackSet does not reach.
func outsideTargets(e *Env, tree *Tree) {
	targeted := map[string]bool{}
	for _, id := range tree.Targeted(e.Config.TargetOrganizationalUnitIDs) {
		targeted[id] = true
	}
	for _, id := range slices.Sorted(maps.Keys(tree.Accounts)) {
		if targeted[id] && id != e.Config.ManagementAccountID {
			continue
		}
		if tree.Accounts[id] != StateActive {
			continue
		}
		f := report.Finding{Check: "organizations.outside-targets", Severity: report.Warn, Account: id, Subject: "parent " + tree.Parent[id],
			Message: "not below targetOrganizationalUnitIds", Meaning: "the StackSet does not deploy here: sessions in this account are neither logged nor announced",
			Fix: "add its OU to targetOrganizationalUnitIds, or deploy SessionAudit-Member directly in every governed region (README \"Deploy order\", step 4)"}
		if id == e.Config.ManagementAccountID {
			f.Severity, f.Subject = report.Info, "management account"
			f.Message = "a service-managed StackSet never deploys to the management account"
			f.Meaning = "it needs the direct deploy; verify checks that it is there"
			f.Fix = "after the StackSet: `AWS_REGION=<region> make cdk ARGS='deploy SessionAudit-Member'` in every governed region with management-account credentials (README \"Deploy order\", step 4)"
		}
		e.Report.Add(f)
	}
}

// trailCheck: an organization trail that logs management (write) events in every governed and
// sign-in region, since session, RDP and sign-in notifications are CloudTrail events (README
// "Deploy order", step 7; CloudTrail user guide, "Creating a trail for an organization").
func trailCheck(ctx context.Context, e *Env) error {
	c := e.Config
	me := e.Session.CallerAccount()
	ct := cloudtrail.NewFromConfig(e.cfg("", c.HomeRegion))
	out, err := ct.DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
	if err != nil {
		return call(err, "cloudtrail:DescribeTrails", me, c.HomeRegion)
	}
	covered := map[string]bool{}
	for _, t := range out.TrailList {
		if !aws.ToBool(t.IsOrganizationTrail) {
			continue
		}
		regional := cloudtrail.NewFromConfig(e.cfg("", aws.ToString(t.HomeRegion)))
		st, err := regional.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: t.TrailARN})
		if err != nil {
			return call(err, "cloudtrail:GetTrailStatus", me, aws.ToString(t.HomeRegion))
		}
		sel, err := regional.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: t.TrailARN})
		if err != nil {
			return call(err, "cloudtrail:GetEventSelectors", me, aws.ToString(t.HomeRegion))
		}
		if !aws.ToBool(st.IsLogging) || !writesManagementEvents(sel) {
			continue
		}
		if aws.ToBool(t.IsMultiRegionTrail) {
			for _, r := range c.Regions {
				covered[r] = true
			}
			for _, r := range c.ExtraSignInRegions() {
				covered[r] = true
			}
		} else {
			covered[aws.ToString(t.HomeRegion)] = true
		}
	}
	for _, r := range append(slices.Clone(c.Regions), c.ExtraSignInRegions()...) {
		if !covered[r] {
			e.Report.Add(report.Finding{Check: "cloudtrail.organization-trail", Severity: report.Fail, Region: r, Message: "no logging organization trail records management write events here",
				Meaning: "EventBridge receives no \"AWS API Call via CloudTrail\" events from this region: no session, RDP or sign-in notifications",
				Fix:     "create or extend an organization trail (multi-Region, management events Write or All): `aws cloudtrail create-trail --is-organization-trail --is-multi-region-trail ...` (README \"Deploy order\", step 7)"})
		}
	}
	return nil
}

func writesManagementEvents(sel *cloudtrail.GetEventSelectorsOutput) bool {
	for _, s := range sel.EventSelectors {
		if aws.ToBool(s.IncludeManagementEvents) && (s.ReadWriteType == "All" || s.ReadWriteType == "WriteOnly") {
			return true
		}
	}
	for _, a := range sel.AdvancedEventSelectors {
		for _, f := range a.FieldSelectors {
			if aws.ToString(f.Field) == "eventCategory" && slices.Contains(f.Equals, "Management") {
				return true
			}
		}
	}
	return false
}
