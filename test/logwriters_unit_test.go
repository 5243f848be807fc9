package test

import (
	"strings"
	"testing"
)

// TestLogWriterProblems feeds the log-writer requirement small templates: the healthy shapes pass,
// each missing or mis-scoped part of the path is a finding, and a shape it cannot read (no
// encrypted group, a group nobody is seen writing, a filter without RoleArn) is a finding or
// ignored, never a panic.
func TestLogWriterProblems(t *testing.T) {
	group := map[string]any{"Type": "AWS::Logs::LogGroup", "Properties": map[string]any{
		"KmsKeyId": map[string]any{"Fn::GetAtt": []any{"Key", "Arn"}}, "LogGroupName": "g"}}
	put := map[string]any{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": map[string]any{"Fn::GetAtt": []any{"Group", "Arn"}}}
	key := map[string]any{"Fn::GetAtt": []any{"Key", "Arn"}}
	crypto := func(via, context string) map[string]any {
		return map[string]any{"Effect": "Allow", "Action": []any{"kms:GenerateDataKey", "kms:Decrypt"}, "Resource": key,
			"Condition": map[string]any{"StringEquals": map[string]any{"kms:ViaService": via}, "ArnLike": map[string]any{logsContextKey: context}}}
	}
	describe := func(cond map[string]any) map[string]any {
		return map[string]any{"Effect": "Allow", "Action": "kms:DescribeKey", "Resource": key, "Condition": cond}
	}
	via := map[string]any{"StringEquals": map[string]any{"kms:ViaService": "logs.r.amazonaws.com"}}
	goodCrypto := crypto("logs.r.amazonaws.com", "arn:aws:logs:r:1:log-group:g")
	role := map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{}}
	policy := func(roles []any, sts ...any) map[string]any {
		return map[string]any{"Type": "AWS::IAM::Policy", "Properties": map[string]any{"Roles": roles, "PolicyDocument": map[string]any{"Statement": sts}}}
	}
	toRole := []any{map[string]any{"Ref": "Role"}}
	tmpl := func(rs map[string]any) map[string]map[string]any {
		return map[string]map[string]any{"Stack": {"Resources": rs}}
	}
	cases := []struct {
		name      string
		templates map[string]map[string]any
		want      []string // substrings, one per expected problem; none: no problem
	}{
		{"healthy role", tmpl(map[string]any{"Group": group, "Role": role, "P": policy(toRole, put, goodCrypto, describe(via))}), nil},
		{"healthy policy attached to no role, any region", tmpl(map[string]any{"Group": group, "P": policy(nil, put,
			map[string]any{"Effect": "Allow", "Action": []any{"kms:Decrypt", "kms:GenerateDataKey"}, "Resource": "*",
				"Condition": map[string]any{"StringLike": map[string]any{"kms:ViaService": "logs.*.amazonaws.com"}, "ArnLike": map[string]any{logsContextKey: "arn:aws:logs:*:1:log-group:g"}}},
			describe(map[string]any{"StringLike": map[string]any{"kms:ViaService": "logs.*.amazonaws.com"}}))}), nil},
		{"no DescribeKey (the two actions of before)", tmpl(map[string]any{"Group": group, "Role": role, "P": policy(toRole, put, goodCrypto)}), []string{"no kms:DescribeKey"}},
		{"DescribeKey requires an encryption context KMS never sends with it", tmpl(map[string]any{"Group": group, "Role": role, "P": policy(toRole, put, goodCrypto,
			describe(map[string]any{"StringEquals": map[string]any{"kms:ViaService": "logs.r.amazonaws.com"}, "ArnLike": map[string]any{logsContextKey: "arn:aws:logs:r:1:log-group:g"}}))}), []string{"no kms:DescribeKey"}},
		{"DescribeKey not through CloudWatch Logs", tmpl(map[string]any{"Group": group, "Role": role, "P": policy(toRole, put, goodCrypto, describe(nil))}), []string{"no kms:DescribeKey"}},
		{"context of every log group", tmpl(map[string]any{"Group": group, "Role": role, "P": policy(toRole, put, crypto("logs.r.amazonaws.com", "arn:aws:logs:r:1:log-group:*"), describe(via))}), []string{"no kms:GenerateDataKey"}},
		{"context of another log group", tmpl(map[string]any{"Group": group, "Role": role, "P": policy(toRole, put, crypto("logs.r.amazonaws.com", "arn:aws:logs:r:1:log-group:other"), describe(via))}), []string{"no kms:GenerateDataKey"}},
		{"through S3, not CloudWatch Logs", tmpl(map[string]any{"Group": group, "Role": role, "P": policy(toRole, put, crypto("s3.r.amazonaws.com", "arn:aws:logs:r:1:log-group:g"), describe(via))}), []string{"no kms:GenerateDataKey"}},
		{"another key", tmpl(map[string]any{"Group": group, "Role": role, "P": policy(toRole, put, func() map[string]any {
			s := crypto("logs.r.amazonaws.com", "arn:aws:logs:r:1:log-group:g")
			s["Resource"] = map[string]any{"Fn::GetAtt": []any{"OtherKey", "Arn"}}
			return s
		}(), describe(via))}), []string{"no kms:GenerateDataKey"}},
		{"Firehose logs errors with a role that has no path", tmpl(map[string]any{"Group": group, "Role": role,
			"Stream": map[string]any{"Type": "AWS::KinesisFirehose::DeliveryStream", "Properties": map[string]any{"ExtendedS3DestinationConfiguration": map[string]any{
				"RoleARN": map[string]any{"Fn::GetAtt": []any{"Role", "Arn"}}, "CloudWatchLoggingOptions": map[string]any{"Enabled": true, "LogGroupName": map[string]any{"Ref": "Group"}}}}}}),
			[]string{"no kms:GenerateDataKey", "no kms:DescribeKey"}},
		{"a subscription filter's role only validates", tmpl(map[string]any{"Group": group, "Role": role, "P": policy(toRole, put, goodCrypto, describe(via)),
			"Validator": role, "V": policy([]any{map[string]any{"Ref": "Validator"}}, put),
			"Filter": map[string]any{"Type": "AWS::Logs::SubscriptionFilter", "Properties": map[string]any{"RoleArn": map[string]any{"Fn::GetAtt": []any{"Validator", "Arn"}}}}}), nil},
		{"a filter without RoleArn and a resource without Properties", tmpl(map[string]any{"Group": group, "Role": role, "P": policy(toRole, put, goodCrypto, describe(via)),
			"Filter": map[string]any{"Type": "AWS::Logs::SubscriptionFilter"}, "Bare": map[string]any{"Type": "AWS::IAM::Policy"}}), nil},
		{"an encrypted group nobody is seen writing", tmpl(map[string]any{"Group": group}), []string{"no writer"}},
		{"no encrypted group at all", tmpl(map[string]any{"Role": role}), []string{"no log group encrypted"}},
		{"no resources", map[string]map[string]any{"Stack": {}}, []string{"no log group encrypted"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := logWriterProblems(c.templates)
			if len(got) != len(c.want) {
				t.Fatalf("got %d problems %q, want %d (%q)", len(got), got, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d is %q, want one containing %q", i, got[i], w)
				}
			}
		})
	}
}
