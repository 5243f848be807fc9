// Package permissions is the IAM policy of the operator commands preflight and verify: exactly the
// actions their code calls (the checks' reads, and the probe's one write and its reads, each in a
// statement of its own), derived from one list of the API operations they use. The tests
// run every check against the fake AWS endpoint with a recorder of the operations the SDK clients
// call and compare the two, so the policy and the code cannot drift. `sessionaudit policy` prints
// it: attach it to the operator's role in the management (or delegated-admin) account and to the
// role the commands assume in every other account (docs/preflight-verify.md, "The read role").
package permissions

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
	"github.com/sessionaudit/sessionaudit/install"
)

// Operation is one AWS API operation the commands call.
type Operation struct {
	// ServiceID and Name as the SDK names them ("Organizations", "ListAccountsForParent").
	ServiceID, Name string
	// Action is the IAM action it needs (Service Authorization Reference); "" when the operation
	// needs no permission (sts:GetCallerIdentity).
	Action string
	// Why says which check uses it.
	Why string
}

// Key is "<ServiceID> <Name>", as awsapi.Recorder records operations.
func (o Operation) Key() string { return o.ServiceID + " " + o.Name }

// Operations are every operation preflight, verify and validate call: the checks' reads
// (ReadOperations), then the probe's write (ProbeWrites) and reads (ProbeReads), then the online
// validate's reads of the archive (ValidateReads).
var Operations = slices.Concat(ReadOperations, ProbeWrites, ProbeReads, ValidateReads)

// ValidateReads are what the online `sessionaudit validate` reads in the log-archive account
// besides GetObject (in ProbeReads): the versions of each key the digests list. Its GetObject calls
// with a VersionId need s3:GetObjectVersion, and a GetObject of a missing key answers 404 only with
// s3:ListBucket (S3 API reference, GetObject, "Permissions"): ValidateActions.
var ValidateReads = []Operation{
	{"S3", "ListObjectVersions", "s3:ListBucketVersions", "validate: the versions of each key the digests list (a member may write a new version)"},
}

// ValidateActions are the actions of the validate statement, on the central bucket and its
// objects: the digests, the public key and every listed object version (GetObject,
// GetObjectVersion), a missing key's 404 (ListBucket), and the versions of a key
// (ListBucketVersions).
var ValidateActions = []string{"s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:ListBucketVersions"}

// ProbeWrites are the one write the commands make, only with verify -probe: one test event in a
// member account's session log group (docs/preflight-verify.md, "The probe").
var ProbeWrites = []Operation{
	{"CloudWatch Logs", "CreateLogStream", "logs:CreateLogStream", "probe's write (verify -probe): the test event's stream sessionaudit-probe-<random>"},
	{"CloudWatch Logs", "PutLogEvents", "logs:PutLogEvents", "probe's write (verify -probe): the one marked test event"},
}

// ProbeReads are what verify -probe reads in the log-archive account: the forwarded object that
// carries the marker, and the saved Athena query run for it.
var ProbeReads = []Operation{
	{"S3", "GetObject", "s3:GetObject", "probe (verify -probe): the forwarded object carrying the marker"},
	{"Athena", "StartQueryExecution", "athena:StartQueryExecution", "probe (verify -probe): the saved query run for the marker"},
	{"Athena", "GetQueryExecution", "athena:GetQueryExecution", "probe (verify -probe): the query's state"},
	{"Athena", "GetQueryResults", "athena:GetQueryResults", "probe (verify -probe): the query's rows"},
}

