package permissions

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
	"github.com/sessionaudit/sessionaudit/constructs/logbucket"
	"github.com/sessionaudit/sessionaudit/install"
)

// AuditorOperations are the calls the auditor's commands make (sessions, coverage, report, and
// validate, show and play without -file): who the caller is, the role in the log-archive account,
// the Athena queries, and reads of the archive by exact key.
var AuditorOperations = []Operation{
	{"STS", "GetCallerIdentity", "", "who runs the command (needs no permission: STS API reference)"},
	{"STS", "AssumeRole", "sts:AssumeRole", "the role in the log-archive account (-archive-role), unless the caller is that account"},
	{"Athena", "StartQueryExecution", "athena:StartQueryExecution", "sessions, coverage, show, play, report: the ledger, forwarded output and -grep queries"},
	{"Athena", "GetQueryExecution", "athena:GetQueryExecution", "the queries' state and bytes scanned"},
	{"Athena", "GetQueryResults", "athena:GetQueryResults", "the queries' rows"},
	{"S3", "ListObjectsV2", "s3:ListBucket", "coverage, report: whether a session's transcript is there (Prefix = its exact key)"},
	{"S3", "GetObject", "s3:GetObject", "validate, report: the digests, their signatures, the public key and each object version they list; coverage, sessions, report: the digests of RDP connections' hours (their recordings); show, play: the transcript"},
	{"S3", "ListObjectVersions", "s3:ListBucketVersions", "validate, report: the versions of each listed key; show, play: the transcript's (Prefix = the key)"},
}

// AuditorImpliedActions are actions the calls need besides their own (S3 API reference, GetObject,
// "Permissions": GetObject with a VersionId needs s3:GetObjectVersion; a missing key answers 404
// only with s3:ListBucket), by the recorded operation that needs them.
var AuditorImpliedActions = map[string][]string{"S3 GetObject": archivesearch.AuditorVersionActions}

// AthenaOnBehalfActions are what Athena does with the caller's credentials while it runs a query
// (Athena user guide, "Access to Amazon S3" and "Fine-grained access to databases and tables"):
// read the tables' definitions, locate and read the archive, write and read the results, and use
// the key through S3. No command calls them itself, so the recorder never sees them.
func AthenaOnBehalfActions() []string {
	return sortedUnique(slices.Concat(archivesearch.AuditorTableActions, []string{"s3:GetBucketLocation"}, logbucket.ReadActions, logbucket.ReadKeyActions,
		archivesearch.AuditorResultsActions, archivesearch.AuditorResultsKeyActions))
}

func sortedUnique(list []string) []string {
	out := slices.Clone(list)
	slices.Sort(out)
	return slices.Compact(out)
}

// AuditorActions are the actions the auditor's commands call or imply, sorted, each once.
func AuditorActions() []string {
	out := actionsOf(AuditorOperations)
	for _, also := range AuditorImpliedActions {
		out = append(out, also...)
	}
	return sortedUnique(out)
}

// AuditorActionOf is the IAM action of a recorded operation key of the auditor's commands, or "".
func AuditorActionOf(key string) string {
	for _, o := range AuditorOperations {
		if o.Key() == key {
			return o.Action
		}
	}
	return ""
}

// AuditorPolicy is the identity policy of the auditor's commands (sessionaudit policy -auditor),
// for a role in the log-archive account, or for the caller elsewhere with assumeRole allowed: the
// queries in the session-audit workgroup; the archive read by key and listed one key at a time
// (ListObjectsV2 and ListObjectVersions with the key as Prefix; never without a prefix); and what Athena does with the
// caller's credentials (AthenaOnBehalfActions). The log-archive stack's AuditorPolicyArn grants
// all of it (archivesearch builds it from the same action lists), and more for the Athena
// console.
func AuditorPolicy(assumeRole string) map[string]any {
	bucket := "arn:*:s3:::" + install.Install{LogArchiveAccountID: "*", HomeRegion: "*"}.CentralBucketName()
	results := "arn:*:s3:::" + install.Install{LogArchiveAccountID: "*", HomeRegion: "*"}.QueryResultsBucketName()
	s3Via := map[string]any{"StringLike": map[string]any{"kms:ViaService": "s3.*.amazonaws.com"}}
	statements := []any{
		map[string]any{"Sid": "SessionAuditAuditorQueries", "Effect": "Allow", "Action": archivesearch.AuditorQueryActions,
			"Resource": "arn:*:athena:*:*:workgroup/" + archivesearch.DefaultWorkGroupName},
		map[string]any{"Sid": "SessionAuditAuditorReadByKey", "Effect": "Allow",
			"Action": sortedUnique(slices.Concat(logbucket.ReadActions, archivesearch.AuditorVersionActions)), "Resource": bucket + "/*"},
		map[string]any{"Sid": "SessionAuditAuditorListOneKey", "Effect": "Allow", "Action": archivesearch.AuditorKeyListActions, "Resource": bucket,
			"Condition": archivesearch.AuditorKeyListCondition},
		map[string]any{"Sid": "SessionAuditAthenaLocatesTheArchive", "Effect": "Allow", "Action": "s3:GetBucketLocation", "Resource": bucket},
		map[string]any{"Sid": "SessionAuditAthenaReadsTables", "Effect": "Allow", "Action": archivesearch.AuditorTableActions,
			"Resource": []string{"arn:*:glue:*:*:catalog", "arn:*:glue:*:*:database/" + archivesearch.DefaultDatabaseName,
				"arn:*:glue:*:*:table/" + archivesearch.DefaultDatabaseName + "/*"}},
		map[string]any{"Sid": "SessionAuditAthenaUsesResults", "Effect": "Allow", "Action": archivesearch.AuditorResultsActions,
			"Resource": []string{results, results + "/*"}},
		map[string]any{"Sid": "SessionAuditKeyThroughS3", "Effect": "Allow",
			"Action": sortedUnique(slices.Concat(logbucket.ReadKeyActions, archivesearch.AuditorResultsKeyActions)), "Resource": "arn:*:kms:*:*:key/*", "Condition": s3Via},
	}
	if assumeRole != "" {
		statements = append(statements, map[string]any{"Sid": "SessionAuditAuditorAssumeArchiveRole", "Effect": "Allow", "Action": "sts:AssumeRole",
			"Resource": "arn:*:iam::*:role/" + assumeRole})
	}
	return map[string]any{"Version": "2012-10-17", "Statement": statements}
}

// AuditorPolicyJSON is AuditorPolicy(assumeRole) as indented JSON.
func AuditorPolicyJSON(assumeRole string) string {
	b, _ := json.MarshalIndent(AuditorPolicy(assumeRole), "", "  ")
	return strings.TrimSpace(string(b))
}
