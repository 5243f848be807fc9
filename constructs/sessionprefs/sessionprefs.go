// Package sessionprefs provides SessionPreferences: everything one account and region needs so that
// every Session Manager session is logged to an encrypted log group and to the central bucket, and
// every RDP connection is recorded: the log group (protected from deletion by a
// Custom::LogGroupDeletionProtection, constructs/logprotect), the preferences document
// SSM-SessionManagerRunShell (Custom::SessionManagerPreferences, because the document usually exists
// already), the RDP recording preferences (Custom::RdpRecordingPreferences, because they are an
// account singleton an administrator may have set already), the instance policy and the user
// policy. One inline function (DocumentHandler) serves the three custom resource types, so that the
// member template, which CloudFormation receives inline, stays small.
//
// Feature flags: its output means the same with or without any (test/bare_test.go builds it both
// ways); @aws-cdk/core:target-partitions and @aws-cdk/aws-iam:minimizePolicies change only how the
// template is written (a literal partition, merged policy statements).
package sessionprefs

import (
	_ "embed"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/inlinefn"
	"github.com/sessionaudit/sessionaudit/constructs/logprotect"
	"github.com/sessionaudit/sessionaudit/constructs/orgkey"
	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
)

//go:embed handler.js
var handler string

// DocumentName is the document Session Manager reads its preferences from.
const DocumentName = sessiondocs.Preferences