// ReadOperations are the operations of the read-only checks.
var ReadOperations = []Operation{
	{"STS", "GetCallerIdentity", "", "who runs the command (needs no permission: STS API reference)"},
	{"STS", "AssumeRole", "sts:AssumeRole", "the read role in every other account"},
	{"Organizations", "DescribeOrganization", "organizations:DescribeOrganization", "organization ID and feature set"},
	{"Organizations", "ListAWSServiceAccessForOrganization", "organizations:ListAWSServiceAccessForOrganization", "trusted access for StackSets"},
	{"Organizations", "ListDelegatedAdministrators", "organizations:ListDelegatedAdministrators", "delegated administrator (delegatedAdmin)"},
	{"Organizations", "ListRoots", "organizations:ListRoots", "SCP policy type"},
	{"Organizations", "ListOrganizationalUnitsForParent", "organizations:ListOrganizationalUnitsForParent", "the OU tree"},
	{"Organizations", "ListAccountsForParent", "organizations:ListAccountsForParent", "accounts of every OU"},
	{"Organizations", "ListPoliciesForTarget", "organizations:ListPoliciesForTarget", "SCP quota, guardrail attachments"},
	{"Organizations", "ListPolicies", "organizations:ListPolicies", "region-deny SCPs: every customer-managed SCP"},
	{"Organizations", "ListTargetsForPolicy", "organizations:ListTargetsForPolicy", "region-deny SCPs: where each is attached"},
	{"Organizations", "DescribePolicy", "organizations:DescribePolicy", "region-deny SCPs"},
	{"CloudTrail", "DescribeTrails", "cloudtrail:DescribeTrails", "organization trail"},
	{"CloudTrail", "GetTrailStatus", "cloudtrail:GetTrailStatus", "organization trail logging"},
	{"CloudTrail", "GetEventSelectors", "cloudtrail:GetEventSelectors", "management events recorded"},
	{"SSM", "GetDocument", "ssm:GetDocument", "SSM-SessionManagerRunShell"},
	{"SSM", "GetServiceSetting", "ssm:GetServiceSetting", "Default Host Management Configuration"},
	{"SSM", "ListDocuments", "ssm:ListDocuments", "just-in-time node access approval policies"},
	{"SSM", "DescribeInstanceInformation", "ssm:DescribeInstanceInformation", "managed nodes"},
	{"SSM GuiConnect", "GetConnectionRecordingPreferences", "ssm-guiconnect:GetConnectionRecordingPreferences", "RDP recording preferences"},
	{"EC2", "DescribeInstances", "ec2:DescribeInstances", "managed nodes' VPC, subnet, instance profile"},
	{"EC2", "DescribeRouteTables", "ec2:DescribeRouteTables", "subnets without a route to the internet"},
	{"EC2", "DescribeVpcEndpoints", "ec2:DescribeVpcEndpoints", "VPC endpoints of private subnets"},
	{"EC2", "DescribeRegions", "ec2:DescribeRegions", "opt-in governed regions enabled in each account"},
	{"IAM", "ListRoles", "iam:ListRoles", "roles guardrails.exemptPrincipalArns matches"},
	{"IAM", "ListUsers", "iam:ListUsers", "users guardrails.exemptPrincipalArns matches"},
	{"EC2", "GetSerialConsoleAccessStatus", "ec2:GetSerialConsoleAccessStatus", "open doors: serial console access"},
	{"EC2", "DescribeInstanceConnectEndpoints", "ec2:DescribeInstanceConnectEndpoints", "open doors: EC2 Instance Connect Endpoints"},
	{"ECS", "ListClusters", "ecs:ListClusters", "open doors: ECS clusters"},
	{"ECS", "DescribeClusters", "ecs:DescribeClusters", "open doors: ECS Exec logging of each cluster"},
	{"IAM", "ListInstanceProfiles", "iam:ListInstanceProfiles", "roles of instance profiles"},
	{"IAM", "ListAttachedRolePolicies", "iam:ListAttachedRolePolicies", "instance policy on instance roles"},
	{"CloudFormation", "DescribeStacks", "cloudformation:DescribeStacks", "stacks (verify)"},
	{"CloudFormation", "ListStackInstances", "cloudformation:ListStackInstances", "StackSet instances and coverage (verify)"},
	{"KMS", "DescribeKey", "kms:DescribeKey", "keys and replicas (verify)"},
	{"KMS", "GetKeyRotationStatus", "kms:GetKeyRotationStatus", "key rotation (verify)"},
	{"CloudWatch Logs", "DescribeDestinations", "logs:DescribeDestinations", "destinations (verify)"},
	{"CloudWatch Logs", "DescribeLogGroups", "logs:DescribeLogGroups", "member session log group (verify)"},
	{"CloudWatch Logs", "DescribeSubscriptionFilters", "logs:DescribeSubscriptionFilters", "member subscription filter (verify)"},
	{"Firehose", "DescribeDeliveryStream", "firehose:DescribeDeliveryStream", "streams (verify)"},
	{"S3", "ListObjectsV2", "s3:ListBucket", "delivery freshness, oldest retained day (verify; ListObjectsV2 needs s3:ListBucket)"},
	{"S3", "GetObjectLockConfiguration", "s3:GetBucketObjectLockConfiguration", "Object Lock mode and days of the central bucket (verify)"},
	{"S3", "GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration", "expiry of the central bucket (verify)"},
	{"SNS", "ListSubscriptionsByTopic", "sns:ListSubscriptionsByTopic", "unconfirmed subscriptions (verify)"},
	{"CloudWatch", "DescribeAlarms", "cloudwatch:DescribeAlarms", "dead letters, formatter and delivery alarms (verify)"},
	{"EventBridge", "ListRules", "events:ListRules", "member notification rules (verify)"},
	{"SQS", "GetQueueUrl", "sqs:GetQueueUrl", "member dead-letter queue (verify)"},
	{"SQS", "GetQueueAttributes", "sqs:GetQueueAttributes", "member dead-letter queue depth (verify)"},
}

// Actions are the IAM actions of Operations, sorted, each once.
func Actions() []string { return actionsOf(Operations) }

