package guardrails

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsorganizations"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/invalid"
)

// The archive against its own administrators: organization policies attached to the log-archive
// account, so that its administrators (and whoever a resource policy there admits) can neither
// make archived records unreadable, nor delete them, nor silently stop new ones, while the
// exempt principals (break-glass, who also deploy the log-archive stacks) can.
//
// Sources: Organizations user guide, "Service control policies" (SCPs restrict the principals
// of the accounts they are attached to, never the management account's; 5,120 characters; five
// attached per target) and "Resource control policies" (RCPs restrict requests to the resources
// of the member accounts they are attached to, whoever makes them; only Deny statements besides
// RCPFullAWSAccess; Principal "*"; "RCP syntax"; they support S3, STS, KMS, SQS and Secrets
// Manager, and "kms:RetireGrant" is not governed by them); KMS developer guide, "Resource control
// policies in AWS KMS" (they do not apply to AWS managed keys: the LogKey is customer managed);
// "kms:ResourceAliases" (the aliases of the key a request names, for key resource operations).
//
// The deploy chain. SessionAudit-LogArchive and the receivers deploy with the CDK bootstrap's
// roles (stacks.newProtectedStack): the CLI assumes cdk-<qualifier>-deploy-role-<account>-<region>,
// which has CloudFormation use cdk-<qualifier>-cfn-exec-role-<account>-<region>; that role
// changes the resources, so it is exempt. Anyone who could use it could deploy a template that
// removes the key with DeletionPolicy Delete, so: only exempt principals may assume a cdk-* role
// (SCP for the account's own principals, RCP for callers of other accounts, e.g. a pipeline
// account trusted by `cdk bootstrap --trust`), pass one to a service, or change, create or
// delete one; and only they and the deploy role may change the stacks of sessionaudit and the
// bootstrap stack. No condition reads a tag, so no tag needs protecting.

// Name suffixes of the log-archive policies (Props.PolicyNamePrefix before them).
const (
	PolicyArchiveKeep = "ArchiveKeep"
	PolicyArchiveFlow = "ArchiveFlow"
	PolicyArchiveRCP  = "ArchiveResources"
)

// ResourceControlPolicyType is the Organizations policy type of the archive's RCP.
const ResourceControlPolicyType = "RESOURCE_CONTROL_POLICY"

// CDK bootstrap roles (any qualifier) of the log-archive account: the CloudFormation execution
// role (changes the resources: exempt) and the deploy role (calls CloudFormation: exempt from the
// stack statement only).
const (
	CfnExecRoles = "arn:*:iam::*:role/cdk-*-cfn-exec-role-*"
	DeployRoles  = "arn:*:iam::*:role/cdk-*-deploy-role-*"
	cdkRoles     = "arn:*:iam::*:role/cdk-*"
	// BootstrapStackName is the CDK bootstrap stack (default toolkit stack name).
	BootstrapStackName = "CDKToolkit"
)

// ArchiveProps names what the log-archive policies protect.
type ArchiveProps struct {
	// AccountID is the log-archive account the policies are attached to. Required.
	AccountID string
	// ExemptPrincipalArns are the principal ARN patterns that may act and deploy: break-glass.
	ExemptPrincipalArns []string
	// BucketName is the central bucket. Required.
	BucketName string
	// KeyAliases are the aliases of the keys the archive is encrypted with ("alias/…"). Required.
	KeyAliases []string
	// StreamNamePrefix starts the Firehose streams' names; DestinationName is the CloudWatch
	// Logs destinations' name; BusName the central event bus. Required.
	StreamNamePrefix, DestinationName, BusName string
	// StackNamePrefix starts the names of sessionaudit's stacks (and of what CloudFormation names
	// after them: functions, roles). Required.
	StackNamePrefix string
	// PolicyNamePrefix starts the policies' names. Default: "SessionAudit".
	PolicyNamePrefix string
}

