// Package config loads and validates the sessionaudit configuration: one JSON object that describes
// the organization, its accounts and regions, and how sessions are logged, kept and announced.
//
// config/schema.json is the one description of the configuration: its fields, types, limits,
// defaults and descriptions. Parse checks a document against it, decodes it with encoding/json on
// top of the schema's defaults, then applies the rules that relate fields (validate.go,
// crossfield.go). docs/config-reference.md is generated from the schema (go generate ./config).
// Field names are public interface. Parse returns every problem at once as a *Error; nothing here
// panics on bad input.
package config

import (
	"slices"

	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
)

// Config is the validated configuration of a sessionaudit deployment.
type Config struct {
	// OrganizationID is the AWS Organizations ID ("o-" + 10..32 lowercase letters or digits).
	OrganizationID string `json:"organizationId"`
	// ManagementAccountID is the account that administers the member StackSet.
	ManagementAccountID string `json:"managementAccountId"`
	// DelegatedAdmin makes the StackSet call as DELEGATED_ADMIN. Default false.
	DelegatedAdmin bool `json:"delegatedAdmin"`
	// LogArchiveAccountID is the account that holds the central bucket and key.
	LogArchiveAccountID string `json:"logArchiveAccountId"`
	// HomeRegion is where the central bucket and the primary key live.
	HomeRegion string `json:"homeRegion"`
	// Regions are the governed regions; they include HomeRegion.
	Regions []string `json:"regions"`
	// TargetOrganizationalUnitIDs are the OUs (or the root) the member StackSet deploys to.
	TargetOrganizationalUnitIDs []string `json:"targetOrganizationalUnitIds"`
	// Session holds the Session Manager preferences.
	Session Session `json:"session"`
	// Retention says how long logs are kept.
	Retention Retention `json:"retention"`
	// RDPRecording controls Fleet Manager RDP connection recording.
	RDPRecording RDPRecording `json:"rdpRecording"`
	// Notifications controls the session and sign-in notifications.
	Notifications Notifications `json:"notifications"`
	// StackSet tunes how the member StackSet rolls out.
	StackSet StackSet `json:"stackSet"`
	// Forwarders are extra log forwarders (SessionAudit-Forwarders stack). Default none.
	Forwarders []Forwarder `json:"forwarders"`
	// Guardrails are the service control policies of SessionAudit-Guardrails.
	Guardrails Guardrails `json:"guardrails"`
	// Search tunes the archive search (Athena workgroup) of SessionAudit-LogArchive.
	Search Search `json:"search"`
	// Rollout says how far the member stacks go (docs/rollout.md).
	Rollout Rollout `json:"rollout"`
}

// Rollout switches requirements on in phases, so that no session that worked before fails: each
// phase asks of sessions only what the previous one gave every instance role and user.
type Rollout struct {
	// Phase is PhasePermissions, PhaseLogging or PhaseEnforced. Default PhaseEnforced.
	Phase string `json:"phase"`
}

// Rollout phases (Rollout.Phase).
const (
	// PhasePermissions creates and attaches the instance and user policies, the log group and its
	// forwarder, and the notifications; the preferences document and the RDP recording
	// preferences stay as each account has them.
	PhasePermissions = "permissions"
	// PhaseLogging also logs sessions, without the checks that refuse a session (no encryption
	// checks, no session key).
	PhaseLogging = "logging"
	// PhaseEnforced is everything: encrypted logging checked at session start, the session key,
	// RDP recording, and guardrails in deny mode if configured.
	PhaseEnforced = "enforced"
)

// Search tunes the archive search.
type Search struct {
	// BytesScannedCutoffPerQuery cancels a query that scans more (at least 10,000,000). Default
	// 10 GiB (10737418240).
	BytesScannedCutoffPerQuery int `json:"bytesScannedCutoffPerQuery"`
}

