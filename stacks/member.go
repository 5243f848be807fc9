package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/keylookup"
	"github.com/sessionaudit/sessionaudit/constructs/logforwarder"
	"github.com/sessionaudit/sessionaudit/constructs/loginnotifier"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/constructs/sessionkey"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
)

// MaxTemplateBodyBytes is the largest template a StackSet accepts inline (TemplateBody).
const MaxTemplateBodyBytes = 51200

// Member is the SessionAudit-Member stack, deployed to every member account and governed region
// by the StackSet, or alone with `cdk deploy SessionAudit-Member`. It is environment-agnostic
// (AWS::AccountId, AWS::Region) and asset-free: every central identifier comes from config.
type Member struct {
	// Stack is the CDK stack: pass it where CDK takes a construct or a stack.
	Stack awscdk.Stack
	// LogKey resolves the LogKey alias of this region (primary or replica) in the log-archive account.
	LogKey *keylookup.Lookup
	// SessionKey resolves the SessionKey alias of this region; nil unless session.encryptionKey is
	// "organization".
	SessionKey *keylookup.Lookup
	// Preferences are the Session Manager and RDP logging settings.
	Preferences *sessionprefs.Preferences
	// Forwarder sends the session log group to the log-archive destination of this region.
	Forwarder *logforwarder.Forwarder
	// Notifier sends session, RDP connection, access request and sign-in events to the central bus.
	Notifier *loginnotifier.Sender
}

