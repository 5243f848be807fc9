// Package stacks composes the sessionaudit constructs into the app's stacks. It is the only place,
// with app.go, that reads the configuration; every name and ARN another account needs is derived
// here from config, so no stack depends on a look-up or on another stack's outputs.
package stacks

import (
	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
	"github.com/sessionaudit/sessionaudit/install"
)

// StackNamePrefix starts the name of every stack of the app (config.StackNamePrefix).
const StackNamePrefix = config.StackNamePrefix

// Stack names are public interface: deploy commands and the README refer to them.
const (
	LogArchiveStackName     = "SessionAudit-LogArchive"
	MemberStackName         = "SessionAudit-Member"
	MemberStackSetStackName = "SessionAudit-MemberStackSet"
	ForwardersStackName     = "SessionAudit-Forwarders"
	SignInStackName         = "SessionAudit-SignIn"
	// SignInStackSetName is the StackSet of SessionAudit-SignIn.
	SignInStackSetName = "SessionAudit-SignIn"
	// MemberStackSetName is the name of the StackSet itself.
	MemberStackSetName = "SessionAudit-Member"
)

// ReceiverStackName is the log-archive stack of one governed region.
func ReceiverStackName(region string) string { return "SessionAudit-Receiver-" + region }

// Install is the deployed install c describes (package install names everything from it).
func Install(c config.Config) install.Install {
	return install.Install{LogArchiveAccountID: c.LogArchiveAccountID, HomeRegion: c.HomeRegion}
}

// CentralBucketName is the deterministic name of the central log bucket.
func CentralBucketName(c config.Config) string { return Install(c).CentralBucketName() }

// AccessLogsBucketName is the deterministic name of the central bucket's access-log bucket.
func AccessLogsBucketName(c config.Config) string { return Install(c).AccessLogsBucketName() }

// QueryResultsBucketName is the deterministic name of the archive search's results bucket.
func QueryResultsBucketName(c config.Config) string { return Install(c).QueryResultsBucketName() }

// CentralBucketArn is the central bucket's ARN in the given partition (a token is fine).
func CentralBucketArn(partition string, c config.Config) string {
	return install.Install{LogArchiveAccountID: c.LogArchiveAccountID, HomeRegion: c.HomeRegion, Partition: partition}.CentralBucketArn()
}

// Names shared with package install.
const (
	BusName          = install.BusName
	AlarmNamePrefix  = install.AlarmNamePrefix
	DestinationName  = install.DestinationName
	StreamNamePrefix = install.StreamNamePrefix
	MemberNamePrefix = install.MemberNamePrefix
)

// BusArn is the central event bus's ARN.
func BusArn(partition string, c config.Config) string {
	return install.Install{LogArchiveAccountID: c.LogArchiveAccountID, HomeRegion: c.HomeRegion, Partition: partition}.BusArn()
}

// DestinationArn is the ARN of the log-archive destination in region (a token is fine).
func DestinationArn(partition, region string, c config.Config) string {
	return install.Install{LogArchiveAccountID: c.LogArchiveAccountID, HomeRegion: c.HomeRegion, Partition: partition}.DestinationArn(region)
}

// StreamArn is the ARN of the Firehose stream (log-archive account, home region) that receives the
// forwarded logs of sourceRegion.
func StreamArn(partition, sourceRegion string, c config.Config) string {
	return install.Install{LogArchiveAccountID: c.LogArchiveAccountID, HomeRegion: c.HomeRegion, Partition: partition}.StreamArn(sourceRegion)
}

// SessionLogGroupOfCaller is the session log group of the account that calls, in a key policy:
// each member account's agents write only their own account's group through CloudWatch Logs.
const SessionLogGroupOfCaller = sessionprefs.LogGroupNamePrefix + "${aws:PrincipalAccount}"

// DocumentHandlerRoleName is the role of the preferences document handler in a member account
// and region (IAM role names are unique per account, so the region is part of it).
func DocumentHandlerRoleName(region string) string { return HandlerRoleNamePrefix + region }

// HandlerRoleNamePrefix starts the names of the document handler's roles: the only roles of
// sessionaudit that the guardrails exempt.
const HandlerRoleNamePrefix = MemberNamePrefix + "preferences-"

// DocumentHandlerFunctionName is the preferences document handler's function (one per account and
// region), named so that the guardrails can protect its code, configuration and invocation.
const DocumentHandlerFunctionName = MemberNamePrefix + "preferences"

// NotifierRoleName is the role the member's notification rules use in region; NotifierQueueName
// their dead-letter queue. Named so that the guardrails can protect them.
func NotifierRoleName(region string) string { return MemberNamePrefix + "notifier-" + region }

// NotifierQueueName is the dead-letter queue of the member's notification rules.
const NotifierQueueName = MemberNamePrefix + "notifications"
