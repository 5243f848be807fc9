package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
	"github.com/sessionaudit/sessionaudit/constructs/coveragecheck"
	"github.com/sessionaudit/sessionaudit/constructs/digest"
	"github.com/sessionaudit/sessionaudit/constructs/ledger"
	"github.com/sessionaudit/sessionaudit/constructs/logbucket"
	"github.com/sessionaudit/sessionaudit/constructs/loginnotifier"
	"github.com/sessionaudit/sessionaudit/constructs/logkey"
	"github.com/sessionaudit/sessionaudit/constructs/logreceiver"
	"github.com/sessionaudit/sessionaudit/constructs/sessionkey"
)

// LogArchive is the SessionAudit-LogArchive stack: the central key and bucket, in the log-archive
// account's home region.
type LogArchive struct {
	// Stack is the CDK stack: pass it where CDK takes a construct or a stack.
	Stack awscdk.Stack
	// Key is the organization's LogKey (primary, multi-Region).
	Key *logkey.Key
	// Bucket is the CentralLogBucket.
	Bucket *logbucket.CentralLogBucket
	// Inbox is the central side of LoginNotifier.
	Inbox *loginnotifier.Inbox
	// LogReceiver holds one Firehose stream per governed region into the bucket; the destinations
	// of the receiver stacks point at them.
	LogReceiver *logreceiver.Receiver
	// Ledger writes every access event of the central bus into the bucket.
	Ledger *ledger.Ledger
	// SessionKey encrypts the organization's session data (primary, multi-Region); nil unless
	// session.encryptionKey is "organization".
	SessionKey *sessionkey.Key
	// Search holds the archive's tables, the Athena workgroup, saved queries and auditor policy.
	Search *archivesearch.Search
	// CoverageCheck announces yesterday's coverage gaps on the topic; nil unless
	// notifications.dailyCoverage.
	CoverageCheck *coveragecheck.CoverageCheck
}

