package archivesearch

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/acknowledge"
	"github.com/sessionaudit/sessionaudit/constructs/logbucket"
	"github.com/sessionaudit/sessionaudit/constructs/orgkey"
)

// The auditor policy's actions, by statement. operator/permissions prints, from these same lists,
// the part the auditor commands need (sessionaudit policy -auditor), and a test there checks that
// this policy grants all of it.
var (
	// AuditorQueryActions run a query and read its state and results: what the commands call.
	AuditorQueryActions = []string{"athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults"}
	// AuditorConsoleActions are the rest of the workgroup's actions, for people in the Athena
	// console (saved queries, history, stopping a query).
	AuditorConsoleActions = []string{"athena:StopQueryExecution", "athena:GetQueryRuntimeStatistics", "athena:ListQueryExecutions", "athena:GetWorkGroup",
		"athena:ListNamedQueries", "athena:GetNamedQuery", "athena:BatchGetNamedQuery", "athena:BatchGetQueryExecution"}
	// AuditorTableActions read the tables' definitions, which Athena does with the caller's
	// credentials.
	AuditorTableActions = []string{"glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"}
	// AuditorResultsActions write and read the query results, which Athena does with the caller's
	// credentials ("Access to Amazon S3" in the Athena user guide).
	AuditorResultsActions = []string{"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListBucket", "s3:GetBucketLocation", "s3:ListMultipartUploadParts"}
	// AuditorResultsKeyActions encrypt and decrypt the results through S3.
	AuditorResultsKeyActions = []string{"kms:GenerateDataKey", "kms:Decrypt"}
	// AuditorVersionActions read an object's given version (validate reads the digests and each
	// object version they list: S3 API reference, GetObject, "Permissions": a VersionId needs
	// s3:GetObjectVersion); the archive's objects themselves are read with logbucket.ReadActions.
	AuditorVersionActions = []string{"s3:GetObjectVersion"}
	// AuditorKeyListActions list one key's objects and versions (Prefix = the key): a missing key's
	// 404 (GetObject needs s3:ListBucket for it), coverage's transcript lookup, validate's versions
	// (ListObjectVersions needs s3:ListBucketVersions).
	AuditorKeyListActions = []string{"s3:ListBucket", "s3:ListBucketVersions"}
	// AuditorKeyListCondition lets AuditorKeyListActions list only with a prefix of one character
	// or more: never the whole bucket (IAM user guide, "Condition operators": StringLike on a key
	// the request lacks does not match; s3:prefix, Service Authorization Reference, Amazon S3).
	AuditorKeyListCondition = map[string]any{"StringLike": map[string]any{"s3:prefix": "?*"}}
)

// auditorPolicy lets its holders run queries in the workgroup (and only there), read the tables'
// definitions, read the archive by key (its logs, transcripts and ledger for the tables; the digests
// and every object version they list for sessionaudit validate), list one key at a time, and use
// their query results. Reads are decrypted through S3 only (kms:ViaService). Athena reads the data with
// the caller's credentials ("Access to Amazon S3" in the Athena user guide: users need S3
// permissions on the data and on the results location).
func auditorPolicy(scope constructs.Construct, stack awscdk.Stack, s *Search, p Props) awsiam.ManagedPolicy {
	arn := func(service, resource string) string {
		return fmt.Sprintf("arn:%s:%s:%s:%s:%s", *stack.Partition(), service, *stack.Region(), *stack.Account(), resource)
	}
	bucket := fmt.Sprintf("arn:%s:s3:::%s", *stack.Partition(), *p.BucketName)
	st := func(sid string, actions []string, resources []string, conditions map[string]any) awsiam.PolicyStatement {
		props := &awsiam.PolicyStatementProps{Sid: jsii.String(sid), Actions: jsii.Strings(actions...), Resources: jsii.Strings(resources...)}
		if conditions != nil {
			props.Conditions = &conditions
		}
		return awsiam.NewPolicyStatement(props)
	}
	tables := arn("glue", "table/"+*s.Database.Ref()+"/*")
	objects := bucket + "/*"
	results := *s.ResultsBucket.BucketArn() + "/*"
	policy := awsiam.NewManagedPolicy(scope, jsii.String("AuditorPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("sessionaudit: search the session archive with the saved queries of the session-audit workgroup"),
		Statements: &[]awsiam.PolicyStatement{
			st("RunQueriesInTheWorkGroup", append(slices.Clone(AuditorQueryActions), AuditorConsoleActions...),
				[]string{arn("athena", "workgroup/"+*s.WorkGroup.Name())}, nil),
			st("ReadTableDefinitions", AuditorTableActions,
				[]string{arn("glue", "catalog"), arn("glue", "database/"+*s.Database.Ref()), tables}, nil),
			st("LocateTheArchive", []string{"s3:GetBucketLocation"}, []string{bucket}, nil),
			// sessionaudit validate, show and coverage read the archive by key: the digests list
			// every object written, whatever its prefix.
			st("ReadObjectVersions", AuditorVersionActions, []string{bucket + "/*"}, nil),
			st("ListOneKey", AuditorKeyListActions, []string{bucket}, AuditorKeyListCondition),
			st("UseTheResults", AuditorResultsActions,
				[]string{*s.ResultsBucket.BucketArn(), results}, nil),
			st("EncryptTheResults", AuditorResultsKeyActions, []string{*p.Key.KeyArn()},
				map[string]any{"StringEquals": orgkey.ThroughS3(stack.Region(), s.ResultsBucket.BucketArn())}),
		},
	})
	// Reading the archive: the central bucket's read access (objects, and the key through S3 for
	// that bucket only).
	for _, st := range (logbucket.Access{
		BucketArn: jsii.String(bucket), Objects: *jsii.Strings(objects), KeyArns: []*string{p.Key.KeyArn()}, Region: stack.Region(),
		ObjectSid: jsii.String("ReadTheArchive"), KeySid: jsii.String("DecryptTheArchive"),
	}).ReadStatements() {
		policy.AddStatements(st)
	}
	for _, w := range []struct{ resource, reason string }{
		{tables, "the tables of this database (Athena reads a table's definition and partitions by name)"},
		{objects, "the archive: the tables read every account's forwarded logs, transcripts and ledger, and sessionaudit validate reads every object version the digests list, whatever its prefix"},
		{results, "the workgroup's own results bucket, where Athena writes each query's results under a generated key"},
	} {
		acknowledge.On(policy, acknowledge.Finding{ID: "AwsSolutions-IAM5[" + acknowledge.Resource(scope, jsii.String(w.resource)) + "]", Reason: w.reason})
	}
	return policy
}