func actionsOf(ops []Operation) []string {
	seen := map[string]bool{}
	var out []string
	for _, o := range ops {
		if o.Action != "" && !seen[o.Action] {
			seen[o.Action] = true
			out = append(out, o.Action)
		}
	}
	sort.Strings(out)
	return out
}

// ActionOf is the IAM action of a recorded operation key, or "".
func ActionOf(key string) string {
	for _, o := range Operations {
		if o.Key() == key {
			return o.Action
		}
	}
	return ""
}

// Policy is the identity policy document: the checks' read actions on every resource (they are
// List, Describe and Get actions on resources the commands only find while they run);
// sts:AssumeRole only on roles named roleName; and the probe's (verify -probe): its one write,
// CreateLogStream and PutLogEvents on the session log groups' probe streams only, and its reads of
// the forwarded objects and the archive search's workgroup. Running the saved query also needs
// what Athena reads with the caller's credentials (the tables, the bucket, the key, the results
// bucket): the archive search's auditor policy (output AuditorPolicyArn of SessionAudit-LogArchive)
// grants it in the log-archive account. The online validate reads the central bucket
// (ValidateActions).
func Policy(roleName string) map[string]any {
	var read []string
	for _, a := range actionsOf(ReadOperations) {
		if a != "sts:AssumeRole" {
			read = append(read, a)
		}
	}
	group := "arn:*:logs:*:*:log-group:" + sessionprefs.LogGroupNamePrefix + "*"
	var athenaActions, s3Actions []string
	for _, a := range actionsOf(ProbeReads) {
		if strings.HasPrefix(a, "athena:") {
			athenaActions = append(athenaActions, a)
		} else {
			s3Actions = append(s3Actions, a)
		}
	}
	bucket := "arn:*:s3:::" + install.Install{LogArchiveAccountID: "*", HomeRegion: "*"}.CentralBucketName()
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			map[string]any{"Sid": "SessionAuditChecksRead", "Effect": "Allow", "Action": read, "Resource": "*"},
			map[string]any{"Sid": "SessionAuditChecksAssumeReadRole", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:*:iam::*:role/" + roleName},
			map[string]any{"Sid": "SessionAuditProbeWriteOneTestEvent", "Effect": "Allow", "Action": actionsOf(ProbeWrites),
				"Resource": []string{group, group + ":log-stream:" + ProbeStreamPrefix + "*"}},
			map[string]any{"Sid": "SessionAuditProbeReadForwardedObjects", "Effect": "Allow", "Action": s3Actions,
				"Resource": bucket + "/" + archivelayout.ForwardedPrefix + "*"},
			map[string]any{"Sid": "SessionAuditValidateReadArchive", "Effect": "Allow", "Action": ValidateActions,
				"Resource": []string{bucket, bucket + "/*"}},
			map[string]any{"Sid": "SessionAuditProbeRunSavedQuery", "Effect": "Allow", "Action": athenaActions,
				"Resource": "arn:*:athena:*:*:workgroup/" + archivesearch.DefaultWorkGroupName},
		},
	}
}

// ProbeStreamPrefix starts the name of the probe's log stream (and its marker).
const ProbeStreamPrefix = "sessionaudit-probe-"

// The read roles the commands assume in the other accounts (-role). An organization's own accounts
// can use any role that has this policy and trusts the caller.
const (
	// DefaultReadRole is the default: the role AWS Organizations creates in every account it creates
	// (Organizations user guide, "Accessing member accounts": OrganizationAccountAccessRole, which
	// trusts the management account). Invited accounts have it only if someone created it.
	DefaultReadRole = "OrganizationAccountAccessRole"
	// ControlTowerReadRole is the role AWS Control Tower needs in every enrolled account, created
	// by Account Factory or by whoever enrolls an existing account (Organizations user guide, "AWS
	// Control Tower and AWS Organizations": "The AWSControlTowerExecution role must be present in
	// all enrolled accounts"; Control Tower user guide, "How AWS Control Tower works with roles"). It
	// trusts the management account, so it is a -role choice for a caller there, not for a
	// delegated administrator.
	ControlTowerReadRole = "AWSControlTowerExecution"
)

// ControlTowerPrincipal is AWS Control Tower's service principal; trusted access for it is how the
// commands see that an organization is a Control Tower landing zone (Organizations user guide, "AWS
// Control Tower and AWS Organizations", "Service principals used by AWS Control Tower").
const ControlTowerPrincipal = "controltower.amazonaws.com"

// PolicyJSON is Policy(DefaultReadRole) as indented JSON.
func PolicyJSON() string { return PolicyJSONFor(DefaultReadRole) }

// PolicyJSONFor is Policy(roleName) as indented JSON.
func PolicyJSONFor(roleName string) string {
	b, _ := json.MarshalIndent(Policy(roleName), "", "  ")
	return strings.TrimSpace(string(b))
}
