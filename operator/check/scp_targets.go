package check

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
	"github.com/sessionaudit/sessionaudit/install"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// regionDenyChecks reads every customer-managed SCP of the organization (ListPolicies; AWS-managed
// ones such as FullAWSAccess deny nothing by region) and, for one whose region-deny statements
// deny the StackSet in a governed or sign-in region (regionDeny), every root, OU and account it is
// attached to (ListTargetsForPolicy). An SCP reaches the StackSet's accounts when it is attached
// to a target, an ancestor of a target (SCPs are inherited), an OU below a target or an account
// below a target (Organizations user guide, "SCP evaluation"). Each finding names the policy,
// where it is attached and the region it denies.
func regionDenyChecks(ctx context.Context, e *Env, org *organizations.Client, tree *Tree) error {
	c := e.Config
	me := e.Session.CallerAccount()
	regions := append(slices.Clone(c.Regions), c.ExtraSignInRegions()...)
	p := organizations.NewListPoliciesPaginator(org, &organizations.ListPoliciesInput{Filter: orgtypes.PolicyTypeServiceControlPolicy})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return call(err, "organizations:ListPolicies", me, "")
		}
		for _, pol := range out.Policies {
			if pol.AwsManaged {
				continue
			}
			id, name := aws.ToString(pol.Id), aws.ToString(pol.Name)
			d, err := org.DescribePolicy(ctx, &organizations.DescribePolicyInput{PolicyId: aws.String(id)})
			if err != nil {
				return call(err, "organizations:DescribePolicy", me, "")
			}
			content := ""
			if d.Policy != nil {
				content = aws.ToString(d.Policy.Content)
			}
			denials, err := regionDeny(content, regions, install.Partition(c.HomeRegion))
			if err != nil {
				e.Report.Add(report.Finding{Check: "organizations.region-deny", Severity: report.Warn, Subject: name, Message: fmt.Sprintf("SCP %s (%s) could not be read: %v", name, id, err),
					Meaning: "whether it denies the StackSet a region is unknown", Fix: "`aws organizations describe-policy --policy-id " + id + "` shows its content"})
				continue
			}
			if len(denials) == 0 {
				continue
			}
			pt := organizations.NewListTargetsForPolicyPaginator(org, &organizations.ListTargetsForPolicyInput{PolicyId: aws.String(id)})
			for pt.HasMorePages() {
				tout, err := pt.NextPage(ctx)
				if err != nil {
					return call(err, "organizations:ListTargetsForPolicy", me, "")
				}
				for _, t := range tout.Targets {
					if reaches(e, tree, aws.ToString(t.TargetId)) {
						regionDenyFindings(e, id, name, t, denials)
					}
				}
			}
		}
	}
	return nil
}

// reaches: an SCP attached to id applies to accounts the StackSet deploys to (or will, for a target
// without accounts yet). The management account is left out: SCPs do not apply to it, and a
// service-managed StackSet does not deploy there.
func reaches(e *Env, tree *Tree, id string) bool {
	if !tree.Known(id) || id == e.Config.ManagementAccountID {
		return false
	}
	if st, account := tree.Accounts[id]; account && st != StateActive && slices.Contains(knownStates, st) {
		return false // skipped: organizations.account-skipped
	}
	targets := e.Config.TargetOrganizationalUnitIDs
	for _, t := range targets {
		if slices.Contains(tree.Ancestors(t), id) {
			return true // the target or an ancestor
		}
	}
	return slices.ContainsFunc(tree.Ancestors(id), func(a string) bool { return slices.Contains(targets, a) })
}

func regionDenyFindings(e *Env, id, name string, t orgtypes.PolicyTargetSummary, denials []denial) {
	c := e.Config
	where := fmt.Sprintf("%s %s", strings.ToLower(strings.ReplaceAll(string(t.Type), "_", " ")), aws.ToString(t.TargetId))
	account := ""
	if t.Type == orgtypes.TargetTypeAccount {
		account = aws.ToString(t.TargetId)
	}
	for _, d := range denials {
		what := "governed region"
		if !slices.Contains(c.Regions, d.Region) {
			what = "sign-in region"
		}
		sev, meaning := report.Fail, "the StackSet instances in this region fail (CloudFormation is not a global service, and the stack's resources are created in the region) and sessions there are not logged"
		if !d.Certain {
			sev, meaning = report.Warn, "the policy denies this region unless a condition or resource it names spares the StackSet execution roles (stacksets-exec-*), which preflight cannot evaluate; if it does not, the instances there fail"
		}
		e.Report.Add(report.Finding{Check: "organizations.region-deny", Severity: sev, Account: account, Region: d.Region, Subject: fmt.Sprintf("%s on %s", name, where),
			Message: fmt.Sprintf("SCP %s (%s) attached to %s denies the StackSet the %s %s (%s)", name, id, where, what, d.Region, strings.Join(d.Services, ", ")), Meaning: meaning,
			Fix: "remove " + d.Region + " from regions / notifications.signInRegions, allow it in the SCP, or exempt the StackSet execution roles (aws:PrincipalArn " + guardrails.StackSetExecutionRoles + ") (docs/regions.md, \"Region-deny service control policies\")"})
	}
}