// ArchivePolicies are the log-archive account's two SCPs and its RCP.
type ArchivePolicies struct {
	// Construct is this construct in the tree.
	Construct constructs.Construct
	// Keep denies making the records unreadable or deleting them, and the deploy chain.
	Keep awsorganizations.CfnPolicy
	// Flow denies stopping new records (streams, destinations, rules, functions).
	Flow awsorganizations.CfnPolicy
	// Resources is the RCP: the same key and bucket protections, and who may assume cdk-* roles,
	// for principals of any account.
	Resources awsorganizations.CfnPolicy
}

// NewArchive creates the log-archive policies. It panics on missing names or a policy beyond
// MaxPolicyCharacters.
func NewArchive(scope constructs.Construct, id string, p ArchiveProps) *ArchivePolicies {
	if p.AccountID == "" || p.BucketName == "" || len(p.KeyAliases) == 0 || p.StreamNamePrefix == "" || p.DestinationName == "" || p.BusName == "" || p.StackNamePrefix == "" {
		invalid.Panic("guardrails", "ArchiveProps: AccountID, BucketName, KeyAliases, StreamNamePrefix, DestinationName, BusName and StackNamePrefix are required")
	}
	if p.PolicyNamePrefix == "" {
		p.PolicyNamePrefix = "SessionAudit"
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	policy := func(id, name, typ, description string, doc map[string]any) awsorganizations.CfnPolicy {
		if n := Size(doc); n > MaxPolicyCharacters {
			invalid.Panic("guardrails", "policy %s has %d characters, more than an organization policy may (%d); exempt fewer or shorter principal patterns", name, n, MaxPolicyCharacters)
		}
		return awsorganizations.NewCfnPolicy(this, jsii.String(id), &awsorganizations.CfnPolicyProps{
			Name: jsii.String(p.PolicyNamePrefix + name), Type: jsii.String(typ), Description: jsii.String(description),
			Content: doc, TargetIds: jsii.Strings(p.AccountID),
		})
	}
	return &ArchivePolicies{
		Construct: this,
		Keep: policy("Keep", PolicyArchiveKeep, "SERVICE_CONTROL_POLICY",
			"sessionaudit: log-archive administrators cannot make archived records unreadable or delete them (docs/guardrails.md)", ArchiveKeepPolicy(p)),
		Flow: policy("Flow", PolicyArchiveFlow, "SERVICE_CONTROL_POLICY",
			"sessionaudit: log-archive administrators cannot silently stop new records (docs/guardrails.md)", ArchiveFlowPolicy(p)),
		Resources: policy("Resources", PolicyArchiveRCP, ResourceControlPolicyType,
			"sessionaudit: the archive's keys, bucket and deploy roles, for principals of any account (docs/guardrails.md)", ArchiveResourcePolicy(p)),
	}
}

// Actions of the log-archive policies (Service Authorization Reference).
var (
	// KeyActions make a key's records unreadable: deletion, disabling, a key policy that drops
	// the organization's use, imported material removed.
	KeyActions = []string{"kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy", "kms:DeleteImportedKeyMaterial"}
	// AliasActions would move an alias off the key, and the key out of KeyActions' condition.
	AliasActions = []string{"kms:DeleteAlias", "kms:UpdateAlias", "kms:CreateAlias"}
	// BucketActions delete records, shorten or drop their protection, change the key new objects
	// are encrypted with, or drop the members' and the digester's way in.
	BucketActions = []string{"s3:BypassGovernanceRetention", "s3:PutBucketObjectLockConfiguration", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
		"s3:DeleteBucket", "s3:PutLifecycleConfiguration", "s3:PutEncryptionConfiguration", "s3:PutBucketVersioning", "s3:PutBucketNotification",
		"s3:DeleteObject", "s3:DeleteObjectVersion"}
	// StackActions change a stack (and so its resources, with the stack's role).
	StackActions = []string{"cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack", "cloudformation:CreateChangeSet",
		"cloudformation:ExecuteChangeSet", "cloudformation:SetStackPolicy", "cloudformation:UpdateTerminationProtection", "cloudformation:ContinueUpdateRollback",
		"cloudformation:RollbackStack", "cloudformation:ImportStacksToStackSet"}
	// RoleActions create, change or delete a role, or change who may use it.
	RoleActions = []string{"iam:CreateRole", "iam:DeleteRole", "iam:UpdateAssumeRolePolicy", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy",
		"iam:DetachRolePolicy", "iam:PutRolePermissionsBoundary", "iam:DeleteRolePermissionsBoundary", "iam:UpdateRole"}
	// FlowActions stop new records: streams, destinations, rules of the central bus and the
	// stacks' own rules on the default bus (the digester's hour and S3 events, the daily coverage
	// check), functions, and the digester's queue.
	FlowActions = []string{"firehose:DeleteDeliveryStream", "firehose:UpdateDestination", "firehose:StopDeliveryStreamEncryption",
		"logs:DeleteDestination", "logs:PutDestination", "logs:PutDestinationPolicy",
		"events:DisableRule", "events:DeleteRule", "events:RemoveTargets", "events:PutRule", "events:PutTargets", "events:DeleteEventBus", "events:PutPermission", "events:RemovePermission",
		"lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration", "lambda:DeleteFunction", "lambda:PutFunctionConcurrency", "lambda:RemovePermission",
		"sqs:DeleteQueue", "sqs:PurgeQueue", "sqs:SetQueueAttributes", "sqs:RemovePermission"}
)

// Statement IDs of the log-archive policies.
const (
	SidArchiveKeys   = "ArchiveKeys"
	SidArchiveBucket = "ArchiveBucket"
	SidArchiveStacks = "ArchiveStacks"
	SidArchiveRoles  = "ArchiveDeployRoles"
	// SidArchiveRoleChanges: the deploy roles and the roles of sessionaudit's functions and
	// streams (a stream or function whose role loses its policy stops silently).
	SidArchiveRoleChanges = "ArchiveRoleChanges"
	SidArchiveFlow        = "ArchiveFlow"
)

func archiveExempt(p ArchiveProps, extra ...string) map[string]any {
	return map[string]any{"ArnNotLike": map[string]any{"aws:PrincipalArn": append(append([]string{}, p.ExemptPrincipalArns...), extra...)}}
}

// keyStatement denies KeyActions on the keys that carry one of the aliases.
func keyStatement(p ArchiveProps, cond map[string]any) map[string]any {
	c := map[string]any{"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": p.KeyAliases}}
	for k, v := range cond {
		c[k] = v
	}
	return map[string]any{"Sid": SidArchiveKeys, "Effect": "Deny", "Action": KeyActions, "Resource": "*", "Condition": c}
}

