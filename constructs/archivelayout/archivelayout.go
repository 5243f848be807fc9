// Package archivelayout is the one definition of where sessionaudit writes in the central bucket.
// The writers (the Firehose streams of logreceiver, the SSM agent through sessionprefs) and the
// readers (the search tables of archivesearch, the notification formatter) take their prefixes
// and key layouts from here, and a test ties each to the synthesized templates.
//
//   - Forwarded logs: <ForwardedPrefix><region>/<yyyy>/<MM>/<dd>/<account>/<Firehose object>: GZIP,
//     one log event per line (the record processor extracts the events of each CloudWatch Logs
//     batch and returns the source account as the partition key PartitionKeyAccount). The date
//     comes before the account so that a search across the whole organization prunes by region
//     and day (Athena partition projection enumerates each partition column on its own: an
//     account column would have to be listed in every query).
//   - Session transcripts: <TranscriptPrefix><account>/<region>/<session ID>.log, written by the
//     SSM agent of each node under the preferences' s3KeyPrefix (one prefix per account, which the
//     bucket policy enforces).
//   - The ledger: <LedgerPrefix><yyyy>/<MM>/<dd>/<HH>/<Firehose object>: GZIP, one access event
//     per line, each the EventBridge event as the central bus received it (constructs/ledger). The
//     hour is Firehose's arrival time (UTC); the search reads it by day, the hours are folders
//     below the day.
package archivelayout

import "fmt"

// Prefixes of the central bucket.
const (
	// ForwardedPrefix holds the logs forwarded through the log-archive destinations.
	ForwardedPrefix = "cloudwatch/"
	// ForwardedErrorPrefix holds records Firehose could not process or deliver.
	ForwardedErrorPrefix = "cloudwatch-errors/"
	// TranscriptPrefix holds the transcripts the SSM agent uploads at the end of each session.
	TranscriptPrefix = "session-manager/"
	// LedgerPrefix holds the ledger: the access events of the central bus, as received.
	LedgerPrefix = "ledger/"
	// LedgerErrorPrefix holds ledger records Firehose could not deliver.
	LedgerErrorPrefix = "ledger-errors/"
)

// PartitionKeyAccount is the dynamic partitioning key the record processor returns (the account
// that owns the forwarded log group).
const PartitionKeyAccount = "account"

// DayFormat is the date layout of forwarded objects, in Firehose's !{timestamp:…} and Athena's
// projection.<column>.format notation (both Java date patterns).
const DayFormat = "yyyy/MM/dd"

// FirehosePrefix is the Prefix of the Firehose stream that receives the logs of sourceRegion.
func FirehosePrefix(sourceRegion string) string {
	return ForwardedPrefix + sourceRegion + "/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{partitionKeyFromLambda:" + PartitionKeyAccount + "}/"
}

// FirehoseErrorPrefix is the ErrorOutputPrefix of the stream of sourceRegion.
func FirehoseErrorPrefix(sourceRegion string) string {
	return ForwardedErrorPrefix + "!{firehose:error-output-type}/" + sourceRegion + "/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
}

// ForwardedLocationTemplate is the Athena storage.location.template of the forwarded logs, by
// partition columns region and day; the accounts of a day are the folders below it.
func ForwardedLocationTemplate(bucketName string) string {
	return fmt.Sprintf("s3://%s/%s${region}/${day}/", bucketName, ForwardedPrefix)
}

// TranscriptKeyPrefix is the s3KeyPrefix of an account and region's session preferences (no
// trailing slash: the agent adds "/<session ID>.log").
func TranscriptKeyPrefix(account, region string) string {
	return TranscriptPrefix + account + "/" + region
}

// TranscriptLocationTemplate is the Athena storage.location.template of the transcripts, by
// partition columns account and region.
func TranscriptLocationTemplate(bucketName string) string {
	return fmt.Sprintf("s3://%s/%s${account}/${region}/", bucketName, TranscriptPrefix)
}

// LedgerFirehosePrefix is the Prefix of the ledger's Firehose stream: the arrival hour (UTC).
// Amazon Data Firehose developer guide, "Understand custom prefixes for Amazon S3 objects": the
// timestamp namespace takes Java date patterns and evaluates the record's approximate arrival time
// in UTC.
func LedgerFirehosePrefix() string {
	return LedgerPrefix + "!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/!{timestamp:HH}/"
}

// LedgerFirehoseErrorPrefix is the ErrorOutputPrefix of the ledger's stream (a prefix with
// expressions needs !{firehose:error-output-type} in the error prefix).
func LedgerFirehoseErrorPrefix() string {
	return LedgerErrorPrefix + "!{firehose:error-output-type}/!{timestamp:yyyy}/!{timestamp:MM}/!{timestamp:dd}/"
}

// LedgerLocationTemplate is the Athena storage.location.template of the ledger, by partition
// column day (DayFormat); the hours of a day are the folders below it.
func LedgerLocationTemplate(bucketName string) string {
	return fmt.Sprintf("s3://%s/%s${day}/", bucketName, LedgerPrefix)
}
