package guardrails

import (
	"maps"
	"strings"

	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
)

// Statement IDs of the policies.
const (
	SidResources       = "ProtectSessionAuditResources"
	SidAccountSettings = "ProtectAccountSettings"
	SidInstancePolicy  = "ProtectInstancePolicyAttachment"
	SidUnlogged        = "DenyUnloggedSessions"
	SidForeignDocument = "DenyForeignPreferencesDocument"
	SidRegions         = "DenyUngovernedRegions"
	SidSessionDocs     = "DenySessionDocuments"
)

// exemptRoles are the principals sessionaudit itself exempts: the StackSet's execution roles and
// the preferences handler's roles (by their exact name prefix), then the configured ones.
func exemptArns(p Props) []string {
	return append([]string{StackSetExecutionRoles, "arn:*:iam::*:role/" + *p.HandlerRoleNamePrefix + "*"}, p.ExemptPrincipalArns...)
}

// exempt is the condition that spares the exempt principals.
func exempt(p Props) map[string]any {
	return map[string]any{"ArnNotLike": map[string]any{"aws:PrincipalArn": exemptArns(p)}}
}

// identities are the IAM roles and users whose ARNs would make a principal exempt, as resources
// (an assumed-role pattern stands for its role): nobody else may create them, change who may use
// them or what they may do, or hand them to a service.
func identities(p Props) (roles, users []string) {
	for _, arn := range p.ExemptPrincipalArns {
		parts := strings.SplitN(arn, ":", 6)
		if len(parts) != 6 {
			continue
		}
		switch resource := parts[5]; {
		case strings.HasPrefix(resource, "role/"):
			roles = append(roles, "arn:*:iam::*:"+resource)
		case strings.HasPrefix(resource, "assumed-role/"):
			role := strings.SplitN(strings.TrimPrefix(resource, "assumed-role/"), "/", 2)[0]
			roles = append(roles, "arn:*:iam::*:role/"+role)
		case strings.HasPrefix(resource, "user/"):
			users = append(users, "arn:*:iam::*:"+resource)
		}
	}
	return roles, users
}

// Actions of the Protect policy, by the resource type they name (Service Authorization
// Reference). One statement holds them all: each action only ever names resources of its own
// type, so the combined lists deny nothing more, and the exemption appears once for them all.
var (
	documentActions = []string{"ssm:CreateDocument", "ssm:UpdateDocument", "ssm:DeleteDocument", "ssm:UpdateDocumentDefaultVersion",
		"ssm:UpdateDocumentMetadata", "ssm:ModifyDocumentPermission", "ssm:PutResourcePolicy"}
	// Retention, key, deletion protection, subscriptions; and what rewrites, masks or drops
	// events before they are stored and forwarded: transformers ("CloudWatch Logs performs the
	// transformations at the time of log ingestion", PutTransformer API reference) and data
	// protection policies.
	logGroupActions = []string{"logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey",
		"logs:DisassociateKmsKey", "logs:PutLogGroupDeletionProtection", "logs:PutSubscriptionFilter", "logs:DeleteSubscriptionFilter",
		"logs:DeleteLogStream", "logs:PutTransformer", "logs:DeleteTransformer", "logs:PutDataProtectionPolicy", "logs:DeleteDataProtectionPolicy"}
	ruleActions   = []string{"events:PutRule", "events:DisableRule", "events:DeleteRule", "events:PutTargets", "events:RemoveTargets"}
	policyActions = []string{"iam:DeletePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"}
	// Creating a role, changing who may assume it or what it may do, and handing it to a service
	// (iam:PassRole: a function, an automation or an instance that runs as it).
	roleActions = []string{"iam:CreateRole", "iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy",
		"iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:PassRole"}
	// Becoming an exempt user: creating it, its credentials, or what it may do.
	userActions = []string{"iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile",
		"iam:PutUserPolicy", "iam:AttachUserPolicy", "iam:AddUserToGroup", "iam:PutUserPermissionsBoundary"}
	// Whoever changes or invokes the preferences handler acts with its exempt role (it writes what
	// its event says); a function URL or resource policy would let others invoke it.
	functionActions = []string{"lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:InvokeFunction", "lambda:AddPermission",
		"lambda:CreateFunctionUrlConfig", "lambda:UpdateFunctionUrlConfig", "lambda:DeleteFunction", "lambda:PublishVersion", "lambda:CreateAlias", "lambda:UpdateAlias"}
	// The notifications' dead-letter queue: what could not be delivered must stay there.
	queueActions = []string{"sqs:DeleteQueue", "sqs:SetQueueAttributes", "sqs:PurgeQueue", "sqs:ReceiveMessage", "sqs:DeleteMessage"}
	// Account-wide settings that support no resource type: the RDP recording preferences
	// (ssm-guiconnect) and CloudWatch Logs account policies, which can set data protection,
	// subscription filter, transformer and retention policies for every log group of the
	// account, the session log group included (PutAccountPolicy's dependent actions, Service
	// Authorization Reference).
	accountActions = []string{"ssm-guiconnect:UpdateConnectionRecordingPreferences", "ssm-guiconnect:DeleteConnectionRecordingPreferences",
		"logs:PutAccountPolicy", "logs:DeleteAccountPolicy"}
)