func aliasArns(p ArchiveProps) []string {
	var out []string
	for _, a := range p.KeyAliases {
		out = append(out, "arn:*:kms:*:*:"+a)
	}
	return out
}

func bucketArns(p ArchiveProps) []string {
	return []string{"arn:*:s3:::" + p.BucketName, "arn:*:s3:::" + p.BucketName + "/*"}
}

// ArchiveKeepPolicy is the SCP that keeps the records readable and in place.
func ArchiveKeepPolicy(p ArchiveProps) map[string]any {
	resourceExempt := archiveExempt(p, CfnExecRoles)
	return map[string]any{"Version": "2012-10-17", "Statement": []any{
		keyStatement(p, resourceExempt),
		// One statement for the aliases and the bucket: each action names only resources of its
		// own type, so the combined lists deny nothing more, and the exemption appears once.
		map[string]any{"Sid": SidArchiveBucket, "Effect": "Deny", "Action": append(append([]string{}, AliasActions...), BucketActions...),
			"Resource": append(aliasArns(p), bucketArns(p)...), "Condition": resourceExempt},
		map[string]any{"Sid": SidArchiveStacks, "Effect": "Deny", "Action": StackActions,
			"Resource":  []string{"arn:*:cloudformation:*:*:stack/" + p.StackNamePrefix + "*", "arn:*:cloudformation:*:*:stack/" + BootstrapStackName + "/*"},
			"Condition": archiveExempt(p, CfnExecRoles, DeployRoles)},
		map[string]any{"Sid": SidArchiveRoles, "Effect": "Deny", "Action": []string{"sts:AssumeRole", "iam:PassRole"}, "Resource": cdkRoles, "Condition": archiveExempt(p, cdkRoles)},
		map[string]any{"Sid": SidArchiveRoleChanges, "Effect": "Deny", "Action": RoleActions,
			"Resource": []string{cdkRoles, "arn:*:iam::*:role/" + p.StackNamePrefix + "*"}, "Condition": archiveExempt(p, cdkRoles)},
	}}
}