// NewMember creates the SessionAudit-Member stack.
func NewMember(scope constructs.Construct, c config.Config) *Member {
	stack := newStandaloneStack(scope, c, MemberStackName, "sessionaudit: Session Manager and RDP audit logging of one member account and region")
	lookup := keylookup.New(stack, "LogKey", &keylookup.Props{
		Account:   jsii.String(c.LogArchiveAccountID),
		Region:    stack.Region(),
		AliasName: jsii.String(logkey.DefaultAliasName),
	})
	var sessionKey *keylookup.Lookup
	var sessionKeyArn *string
	if c.Session.EncryptionKey == config.SessionKeyOrganization {
		sessionKey = keylookup.New(stack, "SessionKey", &keylookup.Props{
			Account:    jsii.String(c.LogArchiveAccountID),
			Region:     stack.Region(),
			AliasName:  jsii.String(sessionkey.DefaultAliasName),
			SharedWith: lookup,
		})
		sessionKeyArn = sessionKey.KeyArn
	}
	// The home region: where the instance and user policies live and the one region whose nodes
	// send transcripts to the central bucket (its own region).
	isHome := awscdk.NewCfnCondition(stack, jsii.String("IsHomeRegion"), &awscdk.CfnConditionProps{
		Expression: awscdk.Fn_ConditionEquals(stack.Region(), jsii.String(c.HomeRegion)),
	})
	prefs := sessionprefs.New(stack, "SessionPreferences", &sessionprefs.Props{
		CentralBucketName:   jsii.String(CentralBucketName(c)),
		CentralBucketOwner:  jsii.String(c.LogArchiveAccountID),
		CentralBucketRegion: jsii.String(c.HomeRegion),
		InBucketRegion:      isHome,
		LogKeyArn:           lookup.KeyArn,
		SessionEncryption:   jsii.Bool(c.Session.EncryptionKey != config.SessionKeyNone),
		SessionKeyArn:       sessionKeyArn,
		LogRetentionDays:    jsii.Number(float64(c.Retention.CloudWatchDays)),
		IdleSessionTimeout:  minutes(c.Session.IdleSessionTimeoutMinutes),
		MaxSessionDuration:  minutes(c.Session.MaxSessionDurationMinutes),
		CloudWatchStreaming: jsii.Bool(c.Session.CloudWatchStreaming),
		RunAsEnabled:        c.Session.RunAsEnabled,
		RunAsDefaultUser:    c.Session.RunAsDefaultUser,
		ShellProfileLinux:   c.Session.ShellProfileLinux,
		ShellProfileWindows: c.Session.ShellProfileWindows,
		RdpRecording:        jsii.Bool(c.RDPRecording.Enabled),
		Requirements: jsii.String(map[string]string{
			config.PhasePermissions: sessionprefs.RequireNothing,
			config.PhaseLogging:     sessionprefs.RequireLogging,
			config.PhaseEnforced:    sessionprefs.RequireEncryption,
		}[c.Rollout.Phase]),
		InstanceRoleNames: c.Session.InstanceRoleNames,
		// Named, so that the guardrails can exempt the one principal that updates the document.
		DocumentHandlerRoleName:     jsii.String(DocumentHandlerRoleName(*stack.Region())),
		DocumentHandlerFunctionName: jsii.String(DocumentHandlerFunctionName),
	})
	forwarder := logforwarder.New(stack, "SessionLogForwarder", &logforwarder.Props{
		LogGroupName:   prefs.LogGroup.LogGroupName(),
		DestinationArn: jsii.String(DestinationArn(*stack.Partition(), *stack.Region(), c)),
		FilterPattern:  jsii.String(logforwarder.AllEvents),
		FilterName:     jsii.String(DestinationName),
	})
	notifier := loginnotifier.NewSender(stack, "LoginNotifier", &loginnotifier.SenderProps{
		BusArn:           jsii.String(BusArn(*stack.Partition(), c)),
		RuleNamePrefix:   jsii.String(MemberNamePrefix),
		RoleName:         jsii.String(NotifierRoleName(*stack.Region())),
		QueueName:        jsii.String(NotifierQueueName),
		Sessions:         true,
		RdpConnections:   true,
		AccessRequests:   true,
		Ways:             c.Guardrails.AnnouncedWays(),
		ConsoleSignIn:    c.Notifications.ConsoleSignIn,
		IgnorePrincipals: c.Notifications.IgnorePrincipals,
	})
	// The instance policy covers every region of the account; it is created, and attached to
	// session.instanceRoleNames, once: in the home region (IAM allows 10 managed policies per role
	// by default, "IAM and AWS STS quotas").
	prefs.InstancePolicy.Node().DefaultChild().(awsiam.CfnManagedPolicy).CfnOptions().SetCondition(isHome)
	if prefs.UserPolicy != nil {
		prefs.UserPolicy.Node().DefaultChild().(awsiam.CfnManagedPolicy).CfnOptions().SetCondition(isHome)
		awscdk.NewCfnOutput(stack, jsii.String("SessionUserPolicyArn"), &awscdk.CfnOutputProps{
			Value: prefs.UserPolicy.ManagedPolicyArn(), Condition: isHome,
			Description: jsii.String("Attach to the people who start sessions or RDP connections (or name SessionAuditSessionUsers in a permission set): what they need on sessionaudit's keys, every region"),
		})
	}
	awscdk.NewCfnOutput(stack, jsii.String("InstancePolicyArn"), &awscdk.CfnOutputProps{
		Value: prefs.InstancePolicy.ManagedPolicyArn(), Condition: isHome,
		Description: jsii.String("Attach to instance roles so the SSM agent can write session logs (home region only; it covers every region)"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("SessionLogGroupName"), &awscdk.CfnOutputProps{Value: prefs.LogGroup.LogGroupName()})
	if prefs.SessionKeyArn != nil {
		awscdk.NewCfnOutput(stack, jsii.String("SessionKeyArn"), &awscdk.CfnOutputProps{
			Value:       prefs.SessionKeyArn,
			Description: jsii.String("Session data key of this region; users who start sessions need kms:GenerateDataKey on it"),
		})
	}
	return &Member{Stack: stack, LogKey: lookup, SessionKey: sessionKey, Preferences: prefs, Forwarder: forwarder, Notifier: notifier}
}

// minutes is a configured number of minutes as a prop, nil (kept) when not configured.
func minutes(n *int) *float64 {
	if n == nil {
		return nil
	}
	return jsii.Number(float64(*n))
}