// ProtectPolicy denies, to every principal but the exempt ones, the actions that change or
// delete what sessionaudit deploys in a member account, that shape the record before it is
// stored or forwarded, that silence its notices, and that would let someone act as an exempt
// principal (actions and resource types from the Service Authorization Reference):
//   - the preferences document (changes, sharing);
//   - the session log groups (deletion, retention, key, deletion protection, subscription filters,
//     log streams, transformers, data protection; both ARN forms of a log group);
//   - the notification rules, their role and their dead-letter queue, by name;
//   - the instance policy (delete, new versions, detaching it from any role: a statement of its
//     own, by iam:PolicyARN);
//   - the preferences handler's function (code, configuration, invocation, permissions);
//   - the exempt roles and users themselves and sessionaudit's roles (create, trust, permissions,
//     iam:PassRole), so that nobody can make, borrow or become a principal the exemption covers;
//   - account-wide settings: RDP recording preferences and CloudWatch Logs account policies.
func ProtectPolicy(p Props) map[string]any {
	deny := func(sid string, actions []string, resources any) map[string]any {
		return map[string]any{"Sid": sid, "Effect": "Deny", "Action": actions, "Resource": resources, "Condition": exempt(p)}
	}
	prefix := *p.NamePrefix
	group := "arn:*:logs:*:*:log-group:" + *p.LogGroupNamePrefix + "*"
	function := "arn:*:lambda:*:*:function:" + prefix + "*"
	roles, users := identities(p)
	actions := concat(documentActions, logGroupActions, ruleActions, policyActions, roleActions, functionActions, queueActions)
	resources := append([]string{
		"arn:*:ssm:*:*:document/" + *p.DocumentName,
		group, group + ":*",
		"arn:*:events:*:*:rule/" + prefix + "*",
		"arn:*:iam::*:policy/" + *p.InstancePolicyName,
		StackSetExecutionRoles, "arn:*:iam::*:role/" + prefix + "*",
		function, function + ":*",
		"arn:*:sqs:*:*:" + prefix + "*",
	}, roles...)
	if len(users) > 0 {
		actions = append(actions, userActions...)
		resources = append(resources, users...)
	}
	detach := deny(SidInstancePolicy, []string{"iam:DetachRolePolicy"}, "*")
	detach["Condition"].(map[string]any)["ArnLike"] = map[string]any{"iam:PolicyARN": "arn:*:iam::*:policy/" + *p.InstancePolicyName}
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			deny(SidResources, actions, resources),
			deny(SidAccountSettings, accountActions, "*"),
			detach,
		},
	}
}

// sessionTargets are the targets of ssm:StartSession (its resource types besides document:
// instance, managed-instance and ECS task; Service Authorization Reference), which the allow-list
// of documents must not deny.
var sessionTargets = []string{"arn:*:ec2:*:*:instance/*", "arn:*:ssm:*:*:managed-instance/*", "arn:*:ecs:*:*:task/*"}

