package archivesearch

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/acknowledge"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/logbucket"
	"github.com/sessionaudit/sessionaudit/constructs/orgkey"
)

// auditorPolicy lets its holders run queries in the workgroup (and only there), read the tables'
// definitions, read the archive's logs, transcripts and ledger (not the rest of the bucket) and their
// query results. Reads are decrypted through S3 only (kms:ViaService). Athena reads the data with
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
	forwarded := bucket + "/" + archivelayout.ForwardedPrefix + "*"
	transcripts := bucket + "/" + archivelayout.TranscriptPrefix + "*"
	ledger := bucket + "/" + archivelayout.LedgerPrefix + "*"
	results := *s.ResultsBucket.BucketArn() + "/*"
	policy := awsiam.NewManagedPolicy(scope, jsii.String("AuditorPolicy"), &awsiam.ManagedPolicyProps{
		Description: jsii.String("sessionaudit: search the session archive with the saved queries of the session-audit workgroup"),
		Statements: &[]awsiam.PolicyStatement{
			st("RunQueriesInTheWorkGroup", []string{
				"athena:StartQueryExecution", "athena:StopQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
				"athena:GetQueryRuntimeStatistics", "athena:ListQueryExecutions", "athena:GetWorkGroup",
				"athena:ListNamedQueries", "athena:GetNamedQuery", "athena:BatchGetNamedQuery", "athena:BatchGetQueryExecution",
			}, []string{arn("athena", "workgroup/"+*s.WorkGroup.Name())}, nil),
			st("ReadTableDefinitions", []string{"glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartition", "glue:GetPartitions"},
				[]string{arn("glue", "catalog"), arn("glue", "database/"+*s.Database.Ref()), tables}, nil),
			st("LocateTheArchive", []string{"s3:GetBucketLocation"}, []string{bucket}, nil),
			st("ListTheArchive", []string{"s3:ListBucket"}, []string{bucket},
				map[string]any{"StringLike": map[string]any{"s3:prefix": []string{archivelayout.ForwardedPrefix + "*", archivelayout.TranscriptPrefix + "*", archivelayout.LedgerPrefix + "*"}}}),
			st("UseTheResults", []string{"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListBucket", "s3:GetBucketLocation", "s3:ListMultipartUploadParts"},
				[]string{*s.ResultsBucket.BucketArn(), results}, nil),
			st("EncryptTheResults", []string{"kms:GenerateDataKey", "kms:Decrypt"}, []string{*p.Key.KeyArn()},
				map[string]any{"StringEquals": orgkey.ThroughS3(stack.Region(), s.ResultsBucket.BucketArn())}),
		},
	})
	// Reading the archive: the central bucket's read access (objects, and the key through S3 for
	// that bucket only).
	for _, st := range (logbucket.Access{
		BucketArn: jsii.String(bucket), Objects: *jsii.Strings(forwarded, transcripts, ledger), KeyArns: []*string{p.Key.KeyArn()}, Region: stack.Region(),
		ObjectSid: jsii.String("ReadTheArchive"), KeySid: jsii.String("DecryptTheArchive"),
	}).ReadStatements() {
		policy.AddStatements(st)
	}
	for _, w := range []struct{ resource, reason string }{
		{tables, "the tables of this database (Athena reads a table's definition and partitions by name)"},
		{forwarded, "the forwarded logs the tables read, every account and day: an auditor's search spans the organization"},
		{transcripts, "the transcripts the transcript table reads, every account"},
		{ledger, "the ledger the ledger table reads, every hour: an auditor's search spans the organization"},
		{results, "the workgroup's own results bucket, where Athena writes each query's results under a generated key"},
	} {
		acknowledge.On(policy, acknowledge.Finding{ID: "AwsSolutions-IAM5[" + acknowledge.Resource(scope, jsii.String(w.resource)) + "]", Reason: w.reason})
	}
	return policy
}