// Guardrails are organization service control policies on targetOrganizationalUnitIds: protect
// what sessionaudit deploys in member accounts, and decide about sessions that are not logged.
type Guardrails struct {
	// Enabled deploys SessionAudit-Guardrails. Default true.
	Enabled bool `json:"enabled"`
	// UnloggedSessions is UnloggedNotify, UnloggedDeny or UnloggedAllow. Default UnloggedNotify.
	UnloggedSessions string `json:"unloggedSessions"`
	// ExemptPrincipalArns are IAM principal ARN patterns (aws:PrincipalArn, ArnLike: * and ?
	// allowed) the guardrails do not apply to, such as a break-glass role. Default none.
	ExemptPrincipalArns []string `json:"exemptPrincipalArns"`
	// Ways are the settings of the ways into a node other than Session Manager sessions, each
	// UnloggedNotify, UnloggedDeny or UnloggedAllow; one left out ("") follows UnloggedSessions:
	// read them with Way. Default: all follow UnloggedSessions.
	Ways Ways `json:"ways"`
	// DeclarativeSerialConsole also attaches an EC2 declarative policy that keeps the serial
	// console off in the accounts below the targets, exempt principals included. Default false.
	DeclarativeSerialConsole bool `json:"declarativeSerialConsole"`
	// ProtectArchive also attaches organization policies to the log-archive account (two SCPs and
	// an RCP, package guardrails' NewArchive) so that its administrators cannot make the archive
	// unreadable, delete it or silently stop it; only ExemptPrincipalArns may, and they alone may
	// deploy the log-archive stacks. Needs Enabled, ExemptPrincipalArns and the
	// RESOURCE_CONTROL_POLICY policy type enabled at the root. Default false.
	ProtectArchive bool `json:"protectArchive"`
}

// Ways holds one setting per way into a node other than a Session Manager session (Way*
// constants name them); "" is unset.
type Ways struct {
	// InstanceConnect is EC2 Instance Connect (SendSSHPublicKey, then SSH).
	InstanceConnect string `json:"instanceConnect,omitempty"`
	// InstanceConnectEndpoint is EC2 Instance Connect Endpoint tunnels (OpenTunnel).
	InstanceConnectEndpoint string `json:"instanceConnectEndpoint,omitempty"`
	// SerialConsole is the EC2 serial console (SendSerialConsoleSSHPublicKey,
	// EnableSerialConsoleAccess).
	SerialConsole string `json:"serialConsole,omitempty"`
	// RunCommand is Systems Manager Run Command (SendCommand).
	RunCommand string `json:"runCommand,omitempty"`
	// ECSExec is ECS Exec (ExecuteCommand).
	ECSExec string `json:"ecsExec,omitempty"`
}

// The ways into a node other than a Session Manager session, as guardrails.ways names them: the
// names of package sessiondocs, which says what each way is and which events it makes.
const (
	WayInstanceConnect         = sessiondocs.WayInstanceConnect
	WayInstanceConnectEndpoint = sessiondocs.WayInstanceConnectEndpoint
	WaySerialConsole           = sessiondocs.WaySerialConsole
	WayRunCommand              = sessiondocs.WayRunCommand
	WayECSExec                 = sessiondocs.WayECSExec
)

// AllWays lists the Way* names in the order of the schema and the docs.
var AllWays = sessiondocs.AllWays

// field is the setting of way ("" when unset); it panics on a name that is not in AllWays, a
// programming error.
func (w Ways) field(way string) string {
	switch way {
	case WayInstanceConnect:
		return w.InstanceConnect
	case WayInstanceConnectEndpoint:
		return w.InstanceConnectEndpoint
	case WaySerialConsole:
		return w.SerialConsole
	case WayRunCommand:
		return w.RunCommand
	case WayECSExec:
		return w.ECSExec
	}
	panic("config: unknown way into a node " + way)
}

// Way is the setting in force for way (a Way* name): its own, or UnloggedSessions when it has
// none.
func (g Guardrails) Way(way string) string {
	if v := g.Ways.field(way); v != "" {
		return v
	}
	return g.UnloggedSessions
}

// AnnouncedWays lists the ways (Way* names, in AllWays order) whose uses are announced: those
// whose setting in force is notify or deny (attempts the guardrails deny are announced as
// failed), all but allow. The member and sign-in stacks create rules for them; preflight checks
// that a trail records their events.
func (g Guardrails) AnnouncedWays() []string {
	var out []string
	for _, w := range AllWays {
		if g.Way(w) != UnloggedAllow {
			out = append(out, w)
		}
	}
	return out
}

// WaysIn lists the ways (Way* names, in AllWays order) whose setting in force is mode.
func (g Guardrails) WaysIn(mode string) []string {
	var out []string
	for _, w := range AllWays {
		if g.Way(w) == mode {
			out = append(out, w)
		}
	}
	return out
}

