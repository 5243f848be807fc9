package check

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
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
	root, err := listRoot(ctx, e, org)
	if err != nil {
		return nil, err
	}
	scp, declarative := false, false
	for _, p := range root.PolicyTypes {
		scp = scp || (p.Type == orgtypes.PolicyTypeServiceControlPolicy && p.Status == orgtypes.PolicyTypeStatusEnabled)
		declarative = declarative || (p.Type == orgtypes.PolicyTypeDeclarativePolicyEc2 && p.Status == orgtypes.PolicyTypeStatusEnabled)
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
	// "Before you can create a policy of a given type, you must first enable that policy type"
	// (CloudFormation, AWS::Organizations::Policy).
	if c.Guardrails.Enabled && c.Guardrails.DeclarativeSerialConsole && !declarative {
		e.Report.Add(report.Finding{Check: "organizations.declarative-enabled", Severity: report.Fail, Subject: aws.ToString(root.Id), Message: "guardrails.declarativeSerialConsole is true but the DECLARATIVE_POLICY_EC2 policy type is not enabled on the root",
			Meaning: "SessionAudit-Guardrails cannot create its serial console declarative policy", Fix: fmt.Sprintf("`aws organizations enable-policy-type --root-id %s --policy-type DECLARATIVE_POLICY_EC2`, or set guardrails.declarativeSerialConsole to false", aws.ToString(root.Id))})
	}
	if err := archivePolicyChecks(ctx, e, org, root, scp); err != nil {
		return nil, err
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
		ours := c.Guardrails.PolicyNames()
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

// trailCheck: an organization trail that logs management write events in every governed and
// sign-in region, since session, RDP and sign-in notifications are CloudTrail events (README
// "Deploy order", step 7; CloudTrail user guide, "Creating a trail for an organization").
// DescribeTrails answers, in each region, the trails homed there and the shadows of multi-Region
// trails homed elsewhere, but not single-Region trails of other regions (CloudTrail API
// reference, DescribeTrails, IncludeShadowTrails): so it is asked in every region to cover. A
// region whose trails cannot be read, or whose trail's status or selectors cannot, is a finding.
func trailCheck(ctx context.Context, e *Env) error {
	c := e.Config
	me := e.Session.CallerAccount()
	regions := trailRegions(c)
	sources := notifiedSources(c)
	seen := map[string]bool{}
	covered, unread := map[string]bool{}, map[string]bool{}
	for _, r := range regions {
		out, err := cloudtrail.NewFromConfig(e.cfg("", r)).DescribeTrails(ctx, &cloudtrail.DescribeTrailsInput{IncludeShadowTrails: aws.Bool(true)})
		if err != nil {
			e.failed(trailCheckName, me, r, call(err, "cloudtrail:DescribeTrails", me, r))
			unread[r] = true
			continue
		}
		for _, t := range out.TrailList {
			arn, home := aws.ToString(t.TrailARN), aws.ToString(t.HomeRegion)
			if seen[arn] || !aws.ToBool(t.IsOrganizationTrail) {
				continue
			}
			seen[arn] = true
			regional := cloudtrail.NewFromConfig(e.cfg("", home))
			st, err := regional.GetTrailStatus(ctx, &cloudtrail.GetTrailStatusInput{Name: t.TrailARN})
			if err != nil {
				e.failed(trailCheckName, me, home, call(err, "cloudtrail:GetTrailStatus", me, home))
				continue
			}
			sel, err := regional.GetEventSelectors(ctx, &cloudtrail.GetEventSelectorsInput{TrailName: t.TrailARN})
			if err != nil {
				e.failed(trailCheckName, me, home, call(err, "cloudtrail:GetEventSelectors", me, home))
				continue
			}
			if !aws.ToBool(st.IsLogging) || !writesManagementEvents(sel, sources) {
				continue
			}
			if aws.ToBool(t.IsMultiRegionTrail) {
				for _, r := range regions {
					covered[r] = true
				}
			} else {
				covered[home] = true
			}
		}
	}
	for _, r := range regions {
		if !covered[r] && !unread[r] {
			e.Report.Add(report.Finding{Check: trailCheckName, Severity: report.Fail, Region: r, Message: "no logging organization trail records management write events here",
				Meaning: "EventBridge receives no \"AWS API Call via CloudTrail\" events from this region: no session, RDP or sign-in notifications",
				Fix:     "create or extend an organization trail (multi-Region, management events Write or All; advanced selectors without readOnly or with readOnly false): `aws cloudtrail create-trail --is-organization-trail --is-multi-region-trail ...` (README \"Deploy order\", step 7)"})
		}
	}
	return nil
}

const trailCheckName = "cloudtrail.organization-trail"

// trailRegions are the regions whose CloudTrail events the notifications need: the governed and
// the extra sign-in regions.
func trailRegions(c config.Config) []string {
	return slices.Concat(c.Regions, c.ExtraSignInRegions())
}

// notifiedSources are the event sources of the CloudTrail events sessionaudit announces
// (sessiondocs, as constructs/loginnotifier/patterns.go matches them): Session Manager, GUI Connect (RDP), the
// ways into a node that are announced (notify or deny) and, with notifications.consoleSignIn, console sign-in.
func notifiedSources(c config.Config) []string {
	out := []string{sessiondocs.SessionManagerSource, sessiondocs.FleetManagerRemoteDesktop}
	for _, s := range sessiondocs.SourcesOf(c.Guardrails.AnnouncedWays()) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if c.Notifications.ConsoleSignIn {
		out = append(out, sessiondocs.SignInSource)
	}
	return out
}

// writesManagementEvents: some selector records the management write events of every source.
// Basic selectors: IncludeManagementEvents with ReadWriteType All or WriteOnly, the sources not
// in ExcludeManagementEventSources (CloudTrail API reference, EventSelector). Advanced selectors:
// one whose field selectors all match a management write event of the source, where readOnly
// absent records reads and writes, Equals ["false"] only writes and Equals ["true"] only reads
// (API reference, AdvancedFieldSelector); a field this check does not know makes the selector
// not count (it could narrow what is recorded).
func writesManagementEvents(sel *cloudtrail.GetEventSelectorsOutput, sources []string) bool {
	for _, s := range sel.EventSelectors {
		if aws.ToBool(s.IncludeManagementEvents) && (s.ReadWriteType == cttypes.ReadWriteTypeAll || s.ReadWriteType == cttypes.ReadWriteTypeWriteOnly) &&
			!slices.ContainsFunc(sources, func(src string) bool { return slices.Contains(s.ExcludeManagementEventSources, src) }) {
			return true
		}
	}
	for _, src := range sources {
		event := map[string]string{"eventCategory": "Management", "readOnly": "false", "eventSource": src}
		if !slices.ContainsFunc(sel.AdvancedEventSelectors, func(a cttypes.AdvancedEventSelector) bool { return recordsEvent(a, event) }) {
			return false
		}
	}
	return len(sel.AdvancedEventSelectors) > 0
}

// recordsEvent: every field selector of a matches the event's field (all operators of a field
// selector must hold; the values within one operator are alternatives), and eventCategory is
// among them (it is required).
func recordsEvent(a cttypes.AdvancedEventSelector, event map[string]string) bool {
	category := false
	for _, f := range a.FieldSelectors {
		field := aws.ToString(f.Field)
		v, known := event[field]
		if !known {
			return false
		}
		category = category || field == "eventCategory"
		anyOf := func(list []string, match func(string) bool) bool { return slices.ContainsFunc(list, match) }
		eq := func(x string) bool { return x == v }
		prefix := func(x string) bool { return strings.HasPrefix(v, x) }
		suffix := func(x string) bool { return strings.HasSuffix(v, x) }
		if (len(f.Equals) > 0 && !anyOf(f.Equals, eq)) || (len(f.StartsWith) > 0 && !anyOf(f.StartsWith, prefix)) || (len(f.EndsWith) > 0 && !anyOf(f.EndsWith, suffix)) ||
			anyOf(f.NotEquals, eq) || anyOf(f.NotStartsWith, prefix) || anyOf(f.NotEndsWith, suffix) {
			return false
		}
	}
	return category
}
