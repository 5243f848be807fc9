package cli

import (
	"slices"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/operator/permissions"
)

// iamPrefixes are the IAM service prefixes (Service Authorization Reference, "Actions, resources,
// and condition keys for AWS services") of the SDK service IDs the commands call. The test derives
// each recorded operation's IAM action from them, independently of permissions.Operations.
var iamPrefixes = map[string]string{
	"Account": "account", "Athena": "athena", "CloudFormation": "cloudformation", "CloudTrail": "cloudtrail",
	"CloudWatch": "cloudwatch", "CloudWatch Logs": "logs", "EC2": "ec2", "ECS": "ecs", "EventBridge": "events",
	"Firehose": "firehose", "IAM": "iam", "KMS": "kms", "Organizations": "organizations", "S3": "s3",
	"SNS": "sns", "SQS": "sqs", "SSM": "ssm", "SSM GuiConnect": "ssm-guiconnect", "STS": "sts",
}

// actionExceptions are the operations whose IAM action is not "<prefix>:<operation>".
var actionExceptions = map[string]string{
	// "No permissions are required to perform this operation" (STS API reference).
	"STS GetCallerIdentity": "",
	// ListObjectsV2 is authorized by s3:ListBucket (S3 API reference, ListObjectsV2 "Permissions").
	"S3 ListObjectsV2": "s3:ListBucket",
	// S3 API reference, GetObjectLockConfiguration and GetBucketLifecycleConfiguration,
	// "Permissions"; Service Authorization Reference, Amazon S3 actions.
	"S3 GetObjectLockConfiguration":      "s3:GetBucketObjectLockConfiguration",
	"S3 GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
	// S3 API reference, ListObjectVersions, "Permissions": s3:ListBucketVersions.
	"S3 ListObjectVersions": "s3:ListBucketVersions",
}

// expectedAction is the IAM action of a recorded operation ("<service ID> <operation>").
func expectedAction(t *testing.T, key string) (string, bool) {
	t.Helper()
	if a, ok := actionExceptions[key]; ok {
		return a, true
	}
	i := strings.LastIndex(key, " ")
	prefix, ok := iamPrefixes[key[:max(i, 0)]]
	if i < 0 || !ok {
		t.Errorf("operation %q: its service has no IAM prefix in this test's table (add it from the Service Authorization Reference)", key)
		return "", false
	}
	return prefix + ":" + key[i+1:], true
}

// grantedActions are the actions of the Allow statements of the printed policy.
func grantedActions(t *testing.T) map[string]bool {
	t.Helper()
	return policyActions(t, permissions.PolicyJSON())
}

// checkPolicyGrants: for every recorded operation, the printed policy allows its IAM action, and
// permissions.Operations names that action (so that dropping or misspelling an action fails).
func checkPolicyGrants(t *testing.T, recorded []string) {
	t.Helper()
	granted := grantedActions(t)
	for _, key := range recorded {
		want, ok := expectedAction(t, key)
		if !ok {
			continue
		}
		if got := permissions.ActionOf(key); got != want {
			t.Errorf("%s: permissions.Operations gives IAM action %q, want %q", key, got, want)
		}
		if want != "" && !granted[want] {
			t.Errorf("%s: the policy does not allow %s", key, want)
		}
	}
}

// The test's own derivation knows the exceptions it claims, and finds a dropped action.
func TestExpectedAction(t *testing.T) {
	cases := map[string]string{
		"SSM ListDocuments": "ssm:ListDocuments", "CloudWatch Logs DescribeLogGroups": "logs:DescribeLogGroups",
		"EventBridge ListRules": "events:ListRules", "S3 ListObjectsV2": "s3:ListBucket", "STS GetCallerIdentity": "",
		"SSM GuiConnect GetConnectionRecordingPreferences": "ssm-guiconnect:GetConnectionRecordingPreferences",
	}
	for key, want := range cases {
		if got, ok := expectedAction(t, key); !ok || got != want {
			t.Errorf("expectedAction(%q) = %q, want %q", key, got, want)
		}
	}
	granted := grantedActions(t)
	for _, a := range []string{"ssm:ListDocuments", "sts:AssumeRole", "logs:PutLogEvents", "s3:ListBucket"} {
		if !granted[a] {
			t.Errorf("the policy does not allow %s", a)
		}
	}
	if granted["ssm:ListDocument"] || slices.Contains(permissions.Actions(), "") {
		t.Errorf("the policy allows an action nobody calls, or an empty one")
	}
}