// ArchiveFlowPolicy is the SCP that keeps new records arriving.
func ArchiveFlowPolicy(p ArchiveProps) map[string]any {
	return map[string]any{"Version": "2012-10-17", "Statement": []any{
		map[string]any{"Sid": SidArchiveFlow, "Effect": "Deny", "Action": FlowActions, "Resource": []string{
			"arn:*:firehose:*:*:deliverystream/" + p.StreamNamePrefix + "*",
			"arn:*:logs:*:*:destination:" + p.DestinationName,
			"arn:*:events:*:*:rule/" + p.BusName + "/*",
			"arn:*:events:*:*:event-bus/" + p.BusName,
			"arn:*:lambda:*:*:function:" + p.StackNamePrefix + "*",
			// Rules and queues CloudFormation names: "<stack name>-<logical ID>-<suffix>" when the
			// template gives no name (AWS::Events::Rule Name, AWS::SQS::Queue QueueName).
			"arn:*:events:*:*:rule/" + p.StackNamePrefix + "*",
			"arn:*:sqs:*:*:" + p.StackNamePrefix + "*",
		}, "Condition": archiveExempt(p, CfnExecRoles)},
	}}
}

// ArchiveResourcePolicy is the RCP: the key and bucket protections and the deploy roles, for a
// request from any account (the SCPs govern only the log-archive account's own principals).
// AWS service principals are not restricted (CloudFormation assumes the execution role; S3
// Lifecycle and Firehose act as services): aws:PrincipalIsAWSService, as AWS's RCP examples do.
func ArchiveResourcePolicy(p ArchiveProps) map[string]any {
	notService := map[string]any{"BoolIfExists": map[string]any{"aws:PrincipalIsAWSService": "false"}}
	cond := func(extra ...string) map[string]any {
		c := archiveExempt(p, extra...)
		for k, v := range notService {
			c[k] = v
		}
		return c
	}
	keys := keyStatement(p, cond(CfnExecRoles))
	keys["Principal"] = "*"
	return map[string]any{"Version": "2012-10-17", "Statement": []any{
		keys,
		map[string]any{"Sid": SidArchiveBucket, "Effect": "Deny", "Principal": "*", "Action": BucketActions, "Resource": bucketArns(p), "Condition": cond(CfnExecRoles)},
		map[string]any{"Sid": SidArchiveRoles, "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Resource": cdkRoles, "Condition": cond(cdkRoles)},
	}}
}

// ArchiveSizes are the sizes of the log-archive policies, by name suffix (config validates the
// exemptions with them).
func ArchiveSizes(p ArchiveProps) map[string]int {
	return map[string]int{PolicyArchiveKeep: Size(ArchiveKeepPolicy(p)), PolicyArchiveFlow: Size(ArchiveFlowPolicy(p)), PolicyArchiveRCP: Size(ArchiveResourcePolicy(p))}
}
