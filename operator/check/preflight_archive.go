package check

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"

	"github.com/sessionaudit/sessionaudit/operator/report"
)

// archivePolicyChecks: with guardrails.protectArchive, the log-archive account's policies can be
// attached and take effect. SCPs and RCPs never apply to the management account (Organizations
// user guide, "Service control policies" and "Resource control policies": they do not affect
// the management account or its resources), and a policy type must be enabled on the root before
// a policy of it is created (CloudFormation, AWS::Organizations::Policy).
func archivePolicyChecks(e *Env, root orgtypes.Root) {
	c := e.Config
	if !c.Guardrails.Enabled || !c.Guardrails.ProtectArchive {
		return
	}
	if c.LogArchiveAccountID == c.ManagementAccountID {
		e.Report.Add(report.Finding{Check: "organizations.archive-policies", Severity: report.Fail, Account: c.LogArchiveAccountID, Subject: c.LogArchiveAccountID,
			Message: "guardrails.protectArchive is true but the log-archive account is the management account",
			Meaning: "organization policies never apply to the management account: its administrators could still delete or disable the archive",
			Fix:     "keep the archive in a member account (the landing zone's Log Archive account), or set guardrails.protectArchive to false"})
	}
	for _, p := range root.PolicyTypes {
		if p.Type == orgtypes.PolicyTypeResourceControlPolicy && p.Status == orgtypes.PolicyTypeStatusEnabled {
			return
		}
	}
	id := aws.ToString(root.Id)
	e.Report.Add(report.Finding{Check: "organizations.rcp-enabled", Severity: report.Fail, Subject: id,
		Message: "guardrails.protectArchive is true but the RESOURCE_CONTROL_POLICY policy type is not enabled on the root",
		Meaning: "SessionAudit-Guardrails cannot create the log-archive account's resource control policy, and its deployment fails",
		Fix:     fmt.Sprintf("`aws organizations enable-policy-type --root-id %s --policy-type RESOURCE_CONTROL_POLICY`, or set guardrails.protectArchive to false", id)})
}