// UnloggedSessionsPolicy denies, to every principal but the exempt ones:
//   - starting a session with any document but the logged ones (sessiondocs.Logged: an allow-list,
//     NotResource), whatever its type, owner or spelling: a document a request names is authorized
//     as a resource of ssm:StartSession (Session Manager user guide: "When a user specifies the
//     name of a session document in a command, the systems checks their IAM policy"); a request
//     that names none uses the preferences document and authorizes no document. Fleet Manager's
//     Remote Desktop is left alone: it starts AWS-StartPortForwardingSession with the user's
//     credentials through ssm-guiconnect.amazonaws.com (aws:CalledVia; AWS's managed just-in-time
//     policy allows it only with aws:CalledViaFirst that service), and its connections are recorded
//     instead. The deny applies when "ForAllValues:StringNotEquals" aws:CalledVia that service,
//     which is true when the key is absent (IAM user guide, "Single-valued vs. multivalued context
//     keys": ForAllValues "returns true if … there are no keys in the request");
//   - a logged document's name in another account (shared: its ARN names the owner, aws:ResourceAccount
//     differs from the caller's; only where the request carries the key, …IfExists);
//   - sessions and RDP connections outside Regions (aws:RequestedRegion, "always included in the
//     request context"; AWS's own region-deny SCP example), when Regions is set;
//   - creating or changing Session documents (ssm:DocumentType, Service Authorization Reference):
//     none but the preferences document could be used anyway.
func UnloggedSessionsPolicy(p Props) map[string]any {
	deny := func(sid string, actions any, condition map[string]any) map[string]any {
		maps.Copy(condition, exempt(p))
		return map[string]any{"Sid": sid, "Effect": "Deny", "Action": actions, "Condition": condition}
	}
	var logged []string
	for _, d := range sessiondocs.Logged {
		logged = append(logged, "arn:*:ssm:*:*:document/"+d)
	}
	unlogged := deny(SidUnlogged, "ssm:StartSession", map[string]any{"ForAllValues:StringNotEquals": map[string]any{"aws:CalledVia": []string{sessiondocs.FleetManagerRemoteDesktop}}})
	unlogged["NotResource"] = append(append([]string{}, sessionTargets...), logged...)
	foreign := deny(SidForeignDocument, "ssm:StartSession", map[string]any{"StringNotEqualsIfExists": map[string]any{"aws:ResourceAccount": "${aws:PrincipalAccount}"}})
	foreign["Resource"] = logged
	statements := []any{unlogged, foreign}
	if len(p.Regions) > 0 {
		regions := deny(SidRegions, []string{"ssm:StartSession", "ssm-guiconnect:StartConnection"}, map[string]any{"StringNotEquals": map[string]any{"aws:RequestedRegion": p.Regions}})
		regions["Resource"] = "*"
		statements = append(statements, regions)
	}
	docs := deny(SidSessionDocs, []string{"ssm:CreateDocument", "ssm:UpdateDocument", "ssm:UpdateDocumentDefaultVersion"}, map[string]any{"StringEquals": map[string]any{"ssm:DocumentType": "Session"}})
	docs["Resource"] = "*"
	statements = append(statements, docs)
	return map[string]any{"Version": "2012-10-17", "Statement": statements}
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// Sizes are the sizes of the service control policies New creates for props, by policy name
// suffix (PolicyProtect, PolicyUnloggedSessions, PolicyWays), as Organizations counts them; a
// configuration can check them before anything is synthesized.
func Sizes(props Props) map[string]int {
	p := withDefaults(&props)
	sizes := map[string]int{PolicyProtect: Size(ProtectPolicy(p))}
	if p.DenyUnloggedSessions {
		sizes[PolicyUnloggedSessions] = Size(UnloggedSessionsPolicy(p))
	}
	if p.Ways.Any() {
		sizes[PolicyWays] = Size(WaysPolicy(p))
	}
	return sizes
}