// Values of Guardrails.UnloggedSessions.
const (
	// UnloggedNotify allows sessions that Session Manager does not log and announces them.
	UnloggedNotify = "notify"
	// UnloggedDeny denies starting them, except to ExemptPrincipalArns.
	UnloggedDeny = "deny"
	// UnloggedAllow allows them without a guardrail.
	UnloggedAllow = "allow"
)

// Forwarder forwards the events of one log group that match a filter pattern to the central
// bucket, through the log-archive destination of the same region.
type Forwarder struct {
	// Name of the subscription filter; unique.
	Name string `json:"name"`
	// LogGroupName is the log group to forward from; it must exist where the stack is deployed.
	LogGroupName string `json:"logGroupName"`
	// FilterPattern selects the events, e.g. { $.eventName = "ConsoleLogin" }.
	FilterPattern string `json:"filterPattern"`
}

// StackSet tunes the service-managed StackSet that deploys SessionAudit-Member.
type StackSet struct {
	// RetainStacksOnAccountRemoval keeps an account's stacks (and so its logging) when it leaves
	// the target OUs. Default true.
	RetainStacksOnAccountRemoval bool `json:"retainStacksOnAccountRemoval"`
	// RegionConcurrency is PARALLEL or SEQUENTIAL. Default PARALLEL.
	RegionConcurrency string `json:"regionConcurrency"`
	// MaxConcurrentPercentage of accounts deployed at once per region (1..100). Default 25.
	MaxConcurrentPercentage int `json:"maxConcurrentPercentage"`
	// FailureTolerancePercentage of accounts that may fail per region before the operation stops
	// (0..100). Default 10.
	FailureTolerancePercentage int `json:"failureTolerancePercentage"`
}

// Session holds the Session Manager preferences applied in every member account and region.
type Session struct {
	// The settings below that sessionaudit does not need for logging are governed only when set:
	// nil (left out of the JSON, as the schema has no null) keeps what each account's preferences
	// document has (AWS's defaults where it has none:
	// idle sessions end after 20 minutes, sessions have no maximum duration, run-as is off, no
	// shell profile). Session Manager user guide, "Specify an idle session timeout value" and
	// "Specify maximum session duration".

	// IdleSessionTimeoutMinutes ends idle sessions (1..60). Default nil: kept.
	IdleSessionTimeoutMinutes *int `json:"idleSessionTimeoutMinutes,omitempty"`
	// MaxSessionDurationMinutes ends any session after this time (1..1440). Default nil: kept.
	MaxSessionDurationMinutes *int `json:"maxSessionDurationMinutes,omitempty"`
	// CloudWatchStreaming streams session output to CloudWatch Logs as it happens. Default true.
	CloudWatchStreaming bool `json:"cloudWatchStreaming"`
	// RunAsEnabled starts Linux sessions as RunAsDefaultUser instead of ssm-user. Default nil: kept.
	RunAsEnabled *bool `json:"runAsEnabled,omitempty"`
	// RunAsDefaultUser is the OS user for Linux sessions; required when RunAsEnabled is true.
	// Default nil: kept.
	RunAsDefaultUser *string `json:"runAsDefaultUser,omitempty"`
	// ShellProfileLinux runs at the start of every Linux session. Default nil: kept.
	ShellProfileLinux *string `json:"shellProfileLinux,omitempty"`
	// ShellProfileWindows runs at the start of every Windows session. Default nil: kept.
	ShellProfileWindows *string `json:"shellProfileWindows,omitempty"`
	// InstanceRoleNames are IAM roles the instance logging policy is attached to. Default none.
	InstanceRoleNames []string `json:"instanceRoleNames"`
	// EncryptionKey says which KMS key encrypts session data between clients and instances:
	// SessionKeyOrganization (one multi-Region key in the log-archive account, a replica in every
	// governed region), SessionKeyAccount (a key in every member account and region; billed per
	// key, see README "Cost") or SessionKeyNone (TLS only). Default SessionKeyOrganization.
	EncryptionKey string `json:"encryptionKey"`
}

// Session data encryption keys accepted in Session.EncryptionKey.
const (
	SessionKeyOrganization = "organization"
	SessionKeyAccount      = "account"
	SessionKeyNone         = "none"
)

