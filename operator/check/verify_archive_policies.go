package check

import (
	"context"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// checkArchiveAttached is the check that the log-archive policies are attached.
const checkArchiveAttached = "guardrails.archive-attached"

// archivePolicies are the log-archive account's policies (constructs/guardrails, "The archive
// against its administrators") by type.
var archivePolicies = []struct {
	typ  orgtypes.PolicyType
	name string
}{
	{orgtypes.PolicyTypeServiceControlPolicy, guardrails.PolicyArchiveKeep},
	{orgtypes.PolicyTypeServiceControlPolicy, guardrails.PolicyArchiveFlow},
	{orgtypes.PolicyTypeResourceControlPolicy, guardrails.PolicyArchiveRCP},
}

// archiveAttachedChecks: with guardrails.protectArchive, the two SCPs and the RCP are attached
// directly to the log-archive account (ListPoliciesForTarget with each type's filter, every page:
// Organizations API reference, ListPoliciesForTarget, "Filter" is required and names one type).
// A policy missing is a fail; an unreadable answer an error.
func archiveAttachedChecks(ctx context.Context, e *Env, org *organizations.Client) error {
	c := e.Config
	if !c.Guardrails.Enabled || !c.Guardrails.ProtectArchive {
		return nil
	}
	arch := c.LogArchiveAccountID
	attached := map[orgtypes.PolicyType][]string{}
	for _, typ := range []orgtypes.PolicyType{orgtypes.PolicyTypeServiceControlPolicy, orgtypes.PolicyTypeResourceControlPolicy} {
		p := organizations.NewListPoliciesForTargetPaginator(org, &organizations.ListPoliciesForTargetInput{TargetId: aws.String(arch), Filter: typ})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return call(err, "organizations:ListPoliciesForTarget", e.Session.CallerAccount(), "")
			}
			for _, s := range out.Policies {
				attached[typ] = append(attached[typ], aws.ToString(s.Name))
			}
		}
	}
	for _, w := range archivePolicies {
		name := config.PolicyNamePrefix + w.name
		if slices.Contains(attached[w.typ], name) {
			continue
		}
		e.Report.Add(report.Finding{Check: checkArchiveAttached, Severity: report.Fail, Account: arch, Subject: arch,
			Message: name + " (" + string(w.typ) + ") is not attached to the log-archive account",
			Meaning: "a log-archive administrator can make the archive unreadable, delete it or stop new records (docs/evidence.md, \"The archive against its administrators\")",
			Fix:     "`make cdk ARGS='deploy SessionAudit-Guardrails'` (README \"Guardrails\")"})
	}
	return nil
}
