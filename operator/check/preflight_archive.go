package check

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// archivePolicyChecks: with guardrails.protectArchive, the log-archive account's policies can be
// attached and take effect. SCPs and RCPs never apply to the management account (Organizations
// user guide, "Service control policies" and "Resource control policies": they do not affect
// the management account or its resources), and a policy type must be enabled on the root before
// a policy of it is created (CloudFormation, AWS::Organizations::Policy).
//
// With the SCP type enabled, it also counts the SCPs attached to the log-archive account itself:
// the two it adds must fit in MaxSCPsPerTarget.
func archivePolicyChecks(ctx context.Context, e *Env, org *organizations.Client, root orgtypes.Root, scpEnabled bool) error {
	c := e.Config
	if !c.Guardrails.Enabled || !c.Guardrails.ProtectArchive {
		return nil
	}
	if scpEnabled {
		if err := archiveQuotaCheck(ctx, e, org); err != nil {
			return err
		}
	}
	if c.LogArchiveAccountID == c.ManagementAccountID {
		e.Report.Add(report.Finding{Check: "organizations.archive-policies", Severity: report.Fail, Account: c.LogArchiveAccountID, Subject: c.LogArchiveAccountID,
			Message: "guardrails.protectArchive is true but the log-archive account is the management account",
			Meaning: "organization policies never apply to the management account: its administrators could still delete or disable the archive",
			Fix:     "keep the archive in a member account (the landing zone's Log Archive account), or set guardrails.protectArchive to false"})
	}
	for _, p := range root.PolicyTypes {
		if p.Type == orgtypes.PolicyTypeResourceControlPolicy && p.Status == orgtypes.PolicyTypeStatusEnabled {
			return nil
		}
	}
	id := aws.ToString(root.Id)
	e.Report.Add(report.Finding{Check: "organizations.rcp-enabled", Severity: report.Fail, Subject: id,
		Message: "guardrails.protectArchive is true but the RESOURCE_CONTROL_POLICY policy type is not enabled on the root",
		Meaning: "SessionAudit-Guardrails cannot create the log-archive account's resource control policy, and its deployment fails",
		Fix:     fmt.Sprintf("`aws organizations enable-policy-type --root-id %s --policy-type RESOURCE_CONTROL_POLICY`, or set guardrails.protectArchive to false", id)})
	return nil
}

// archiveQuotaCheck: the SCPs attached directly to the log-archive account, plus those of
// SessionAuditArchiveKeep and SessionAuditArchiveFlow not yet attached, fit in MaxSCPsPerTarget.
func archiveQuotaCheck(ctx context.Context, e *Env, org *organizations.Client) error {
	arch := e.Config.LogArchiveAccountID
	ours := map[string]bool{config.PolicyNamePrefix + guardrails.PolicyArchiveKeep: true, config.PolicyNamePrefix + guardrails.PolicyArchiveFlow: true}
	n := 0
	p := organizations.NewListPoliciesForTargetPaginator(org, &organizations.ListPoliciesForTargetInput{TargetId: aws.String(arch), Filter: orgtypes.PolicyTypeServiceControlPolicy})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return call(err, "organizations:ListPoliciesForTarget", e.Session.CallerAccount(), "")
		}
		for _, s := range out.Policies {
			n++
			delete(ours, aws.ToString(s.Name))
		}
	}
	if overQuota(n, len(ours)) {
		e.Report.Add(report.Finding{Check: "organizations.scp-quota", Severity: report.Fail, Account: arch, Subject: arch,
			Message: fmt.Sprintf("%d SCPs attached to the log-archive account (FullAWSAccess included) + %d of sessionaudit > %d", n, len(ours), MaxSCPsPerTarget),
			Meaning: "SessionAudit-Guardrails fails to attach the log-archive policies (ConstraintViolationException)", Fix: "merge or detach SCPs attached directly to the log-archive account, or set guardrails.protectArchive to false"})
	}
	return nil
}