// Retention says how long logs are kept in CloudWatch Logs and in the central bucket.
type Retention struct {
	// CloudWatchDays is the member log groups' retention; a value CloudWatch Logs accepts. Default 365.
	CloudWatchDays int `json:"cloudWatchDays"`
	// ArchiveDays is how long objects stay in the central bucket before they expire. Default 2557.
	ArchiveDays int `json:"archiveDays"`
	// ObjectLockMode is GOVERNANCE, COMPLIANCE or NONE (no Object Lock). Default GOVERNANCE.
	ObjectLockMode string `json:"objectLockMode"`
}

// RDPRecording controls Fleet Manager RDP connection recording.
type RDPRecording struct {
	// Enabled records RDP connections to the central bucket. Default true.
	Enabled bool `json:"enabled"`
}

// Notifications controls the central notification inbox.
type Notifications struct {
	// Emails receive every notification. Default none.
	Emails []string `json:"emails"`
	// ConsoleSignIn also notifies console sign-ins. Default true.
	ConsoleSignIn bool `json:"consoleSignIn"`
	// DailyCoverage runs yesterday's coverage once a day in the log-archive account and
	// announces its gaps on the topic (constructs/coveragecheck). Default true.
	DailyCoverage bool `json:"dailyCoverage"`
	// Chat also publishes every message in the custom notification format of AWS chat
	// integrations to a second topic (for Slack or Microsoft Teams). Default false.
	Chat bool `json:"chat"`
	// SignInRegions are where console sign-in rules run besides the governed regions. CloudTrail
	// records a sign-in through the global endpoint in one of GlobalSignInRegions ("AWS
	// Management Console sign-in events"), and a sign-in through a regional endpoint in that
	// region. Default none: the governed regions only, which an organization that denies other
	// regions with service control policies can deploy to (Warnings names the global sign-in
	// regions left out; docs/regions.md).
	SignInRegions []string `json:"signInRegions"`
	// IgnorePrincipals are principal ARN patterns ("*" matches any characters) whose sessions and
	// RDP connections are not announced, such as automation roles: the member rules leave them out,
	// so their events never leave the account. A role's pattern matches its sessions (the role ARN,
	// as aws:PrincipalArn). Sessions Session Manager does not log are announced whoever starts
	// them; console sign-ins and access requests always. Default none.
	IgnorePrincipals []string `json:"ignorePrincipals"`
}

// GlobalSignInRegions are the regions where CloudTrail records sign-ins through the global
// console endpoint (CloudTrail user guide, "AWS Management Console sign-in events": us-east-1, or
// with an account alias cookie us-east-2, eu-north-1 or ap-southeast-2).
var GlobalSignInRegions = []string{"us-east-1", "us-east-2", "eu-north-1", "ap-southeast-2"}

// MaxOrganizationalUnits is the most OUs one StackSet operation takes (CloudFormation API
// reference, CreateStackInstances: "The maximum number of organizational unit (OUs) supported by a
// CreateStackInstances operation is 50"; UpdateStackSet likewise).
const MaxOrganizationalUnits = 50

// ExtraSignInRegions are SignInRegions that are not governed regions: there only the sign-in rules
// are deployed (SessionAudit-SignIn).
func (c Config) ExtraSignInRegions() []string {
	var out []string
	if !c.Notifications.ConsoleSignIn {
		return out
	}
	for _, r := range c.Notifications.SignInRegions {
		if !slices.Contains(c.Regions, r) {
			out = append(out, r)
		}
	}
	return out
}

// Object Lock modes accepted in Retention.ObjectLockMode.
const (
	ObjectLockGovernance = "GOVERNANCE"
	ObjectLockCompliance = "COMPLIANCE"
	ObjectLockNone       = "NONE"
)

// CloudWatchRetentionDays are the retention values CloudWatch Logs accepts.
var CloudWatchRetentionDays = []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}

// ExampleOrganizationID and ExampleAccountIDs are the example configuration's identifiers (cdk.json)
// and the account IDs AWS's documentation uses; a configuration with any of them is an example.
const ExampleOrganizationID = "o-exampleorg1"

// ExampleAccountIDs are account IDs that only examples use.
var ExampleAccountIDs = []string{"111111111111", "222222222222", "123456789012", "111122223333", "444455556666"}

// IsExample reports whether c is (or still carries parts of) the example configuration: its
// templates synthesize and test like any, but must never be deployed.
func IsExample(c Config) bool {
	return c.OrganizationID == ExampleOrganizationID || slices.Contains(ExampleAccountIDs, c.ManagementAccountID) || slices.Contains(ExampleAccountIDs, c.LogArchiveAccountID)
}