// NewLogArchive creates the SessionAudit-LogArchive stack.
func NewLogArchive(scope constructs.Construct, c config.Config) *LogArchive {
	stack := newProtectedStack(scope, c, LogArchiveStackName, c.LogArchiveAccountID, c.HomeRegion,
		"sessionaudit: central KMS key and S3 bucket for the organization's Session Manager and RDP audit logs")
	key := logkey.New(stack, "LogKey", &logkey.Props{
		OrganizationID:     jsii.String(c.OrganizationID),
		CentralBucketArn:   jsii.String(CentralBucketArn(*stack.Partition(), c)),
		WriterLogGroupName: jsii.String(SessionLogGroupOfCaller),
	})
	bucket := logbucket.New(stack, "CentralLogBucket", &logbucket.Props{
		OrganizationID:       jsii.String(c.OrganizationID),
		EncryptionKey:        key.Key,
		BucketName:           jsii.String(CentralBucketName(c)),
		AccessLogsBucketName: jsii.String(AccessLogsBucketName(c)),
		ObjectLockMode:       jsii.String(c.Retention.ObjectLockMode),
		RetentionDays:        jsii.Number(float64(c.Retention.ArchiveDays)),
	})

	var recordings *string
	if c.RDPRecording.Enabled {
		recordings = jsii.String(CentralBucketName(c))
	}
	inbox := loginnotifier.NewInbox(stack, "LoginNotifier", &loginnotifier.InboxProps{
		RecordingBucketName: recordings,
		OrganizationID:      jsii.String(c.OrganizationID),
		BusName:             jsii.String(BusName),
		Emails:              c.Notifications.Emails,
		Chat:                c.Notifications.Chat,
		BucketName:          jsii.String(CentralBucketName(c)),
		AlarmNamePrefix:     jsii.String(AlarmNamePrefix),
		GovernedRegions:     c.Regions,
	})

	regions := append([]string(nil), c.Regions...)
	receiver := logreceiver.New(stack, "LogReceiver", &logreceiver.Props{
		SourceRegions:    regions,
		StreamNamePrefix: jsii.String(StreamNamePrefix),
		BucketArn:        jsii.String(CentralBucketArn(*stack.Partition(), c)),
		EncryptionKeyArn: key.Key.KeyArn(),
		LogKeyArn:        key.Key.KeyArn(),
		AlarmNamePrefix:  jsii.String(AlarmNamePrefix),
	})
	// Same account and region as the topic: the delivery alarms notify it directly.
	receiver.AddAlarmAction(awscloudwatchactions.NewSnsAction(inbox.Topic))
	events := ledger.New(stack, "Ledger", &ledger.Props{
		Bus: inbox.Bus, RuleName: jsii.String(BusName + "-Ledger"), StreamName: jsii.String(StreamNamePrefix + "ledger"),
		BucketArn: jsii.String(CentralBucketArn(*stack.Partition(), c)), EncryptionKeyArn: key.Key.KeyArn(),
		ErrorLogGroup: receiver.ErrorLogGroup, ErrorLogKeyArn: key.Key.KeyArn(),
		DeadLetterQueue: inbox.DeadLetterQueue, AlarmNamePrefix: jsii.String(AlarmNamePrefix),
	})
	events.AddAlarmAction(awscloudwatchactions.NewSnsAction(inbox.Topic))

	var sessionKey *sessionkey.Key
	if c.Session.EncryptionKey == config.SessionKeyOrganization {
		sessionKey = sessionkey.New(stack, "SessionKey", &sessionkey.Props{OrganizationID: jsii.String(c.OrganizationID)})
	}

	search := archivesearch.New(stack, "ArchiveSearch", &archivesearch.Props{
		BucketName:                 jsii.String(CentralBucketName(c)),
		Key:                        key.Key,
		Regions:                    regions,
		RetentionDays:              jsii.Number(float64(c.Retention.ArchiveDays)),
		BytesScannedCutoffPerQuery: jsii.Number(float64(c.Search.BytesScannedCutoffPerQuery)),
		ResultsBucketName:          jsii.String(QueryResultsBucketName(c)),
		AccessLogsBucket:           bucket.AccessLogsBucket,
	})

	// The archive's signed hourly digests (docs/evidence.md).
	digest.New(stack, "Digests", &digest.Props{Bucket: bucket.Bucket, BucketKey: key.Key})

	// Yesterday's coverage gaps, announced once a day (docs/notifications.md).
	var check *coveragecheck.CoverageCheck
	if c.Notifications.DailyCoverage {
		check = coveragecheck.New(stack, "CoverageCheck", &coveragecheck.Props{
			Topic: inbox.Topic, TopicKey: inbox.Key, Search: search,
			ArchiveBucketName: jsii.String(CentralBucketName(c)), ArchiveKey: key.Key,
			Regions: regions, Phase: jsii.String(c.Rollout.Phase), DeadLetterQueue: inbox.DeadLetterQueue,
		})
	}

	output := func(id, value, description string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: jsii.String(value), Description: jsii.String(description)})
	}
	output("CentralBucketName", *bucket.Bucket.BucketName(), "Name of the central log bucket")
	output("CentralBucketArn", *bucket.Bucket.BucketArn(), "ARN of the central log bucket")
	output("LogKeyArn", *key.Key.KeyArn(), "ARN of the multi-Region log key (primary)")
	output("LogKeyId", *key.Key.KeyId(), "ID of the multi-Region log key (mrk-…), the same in every region")
	output("NotificationTopicArn", *inbox.Topic.TopicArn(), "Topic with one message per session event, sign-in and delivery alarm")
	if inbox.ChatTopic != nil {
		output("ChatTopicArn", *inbox.ChatTopic.TopicArn(), "Topic in the chat integrations' custom notification format")
	}
	output("AuditorPolicyArn", *search.AuditorPolicy.ManagedPolicyArn(), "Attach to the people who search the archive (Athena workgroup "+*search.WorkGroup.Name()+")")
	if sessionKey != nil {
		output("SessionKeyArn", *sessionKey.Key.KeyArn(), "ARN of the multi-Region session key (primary); users who start sessions need kms:GenerateDataKey on arn:<partition>:kms:*:<log-archive account>:key/<SessionKeyId>")
		output("SessionKeyId", *sessionKey.Key.KeyId(), "ID of the multi-Region session key (mrk-…), the same in every region")
	}
	return &LogArchive{Stack: stack, Key: key, Bucket: bucket, Inbox: inbox, LogReceiver: receiver, Ledger: events, SessionKey: sessionKey, Search: search, CoverageCheck: check}
}
