// Package install derives the names and ARNs of a deployed sessionaudit from the few identifiers
// it was deployed with, without its configuration or the CDK: what another app or a script needs
// to connect to an install (send logs to its destination, events to its bus, grant on its bucket).
// The app's stacks name everything with it, so the two cannot drift.
//
//	i := install.Install{LogArchiveAccountID: "222222222222", HomeRegion: "eu-west-1"}
//	i.DestinationArn("eu-central-1") // arn:aws:logs:eu-central-1:222222222222:destination:session-audit
package install

import (
	"fmt"

	"github.com/sessionaudit/sessionaudit/regions"
)

// Fixed names of every install.
const (
	// BusName is the central event bus of notifications (log-archive account, home region).
	BusName = "session-audit"
	// DestinationName is the CloudWatch Logs destination in every governed region.
	DestinationName = "session-audit"
	// StreamNamePrefix starts the name of every Firehose stream: "<prefix><source region>".
	StreamNamePrefix = "session-audit-"
	// AlarmNamePrefix starts the name of every sessionaudit alarm; alarms with it are announced.
	AlarmNamePrefix = "session-audit-"
	// MemberNamePrefix starts the names of what sessionaudit names in member accounts
	// (notification rules, the preferences document handler's role); the guardrails protect them.
	MemberNamePrefix = "session-audit-"
	// LogKeyAlias and SessionKeyAlias are the keys' aliases in every governed region.
	LogKeyAlias     = "alias/session-audit"
	SessionKeyAlias = "alias/session-audit-session"
	// DigestKeyAlias is the alias of the key that signs the archive's hourly digests
	// (constructs/digest), in the home region.
	DigestKeyAlias = "alias/session-audit-digests"
)

// Install identifies a deployed sessionaudit.
type Install struct {
	// LogArchiveAccountID holds the bucket, keys, bus and destinations. Required.
	LogArchiveAccountID string
	// HomeRegion holds the bucket, the primary keys, the bus and the streams. Required.
	HomeRegion string
	// Partition of the install. Default: the home region's (Partition).
	Partition string
}

func (i Install) partition() string {
	if i.Partition != "" {
		return i.Partition
	}
	return Partition(i.HomeRegion)
}

// CentralBucketName is the central log bucket.
func (i Install) CentralBucketName() string {
	return fmt.Sprintf("session-audit-logs-%s-%s", i.LogArchiveAccountID, i.HomeRegion)
}

// CentralBucketArn is the central log bucket's ARN.
func (i Install) CentralBucketArn() string {
	return fmt.Sprintf("arn:%s:s3:::%s", i.partition(), i.CentralBucketName())
}

// AccessLogsBucketName is the central bucket's access-log bucket.
func (i Install) AccessLogsBucketName() string {
	return fmt.Sprintf("session-audit-access-logs-%s-%s", i.LogArchiveAccountID, i.HomeRegion)
}

// QueryResultsBucketName is the archive search's results bucket.
func (i Install) QueryResultsBucketName() string {
	return fmt.Sprintf("session-audit-query-results-%s-%s", i.LogArchiveAccountID, i.HomeRegion)
}

// BusArn is the central event bus.
func (i Install) BusArn() string {
	return fmt.Sprintf("arn:%s:events:%s:%s:event-bus/%s", i.partition(), i.HomeRegion, i.LogArchiveAccountID, BusName)
}

// DestinationArn is the CloudWatch Logs destination of a governed region.
func (i Install) DestinationArn(region string) string {
	return fmt.Sprintf("arn:%s:logs:%s:%s:destination:%s", i.partition(), region, i.LogArchiveAccountID, DestinationName)
}

// StreamName is the Firehose stream (home region) that receives the logs of sourceRegion.
func StreamName(sourceRegion string) string { return StreamNamePrefix + sourceRegion }

// StreamArn is the ARN of the Firehose stream that receives the logs of sourceRegion.
func (i Install) StreamArn(sourceRegion string) string {
	return fmt.Sprintf("arn:%s:firehose:%s:%s:deliverystream/%s", i.partition(), i.HomeRegion, i.LogArchiveAccountID, StreamName(sourceRegion))
}

// LogKeyAliasArn and SessionKeyAliasArn are the keys' aliases in a governed region.
func (i Install) LogKeyAliasArn(region string) string {
	return fmt.Sprintf("arn:%s:kms:%s:%s:%s", i.partition(), region, i.LogArchiveAccountID, LogKeyAlias)
}

// SessionKeyAliasArn is the session key's alias in a governed region.
func (i Install) SessionKeyAliasArn(region string) string {
	return fmt.Sprintf("arn:%s:kms:%s:%s:%s", i.partition(), region, i.LogArchiveAccountID, SessionKeyAlias)
}

// Partition is the AWS partition of a region code (package regions: CDK's region facts).
func Partition(region string) string { return regions.Partition(region) }
