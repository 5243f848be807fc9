// Package stacks composes the sessionaudit constructs into the app's stacks. It is the only place,
// with app.go, that reads the configuration; every name and ARN another account needs is derived
// here from config, so no stack depends on a look-up or on another stack's outputs.
package stacks

import (
	"fmt"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/logreceiver"
)

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

// CentralBucketName is the deterministic name of the central log bucket.
func CentralBucketName(c config.Config) string {
	return fmt.Sprintf("session-audit-logs-%s-%s", c.LogArchiveAccountID, c.HomeRegion)
}

// AccessLogsBucketName is the deterministic name of the central bucket's access-log bucket.
func AccessLogsBucketName(c config.Config) string {
	return fmt.Sprintf("session-audit-access-logs-%s-%s", c.LogArchiveAccountID, c.HomeRegion)
}

// QueryResultsBucketName is the deterministic name of the archive search's results bucket.
func QueryResultsBucketName(c config.Config) string {
	return fmt.Sprintf("session-audit-query-results-%s-%s", c.LogArchiveAccountID, c.HomeRegion)
}

// CentralBucketArn is the central bucket's ARN in the given partition (a token is fine).
func CentralBucketArn(partition string, c config.Config) string {
	return fmt.Sprintf("arn:%s:s3:::%s", partition, CentralBucketName(c))
}

// BusName is the central event bus of notifications (log-archive account, home region).
const BusName = "session-audit"

// AlarmNamePrefix starts the name of every sessionaudit alarm; alarms with it are announced.
const AlarmNamePrefix = "session-audit-"

// BusArn is the central event bus's ARN.
func BusArn(partition string, c config.Config) string {
	return fmt.Sprintf("arn:%s:events:%s:%s:event-bus/%s", partition, c.HomeRegion, c.LogArchiveAccountID, BusName)
}

// DestinationName is the deterministic name of the log-archive CloudWatch Logs destination in
// every governed region.
const DestinationName = "session-audit"

// DestinationArn is the ARN of the log-archive destination in region (a token is fine).
func DestinationArn(partition, region string, c config.Config) string {
	return fmt.Sprintf("arn:%s:logs:%s:%s:destination:%s", partition, region, c.LogArchiveAccountID, DestinationName)
}

// StreamNamePrefix starts the name of every Firehose stream; the stream of a source region is
// "<prefix><region>" (logreceiver.StreamName).
const StreamNamePrefix = "session-audit-"

// StreamArn is the ARN of the Firehose stream (log-archive account, home region) that receives the
// forwarded logs of sourceRegion.
func StreamArn(partition, sourceRegion string, c config.Config) string {
	return fmt.Sprintf("arn:%s:firehose:%s:%s:deliverystream/%s", partition, c.HomeRegion, c.LogArchiveAccountID, logreceiver.StreamName(StreamNamePrefix, sourceRegion))
}

// MemberNamePrefix starts the names of what sessionaudit names in member accounts (notification
// rules, the preferences document handler's role); the guardrails protect them by it.
const MemberNamePrefix = "session-audit-"

// DocumentHandlerRoleName is the role of the preferences document handler in a member account
// and region (IAM role names are unique per account, so the region is part of it).
func DocumentHandlerRoleName(region string) string { return MemberNamePrefix + "preferences-" + region }
