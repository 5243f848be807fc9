// Package accesslogs turns on S3 server access logging from one bucket to another the way S3
// recommends: the logging service principal writes under a prefix, admitted by the destination's
// bucket policy for that source bucket and account only (S3 user guide, "Enabling Amazon S3
// server access logging": "we recommend that you use a bucket policy … instead of access control
// lists"; the destination must not use ACLs).
//
// aws-cdk-lib's Bucket does the same only with the feature flag
// @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy; without it, it grants the log delivery group
// an ACL, which a bucket with ObjectOwnership BUCKET_OWNER_ENFORCED rejects. Deliver sets what it
// needs itself, so that its output does not depend on the app's flags.
//
// Feature flags: its output means the same with or without any (test/bare_test.go builds it both
// ways); @aws-cdk/core:target-partitions and @aws-cdk/aws-iam:minimizePolicies change only how the
// template is written (a literal partition, merged policy statements).
package accesslogs

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"
)

// Deliver logs requests to source into destination under prefix. The destination must be a
// bucket of this app (its policy is extended); source must be a Bucket created in this app.
func Deliver(source awss3.Bucket, destination awss3.IBucket, prefix string) {
	source.Node().DefaultChild().(awss3.CfnBucket).SetLoggingConfiguration(&awss3.CfnBucket_LoggingConfigurationProperty{
		DestinationBucketName: destination.BucketName(),
		LogFilePrefix:         jsii.String(prefix),
	})
	destination.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logging.s3.amazonaws.com"), nil)},
		Actions:    jsii.Strings("s3:PutObject"),
		Resources:  jsii.Strings(*destination.ArnForObjects(jsii.String(prefix + "*"))),
		Conditions: &map[string]any{
			"ArnLike":      map[string]any{"aws:SourceArn": source.BucketArn()},
			"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Stack_Of(source).Account()},
		},
	}))
}