// RetentionDaysAllowed are the retention values CloudWatch Logs accepts.
var RetentionDaysAllowed = []float64{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// ResourceType is the CloudFormation type of the preferences document resource.
const ResourceType = "Custom::SessionManagerPreferences"

// RecordingResourceType is the CloudFormation type of the RDP recording preferences resource.
const RecordingResourceType = "Custom::RdpRecordingPreferences"

// Values of Props.Requirements: what the preferences document asks of every session.
const (
	// RequireNothing leaves SSM-SessionManagerRunShell as the account has it (no Document
	// resource): the policies, the log group and its forwarder exist, and no session changes.
	RequireNothing = "nothing"
	// RequireLogging logs sessions (the log group; the central bucket in its region) without the
	// checks that refuse a session: no cloudWatchEncryptionEnabled, s3EncryptionEnabled or
	// kmsKeyId. The agent starts the session even when the instance role cannot log
	// (amazon-ssm-agent agent/session/shell/shell.go validate: it only warns about a log group it
	// cannot describe, and refuses a session only for the encryption checks).
	RequireLogging = "logging"
	// RequireEncryption is the full document: encrypted log group and bucket checked at session
	// start, and session data encrypted with the session key.
	RequireEncryption = "encryption"
)

// LogGroupNamePrefix starts the session log group's name: <prefix><account ID> (one per account
// and region). The notification inbox and the guardrails name log groups by it.
const LogGroupNamePrefix = "session-manager-log-"

// Props configures SessionPreferences. Durations are in minutes, as Session Manager takes them.
type Props struct {
	// CentralBucketName receives session transcripts and RDP recordings. Required.
	CentralBucketName *string
	// CentralBucketOwner is the account that owns the central bucket. Required.
	CentralBucketOwner *string
	// CentralBucketRegion is the bucket's region (its key is used through S3 there). Nodes send
	// their transcripts to the bucket only in this region: elsewhere the preferences name no
	// bucket and sessions are logged through CloudWatch Logs alone, so that a session depends only
	// on its own region's endpoints (an S3 gateway endpoint reaches only buckets of its own region,
	// and the agent refuses a session when it cannot check the bucket's encryption; docs/regions.md).
	// Default: this stack's region.
	CentralBucketRegion *string
	// Requirements is how far the preferences go (RequireNothing, RequireLogging or
	// RequireEncryption), so that a rollout switches requirements on only after every instance
	// role and user can meet them (docs/rollout.md): the RDP recording preferences and the session
	// key in the document come with RequireEncryption; the instance and user policies are the same
	// in every case. Default: RequireEncryption.
	Requirements *string
	// InBucketRegion is a condition that holds exactly where the stack's region is
	// CentralBucketRegion, for a stack whose region is known only at deployment (one condition
	// the stack can share). Default: one of this construct's own when it needs one.
	InBucketRegion awscdk.CfnCondition
	// LogKeyArn encrypts the log group; CloudWatch Logs needs a key in the log group's own region
	// (the LogKey, or its replica in this region). Required.
	LogKeyArn *string
	// SessionEncryption encrypts session data between clients and instances with a KMS key
	// (kmsKeyId) on top of TLS. Users who start sessions then need kms:GenerateDataKey on the key
	// and instances kms:Decrypt (the instance policy has it). Default: true.
	SessionEncryption *bool
	// SessionKeyArn is the key that encrypts session data: a key in this region (the agent and the
	// plugin call KMS in the node's region). Session Manager user guide, "Turn on KMS key
	// encryption of session data": "You can also use a key that was created in a different AWS
	// account", entered as its key ARN; the key's policy must allow the use. Default: a new key in
	// this account (the SessionKey field), which bills monthly per account and region.
	SessionKeyArn *string
	// RecordingKeyArn encrypts RDP recordings. Systems Manager requires a key in the same Region
	// as the managed node (ConnectionRecordingPreferences.KMSKeyArn), tagged
	// SystemsManagerJustInTimeNodeAccessManaged=true. Default: LogKeyArn (the LogKey of this region).
	RecordingKeyArn *string
	// LogGroupName of the session log group. Default: "session-manager-log-<account>".
	LogGroupName *string
	// LogRetentionDays of the session log group; one of RetentionDaysAllowed. Default: 365.
	LogRetentionDays *float64
	// S3KeyPrefix for transcripts, below which this account may write.
	// Default: "session-manager/<account>/<region>".
	S3KeyPrefix *string
	// The preferences document governs only what logging needs and what these props set: for
	// the settings below, nil keeps the value of the account's own document (AWS's default where
	// it has none), and the handler records what it changed (Document's attribute Changed).

	// IdleSessionTimeout, 1..60 minutes. Default: kept (AWS's default: 20).
	IdleSessionTimeout *float64
	// MaxSessionDuration, 1..1440 minutes. Default: kept (AWS's default: no maximum).
	MaxSessionDuration *float64
	// CloudWatchStreaming sends output as it happens instead of at the end. Default: true.
	CloudWatchStreaming *bool
	// RunAsEnabled starts Linux sessions as RunAsDefaultUser. Default: kept (AWS's default: off).
	RunAsEnabled *bool
	// RunAsDefaultUser is required when RunAsEnabled is true. Default: kept.
	RunAsDefaultUser *string
	// ShellProfileLinux runs at the start of each Linux session. Default: kept.
	ShellProfileLinux *string
	// ShellProfileWindows runs at the start of each Windows session. Default: kept.
	ShellProfileWindows *string
	// RdpRecording records Fleet Manager RDP connections to the central bucket. It needs
	// just-in-time node access to be enabled. Default: true.
	RdpRecording *bool
	// InstanceRoleNames are roles (which must exist) the instance policy is attached to.
	// Default: none.
	InstanceRoleNames []string
	// InstanceS3Prefix is what the instance policy lets instances write below; it must contain the
	// S3KeyPrefix of every region the policy serves. Default: "session-manager/<account>/".
	InstanceS3Prefix *string
	// InstancePolicyName is the managed policy's name, unique per account. The policy covers this
	// account's session log group, transcripts and session keys in every region, so one policy
	// attached once serves every region: create it (and attach InstanceRoleNames) in one region
	// only when several regions share an account, as the SessionAudit-Member stack does.
	// Default: "SessionAuditInstanceLogging".
	InstancePolicyName *string
	// UserPolicyName is the name of the managed policy for the people who start sessions and RDP
	// connections, unique per account (an IAM Identity Center permission set can then name it as a
	// customer managed policy). Like the instance policy it covers every region. Default:
	// "SessionAuditSessionUsers".
	UserPolicyName *string
	// DocumentHandlerRoleName names the role of the function that manages the preferences
	// document, unique per account (so include the region), so that a service control policy that
	// protects the document can exempt it. Default: CloudFormation generates the name.
	DocumentHandlerRoleName *string
	// DocumentHandlerFunctionName names the handler's function, unique per account and region, so
	// that a service control policy can protect its code, configuration and invocation (whoever
	// invokes it acts with its role). Default: CloudFormation generates the name.
	DocumentHandlerFunctionName *string

	sessionKeyID *string // the ID of SessionKey, when this construct creates it
}

// Preferences are the Session Manager and RDP logging settings of one account and region.
type Preferences struct {
	// Construct is this construct in the tree: pass it where CDK takes a construct (a scope,
	// awscdk.Tags_Of, Node().AddDependency). The struct itself is not one, so that passing it does
	// not compile instead of failing in jsii at run time.
	Construct constructs.Construct
	// LogGroup receives session output, encrypted with Props.LogKeyArn; retained on delete and
	// replacement, deleted only when the deployment that creates it rolls back
	// (RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE).
	LogGroup awslogs.LogGroup
	// LogGroupProtection is the Custom::LogGroupDeletionProtection resource that turns on the log
	// group's deletion protection once it exists (constructs/logprotect explains why not the log
	// group's own DeletionProtectionEnabled).
	LogGroupProtection awscdk.CustomResource
	// SessionKey encrypts session data between client and instance (kmsKeyId); retained like
	// LogGroup. Users who start sessions need kms:GenerateDataKey on it. Nil when Props.SessionKeyArn
	// is set or Props.SessionEncryption is false.
	SessionKey awskms.Key
	// SessionKeyArn is the key in kmsKeyId; nil when Props.SessionEncryption is false.
	SessionKeyArn *string
	// Document is the custom resource that manages SSM-SessionManagerRunShell; its attribute
	// Changed is the JSON of what its last create or update changed ({input: [before, after]}).
	// Nil with Props.Requirements RequireNothing.
	Document awscdk.CustomResource
	// DocumentHandler is the inline function of Document, RdpRecording and LogGroupProtection (it
	// dispatches on the resource type).
	DocumentHandler *inlinefn.Function
	// RdpRecording is the Custom::RdpRecordingPreferences resource that sets the account's RDP
	// recording preferences (an account and region singleton) and on delete puts back the ones it
	// found, or deletes them if there were none; nil when Props.RdpRecording is false or
	// Props.Requirements is not RequireEncryption.
	RdpRecording awscdk.CustomResource
	// InstancePolicy holds exactly what the SSM agent needs to log; attach it to instance roles.
	InstancePolicy awsiam.ManagedPolicy
	// UserPolicy holds what the people who start sessions and recorded RDP connections need on
	// sessionaudit's keys (kms:GenerateDataKey on the session key, kms:CreateGrant for AWS
	// resources on the recording key), on top of their own Session Manager permissions; nil when
	// sessions are not encrypted and RDP is not recorded.
	UserPolicy awsiam.ManagedPolicy
	// S3KeyPrefix is where this account and region's transcripts go.
	S3KeyPrefix *string
}

// New creates SessionPreferences.
func New(scope constructs.Construct, id string, props *Props) *Preferences {
	p := withDefaults(props)
	this := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(this)

	logGroup := awslogs.NewLogGroup(this, jsii.String("LogGroup"), &awslogs.LogGroupProps{
		LogGroupName:  p.LogGroupName,
		EncryptionKey: awskms.Key_FromKeyArn(this, jsii.String("LogKey"), p.LogKeyArn),
		// CloudFormation user guide, "DeletionPolicy attribute": RetainExceptOnCreate keeps the log
		// group on stack deletion and replacement but deletes it when the deployment that created
		// it rolls back, so that a failed first deployment can be retried (the name is fixed).
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
	})
	logGroup.Node().DefaultChild().(awslogs.CfnLogGroup).SetRetentionInDays(p.LogRetentionDays)
	var sessionKey awskms.Key
	if *p.SessionEncryption && p.SessionKeyArn == nil {
		sessionKey = awskms.NewKey(this, jsii.String("SessionKey"), &awskms.KeyProps{
			Description:       jsii.String("sessionaudit: encrypts Session Manager session data between clients and instances"),
			EnableKeyRotation: jsii.Bool(true),
			// RetainExceptOnCreate, as the log group: a rolled-back first deployment leaves no key
			// that bills monthly and that nothing uses.
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE,
		})
		// Once just-in-time node access is on (RDP recording needs it), Systems Manager uses only
		// session encryption keys tagged SystemsManagerJustInTimeNodeAccessManaged=true.
		awscdk.Tags_Of(sessionKey).Add(jsii.String(orgkey.JustInTimeTagKey), jsii.String("true"), nil)
		p.SessionKeyArn = sessionKey.KeyArn()
		p.sessionKeyID = sessionKey.KeyId()
	}

	fn := inlinefn.New(this, "DocumentHandler", &inlinefn.Props{
		Source:       handler + "\n" + logprotect.Source,
		Description:  jsii.String("sessionaudit: manages " + DocumentName + ", RDP recording preferences, log group protection"),
		RoleName:     p.DocumentHandlerRoleName,
		FunctionName: p.DocumentHandlerFunctionName,
		Statements:   handlerStatements(stack, p),
	})
	acknowledgeHandlerPolicy(stack, p, fn)
	var doc awscdk.CustomResource
	if *p.Requirements != RequireNothing {
		doc = awscdk.NewCustomResource(this, jsii.String("Document"), &awscdk.CustomResourceProps{
			ServiceToken:   fn.Function.FunctionArn(),
			ServiceTimeout: inlinefn.ServiceTimeout(),
			ResourceType:   jsii.String(ResourceType),
			Properties: &map[string]any{
				"Name":    DocumentName,
				"Content": regionalContent(this, stack, p, logGroup),
			},
		})
	}
	protection := logprotect.ProtectLogGroup(this, "LogGroupProtection", logGroup, fn.Function.FunctionArn())

	var rdp awscdk.CustomResource
	// Recording asks kms:CreateGrant of the people who connect: the preferences are set only with
	// RequireEncryption, while the user policy grants it from the first phase.
	if *p.RdpRecording && *p.Requirements == RequireEncryption {
		// Systems Manager GUI Connect API reference, ConnectionRecordingPreferences: "KMSKeyArn ...
		// This key must exist in the same AWS Region as the node you start an RDP connection to."
		// The property has the shape of UpdateConnectionRecordingPreferences' request (handler.js).
		rdp = awscdk.NewCustomResource(this, jsii.String("RdpRecording"), &awscdk.CustomResourceProps{
			ServiceToken:   fn.Function.FunctionArn(),
			ServiceTimeout: inlinefn.ServiceTimeout(),
			ResourceType:   jsii.String(RecordingResourceType),
			Properties: &map[string]any{
				"ConnectionRecordingPreferences": map[string]any{
					"KMSKeyArn": p.RecordingKeyArn,
					"RecordingDestinations": map[string]any{
						"S3Buckets": []any{map[string]any{"BucketName": p.CentralBucketName, "BucketOwner": p.CentralBucketOwner}},
					},
				},
			},
		})
	}

	policy := awsiam.NewManagedPolicy(this, jsii.String("InstancePolicy"), &awsiam.ManagedPolicyProps{
		ManagedPolicyName: p.InstancePolicyName,
		Description:       jsii.String("sessionaudit: lets the SSM agent write session logs to CloudWatch Logs and the central bucket"),
		Statements:        instanceStatements(stack, p),
	})
	acknowledgeInstancePolicy(stack, p, policy)
	for i, name := range p.InstanceRoleNames {
		policy.AttachToRole(awsiam.Role_FromRoleName(this, jsii.String(fmt.Sprintf("InstanceRole%d", i)), jsii.String(name), nil))
	}
	var users awsiam.ManagedPolicy
	if statements := userStatements(stack, p); len(statements) > 0 {
		users = awsiam.NewManagedPolicy(this, jsii.String("UserPolicy"), &awsiam.ManagedPolicyProps{
			ManagedPolicyName: p.UserPolicyName,
			Description:       jsii.String("sessionaudit: what people who start sessions and RDP connections need on sessionaudit's keys"),
			Statements:        &statements,
		})
		acknowledgeUserPolicy(stack, p, users)
	}
	return &Preferences{
		Construct: this, LogGroup: logGroup, LogGroupProtection: protection, SessionKey: sessionKey, SessionKeyArn: p.SessionKeyArn, Document: doc, DocumentHandler: fn,
		RdpRecording: rdp, InstancePolicy: policy, UserPolicy: users, S3KeyPrefix: p.S3KeyPrefix,
	}
}

// regionalContent is the preferences document of the stack's region: the central bucket only in
// the bucket's own region, an empty bucket name (no S3 logging: the agent skips S3 when no bucket
// is named, amazon-ssm-agent agent/session/shell/shell.go) elsewhere. When the stack's region is
// only known at deployment (an environment-agnostic member stack), the bucket name and key prefix
// are CloudFormation conditions of one document, so that nothing else is written twice.
func regionalContent(scope constructs.Construct, stack awscdk.Stack, p Props, logGroup awslogs.LogGroup) *string {
	region, bucketRegion := stack.Region(), p.CentralBucketRegion
	bucket, prefix := p.CentralBucketName, p.S3KeyPrefix
	switch {
	case !*awscdk.Token_IsUnresolved(region) && !*awscdk.Token_IsUnresolved(bucketRegion):
		if *region != *bucketRegion {
			bucket, prefix = jsii.String(""), jsii.String("")
		}
	default:
		inBucketRegion := p.InBucketRegion
		if inBucketRegion == nil {
			inBucketRegion = awscdk.NewCfnCondition(scope, jsii.String("InBucketRegion"), &awscdk.CfnConditionProps{
				Expression: awscdk.Fn_ConditionEquals(region, bucketRegion),
			})
		}
		only := func(v *string) *string {
			return awscdk.Token_AsString(awscdk.Fn_ConditionIf(inBucketRegion.LogicalId(), v, jsii.String("")), nil)
		}
		bucket, prefix = only(bucket), only(prefix)
	}
	return stack.ToJsonString(documentContent(p, logGroup, bucket, prefix), nil)
}

// documentContent is the Session Manager preferences document with the inputs sessionaudit
// governs: logging (the central bucket and key prefix given, "" for none), session encryption,
// and whatever optional setting the props give. The handler keeps the account's other inputs.
func documentContent(p Props, logGroup awslogs.LogGroup, bucket, prefix *string) map[string]any {
	// A key of this account is named by its ID, as the console does; any other by its ARN.
	kmsKeyID := p.sessionKeyID
	if kmsKeyID == nil {
		kmsKeyID = p.SessionKeyArn
	}
	if kmsKeyID == nil {
		kmsKeyID = jsii.String("")
	}
	enforce := *p.Requirements == RequireEncryption
	if !enforce {
		kmsKeyID = jsii.String("")
	}
	inputs := map[string]any{
		"cloudWatchLogGroupName":      logGroup.LogGroupName(),
		"cloudWatchEncryptionEnabled": enforce,
		"cloudWatchStreamingEnabled":  p.CloudWatchStreaming,
		"kmsKeyId":                    kmsKeyID,
		// Without a bucket the agent checks no bucket encryption either (validate in shell.go
		// checks it only for a named bucket).
		"s3BucketName":        bucket,
		"s3KeyPrefix":         prefix,
		"s3EncryptionEnabled": enforce,
	}
	if p.IdleSessionTimeout != nil {
		inputs["idleSessionTimeout"] = minutesString(p.IdleSessionTimeout)
	}
	if p.MaxSessionDuration != nil {
		inputs["maxSessionDuration"] = minutesString(p.MaxSessionDuration)
	}
	if p.RunAsEnabled != nil {
		inputs["runAsEnabled"] = *p.RunAsEnabled
	}
	if p.RunAsDefaultUser != nil {
		inputs["runAsDefaultUser"] = p.RunAsDefaultUser
	}
	shell := map[string]any{}
	if p.ShellProfileLinux != nil {
		shell["linux"] = p.ShellProfileLinux
	}
	if p.ShellProfileWindows != nil {
		shell["windows"] = p.ShellProfileWindows
	}
	if len(shell) > 0 {
		inputs["shellProfile"] = shell
	}
	return map[string]any{
		"schemaVersion": "1.0",
		"description":   "Session Manager preferences managed by sessionaudit",
		"sessionType":   "Standard_Stream",
		"inputs":        inputs,
	}
}

// minutesString renders a duration in minutes as the string the preferences schema wants.
func minutesString(n *float64) *string {
	if *awscdk.Token_IsUnresolved(n) {
		return awscdk.Token_AsString(n, nil)
	}
	return jsii.String(fmt.Sprintf("%d", int(*n)))
}
