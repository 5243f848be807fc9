package guardrails

import "maps"

// Statement IDs of the policies.
const (
	SidResources      = "ProtectSessionAuditResources"
	SidRdpRecording   = "ProtectRdpRecording"
	SidInstancePolicy = "ProtectInstancePolicyAttachment"
	SidUnlogged       = "DenyUnloggedSessions"
)

// exempt is the condition that spares the StackSet's execution roles, the roles sessionaudit names
// and the configured principals.
func exempt(p Props, withDeployment bool) map[string]any {
	var arns []string
	if withDeployment {
		arns = append(arns, StackSetExecutionRoles, "arn:*:iam::*:role/"+*p.NamePrefix+"*")
	}
	arns = append(arns, p.ExemptPrincipalArns...)
	return map[string]any{"ArnNotLike": map[string]any{"aws:PrincipalArn": arns}}
}

// ProtectPolicy denies, to every principal but the exempt ones, the actions that change or
// delete what sessionaudit deploys in a member account (actions and resource types from the
// Service Authorization Reference):
//   - the preferences document (ssm: create, update, delete, default version, metadata, sharing);
//   - the session log groups: deletion, retention, key, deletion protection, subscription filters,
//     log streams (both ARN forms of a log group, as the CloudWatch Logs guide writes them);
//   - the notification rules, by name (events: put, disable, delete, targets);
//   - the instance policy (delete, new versions);
//   - the exempt roles themselves (create, delete, trust, permissions), so that nobody can make a
//     role the exemption would cover;
//   - the RDP recording preferences (ssm-guiconnect supports no resource ARN, so "*": a statement
//     of its own);
//   - detaching the instance policy from any role (iam:PolicyARN; a statement of its own).
//
// The first five share one statement: each action only ever names resources of its own type, so
// the combined lists deny nothing more, and the exemption, which every statement repeats, appears
// three times instead of seven (an SCP has at most 5,120 characters).
func ProtectPolicy(p Props) map[string]any {
	deny := func(sid string, actions []string, resources any) map[string]any {
		return map[string]any{"Sid": sid, "Effect": "Deny", "Action": actions, "Resource": resources, "Condition": exempt(p, true)}
	}
	group := "arn:*:logs:*:*:log-group:" + *p.LogGroupNamePrefix + "*"
	roles := "arn:*:iam::*:role/" + *p.NamePrefix + "*"
	resources := deny(SidResources, []string{
		"ssm:CreateDocument", "ssm:UpdateDocument", "ssm:DeleteDocument", "ssm:UpdateDocumentDefaultVersion", "ssm:UpdateDocumentMetadata", "ssm:ModifyDocumentPermission",
		"logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey", "logs:DisassociateKmsKey",
		"logs:PutLogGroupDeletionProtection", "logs:PutSubscriptionFilter", "logs:DeleteSubscriptionFilter", "logs:DeleteLogStream",
		"events:PutRule", "events:DisableRule", "events:DeleteRule", "events:PutTargets", "events:RemoveTargets",
		"iam:DeletePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion",
		"iam:CreateRole", "iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
		"iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
	}, []string{
		"arn:*:ssm:*:*:document/" + *p.DocumentName,
		group, group + ":*",
		"arn:*:events:*:*:rule/" + *p.NamePrefix + "*",
		"arn:*:iam::*:policy/" + *p.InstancePolicyName,
		StackSetExecutionRoles, roles,
	})
	detach := deny(SidInstancePolicy, []string{"iam:DetachRolePolicy"}, "*")
	detach["Condition"].(map[string]any)["ArnLike"] = map[string]any{"iam:PolicyARN": "arn:*:iam::*:policy/" + *p.InstancePolicyName}
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			resources,
			deny(SidRdpRecording, []string{"ssm-guiconnect:UpdateConnectionRecordingPreferences", "ssm-guiconnect:DeleteConnectionRecordingPreferences"}, "*"),
			detach,
		},
	}
}

// UnloggedSessionsPolicy denies starting sessions with UnloggedSessionDocuments to every principal
// but ExemptPrincipalArns. A document a request names is authorized as a resource of
// ssm:StartSession (Session Manager user guide: "When a user specifies the name of a session
// document in a command, the systems checks their IAM policy"; AWS's own example denies SSH the
// same way: Deny ssm:StartSession on document/AWS-StartSSHSession).
//
// Fleet Manager's Remote Desktop is left alone: it starts an AWS-StartPortForwardingSession
// session with the user's credentials, and its IAM policies allow that only "ForAnyValue:StringEquals"
// aws:CalledVia ssm-guiconnect.amazonaws.com ("Connect to a managed node using Remote Desktop");
// its connections are recorded instead (RDP recording). The deny applies when
// "ForAllValues:StringNotEquals" aws:CalledVia that service, which is true when the key is absent
// (IAM user guide, "Single-valued vs. multivalued context keys": ForAllValues "returns true if …
// there are no keys in the request").
func UnloggedSessionsPolicy(p Props) map[string]any {
	var docs []string
	for _, d := range UnloggedSessionDocuments {
		docs = append(docs, "arn:*:ssm:*::document/"+d, "arn:*:ssm:*:*:document/"+d)
	}
	condition := map[string]any{"ForAllValues:StringNotEquals": map[string]any{"aws:CalledVia": []string{FleetManagerRemoteDesktop}}}
	if len(p.ExemptPrincipalArns) > 0 {
		maps.Copy(condition, exempt(p, false))
	}
	st := map[string]any{"Sid": SidUnlogged, "Effect": "Deny", "Action": "ssm:StartSession", "Resource": docs, "Condition": condition}
	return map[string]any{"Version": "2012-10-17", "Statement": []any{st}}
}

// FleetManagerRemoteDesktop is the service that starts Fleet Manager's Remote Desktop sessions on a
// user's behalf (aws:CalledVia).
const FleetManagerRemoteDesktop = "ssm-guiconnect.amazonaws.com"

// MaxExemptionCharacters is how many of a service control policy's MaxPolicyCharacters the
// configured exempt patterns may take in the largest guardrail policy (ExemptionCharacters); the
// rest holds the policy's own actions, resources and exempt roles (TestGuardrailsStayWithinTheSCPLimit
// synthesizes the largest accepted exemptions).
const MaxExemptionCharacters = 3000

// ExemptionCharacters is what exempt patterns cost in the largest guardrail policy: each, quoted
// and with its comma, once in every statement that carries the exemption (ExemptionRepeats), so a
// pattern costs several times its length.
func ExemptionCharacters(arns []string) int {
	n := 0
	for _, arn := range arns {
		n += len(arn) + len(`"",`)
	}
	return n * ExemptionRepeats()
}

// ExemptionRepeats is how many statements of the Protect policy (the larger one) carry the
// exemption.
func ExemptionRepeats() int {
	name := "x"
	n := 0
	for _, s := range ProtectPolicy(Props{NamePrefix: &name, LogGroupNamePrefix: &name, DocumentName: &name, InstancePolicyName: &name})["Statement"].([]any) {
		if cond, ok := s.(map[string]any)["Condition"].(map[string]any); ok && cond["ArnNotLike"] != nil {
			n++
		}
	}
	return n
}
