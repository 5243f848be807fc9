package check

import (
	"slices"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
)

// denied formats regionDeny's answer: "<region>" when certain, "<region>?" when it may deny, and
// "<region>[services]" when the services are not all of stackSetServices.
func denied(ds []denial) []string {
	var out []string
	for _, d := range ds {
		s := d.Region
		if !slices.Equal(d.Services, stackSetServices) {
			s += "[" + strings.Join(d.Services, ",") + "]"
		}
		if !d.Certain {
			s += "?"
		}
		out = append(out, s)
	}
	return out
}

// Every form of region deny of the IAM policy grammar and AWS's SCP examples, each as a policy that
// denies the StackSet and one that does not. Governed regions: eu-west-1, us-east-1, eu-north-1.
func TestRegionDeny(t *testing.T) {
	const (
		allowEU = `"Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-north-1"]}}`
		denyUS  = `"Condition":{"StringEquals":{"aws:RequestedRegion":["us-east-1","us-west-2"]}}`
		exec    = `"arn:aws:iam::*:role/stacksets-exec-*"`
		nonIAM  = `"Effect":"Deny","NotAction":["iam:*","organizations:*","sts:*","support:*"],"Resource":"*"`
		denyAll = `"Effect":"Deny","Action":"*","Resource":"*"`
		// every service but IAM, whose requests carry us-east-1 whichever region the stack is in
		regional = "[cloudformation,events,lambda,logs,sqs]"
	)
	cases := []struct {
		name   string
		policy string
		want   []string
	}{
		// allow-lists
		{"allow-list StringNotEquals, NotAction of global services", `{"Statement":{` + nonIAM + `,` + allowEU + `}}`, []string{"us-east-1[cloudformation,events,lambda,logs,sqs]"}},
		{"allow-list of every region", `{"Statement":{` + nonIAM + `,"Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-north-1","us-east-1"]}}}}`, nil},
		{"allow-list StringNotLike wildcard", `{"Statement":[{` + denyAll + `,"Condition":{"StringNotLike":{"aws:RequestedRegion":["eu-*"]}}}]}`, []string{"eu-west-1[iam]", "us-east-1", "eu-north-1[iam]"}},
		{"allow-list StringNotLike ? wildcard covering all", `{"Statement":[{` + denyAll + `,"Condition":{"StringNotLike":{"aws:RequestedRegion":["eu-????-1","eu-?????-1","us-east-?"]}}}]}`, nil},
		{"allow-list StringNotEqualsIgnoreCase", `{"Statement":[{` + denyAll + `,"Condition":{"StringNotEqualsIgnoreCase":{"aws:requestedregion":["EU-WEST-1","US-EAST-1"]}}}]}`, []string{"eu-north-1" + regional + ""}},
		{"allow-list StringNotEquals is case-sensitive", `{"Statement":[{` + denyAll + `,"Condition":{"StringNotEquals":{"aws:RequestedRegion":["EU-WEST-1","us-east-1","eu-north-1"]}}}]}`, []string{"eu-west-1" + regional + ""}},
		{"allow-list IfExists", `{"Statement":[{` + denyAll + `,"Condition":{"StringNotEqualsIfExists":{"aws:RequestedRegion":["eu-west-1","eu-north-1"]}}}]}`, []string{"eu-west-1[iam]", "us-east-1", "eu-north-1[iam]"}},
		{"allow-list ForAllValues:", `{"Statement":[{` + denyAll + `,"Condition":{"ForAllValues:StringNotEquals":{"aws:RequestedRegion":["eu-west-1","eu-north-1"]}}}]}`, []string{"eu-west-1[iam]", "us-east-1", "eu-north-1[iam]"}},
		{"allow-list ForAnyValue: allowing all", `{"Statement":[{` + denyAll + `,"Condition":{"ForAnyValue:StringNotLike":{"aws:RequestedRegion":["eu-*","us-*"]}}}]}`, nil},
		// block-lists
		{"block-list StringEquals", `{"Statement":[{` + denyAll + `,` + denyUS + `}]}`, []string{"eu-west-1[iam]", "us-east-1", "eu-north-1[iam]"}},
		{"block-list of other regions", `{"Statement":[{` + denyAll + `,"Condition":{"StringEquals":{"aws:RequestedRegion":["ap-south-1"]}}}]}`, nil},
		{"block-list StringLike wildcard", `{"Statement":[{` + denyAll + `,"Condition":{"StringLike":{"aws:RequestedRegion":"eu-*"}}}]}`, []string{"eu-west-1" + regional + "", "eu-north-1" + regional + ""}},
		{"block-list StringLike ?", `{"Statement":[{` + denyAll + `,"Condition":{"StringLike":{"aws:RequestedRegion":"eu-?est-1"}}}]}`, []string{"eu-west-1" + regional + ""}},
		{"block-list StringEqualsIfExists", `{"Statement":[{` + denyAll + `,"Condition":{"StringEqualsIfExists":{"aws:RequestedRegion":"eu-north-1"}}}]}`, []string{"eu-north-1" + regional + ""}},
		{"block-list ForAnyValue:StringEquals", `{"Statement":[{` + denyAll + `,"Condition":{"ForAnyValue:StringEquals":{"aws:RequestedRegion":["eu-north-1"]}}}]}`, []string{"eu-north-1" + regional + ""}},
		{"block-list ForAllValues:StringEqualsIgnoreCase", `{"Statement":[{` + denyAll + `,"Condition":{"ForAllValues:StringEqualsIgnoreCase":{"aws:RequestedRegion":["EU-NORTH-1"]}}}]}`, []string{"eu-north-1" + regional + ""}},
		// Action / NotAction
		{"Action cloudformation:*", `{"Statement":[{"Effect":"Deny","Action":"cloudformation:*","Resource":"*",` + denyUS + `}]}`, []string{"us-east-1[cloudformation]"}},
		{"Action CloudFormation:Create* (case-insensitive)", `{"Statement":[{"Effect":"Deny","Action":["CloudFormation:Create*"],"Resource":"*",` + denyUS + `}]}`, []string{"us-east-1[cloudformation]"}},
		{"Action logs:CreateLogGroup only", `{"Statement":[{"Effect":"Deny","Action":"logs:CreateLogGroup","Resource":"*",` + denyUS + `}]}`, []string{"us-east-1[logs]"}},
		{"Action of a service the StackSet does not use", `{"Statement":[{"Effect":"Deny","Action":["ec2:*","s3:*"],"Resource":"*",` + denyUS + `}]}`, nil},
		{"NotAction exempts cloudformation only: the resources are still denied", `{"Statement":[{"Effect":"Deny","NotAction":"cloudformation:*","Resource":"*",` + denyUS + `}]}`, []string{"eu-west-1[iam]", "us-east-1[events,iam,lambda,logs,sqs]", "eu-north-1[iam]"}},
		{"NotAction exempts every service the StackSet uses", `{"Statement":[{"Effect":"Deny","NotAction":["cloudformation:*","events:*","iam:*","lambda:*","logs:*","sqs:*"],"Resource":"*",` + denyUS + `}]}`, nil},
		{"NotAction with service wildcards", `{"Statement":[{"Effect":"Deny","NotAction":["cloud*","events:*","iam:*","lambda:*","lo*","sq?:*"],"Resource":"*",` + denyUS + `}]}`, nil},
		{"NotAction exempts only some CloudFormation actions", `{"Statement":[{"Effect":"Deny","NotAction":["cloudformation:Describe*","events:*","iam:*","lambda:*","logs:*","sqs:*"],"Resource":"*",` + denyUS + `}]}`, []string{"us-east-1[cloudformation]"}},
		// IAM is requested in us-east-1 for every region
		{"us-east-1 denied without exempting IAM", `{"Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*",` + denyUS + `}]}`, []string{"eu-west-1[iam]", "us-east-1[iam]", "eu-north-1[iam]"}},
		// Resource / NotResource
		{"Resource all of a service", `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"arn:aws:logs:*:*:*",` + denyUS + `}]}`, []string{"us-east-1[logs]"}},
		{"Resource of other services", `{"Statement":[{"Effect":"Deny","Action":"*","Resource":["arn:aws:ec2:*:*:instance/*"],` + denyUS + `}]}`, nil},
		{"Resource naming particular log groups", `{"Statement":[{"Effect":"Deny","Action":"*","Resource":["arn:aws:logs:*:*:log-group:prod-*"],` + denyUS + `}]}`, []string{"us-east-1[logs]?"}},
		{"Resource in other regions", `{"Statement":[{"Effect":"Deny","Action":"*","Resource":["arn:aws:logs:ap-*:*:*"],` + denyUS + `}]}`, nil},
		{"NotResource of everything", `{"Statement":[{"Effect":"Deny","Action":"*","NotResource":"*",` + denyUS + `}]}`, nil},
		{"NotResource of other things", `{"Statement":[{"Effect":"Deny","Action":"*","NotResource":"arn:aws:s3:::bucket/*",` + denyUS + `}]}`, []string{"eu-west-1[iam]", "us-east-1", "eu-north-1[iam]"}},
		// aws:PrincipalArn exemptions
		{"ArnNotLike exempting the execution roles", `{"Statement":[{` + denyAll + `,` + strings.TrimSuffix(allowEU, "}") + `,"ArnNotLike":{"aws:PrincipalARN":[` + exec + `,"arn:aws:iam::*:role/Admin"]}}}]}`, nil},
		{"ArnNotEquals exempting the execution roles (Arn operators take wildcards)", `{"Statement":[{` + denyAll + `,` + strings.TrimSuffix(denyUS, "}") + `,"ArnNotEquals":{"aws:PrincipalArn":` + exec + `}}}]}`, nil},
		{"StringNotLike exempting the execution roles", `{"Statement":[{` + denyAll + `,` + strings.TrimSuffix(denyUS, "}") + `,"StringNotLike":{"aws:PrincipalArn":"arn:*:iam::*:role/stacksets-exec-*"}}}]}`, nil},
		{"ArnNotLikeIfExists exempting the execution roles", `{"Statement":[{` + denyAll + `,` + strings.TrimSuffix(denyUS, "}") + `,"ArnNotLikeIfExists":{"aws:PrincipalArn":` + exec + `}}}]}`, nil},
		{"exemption of another role only", `{"Statement":[{` + denyAll + `,` + strings.TrimSuffix(allowEU, "}") + `,"ArnNotLike":{"aws:PrincipalARN":"arn:aws:iam::*:role/Admin"}}}]}`, []string{"eu-west-1[iam]", "us-east-1", "eu-north-1[iam]"}},
		{"exemption of the execution role in one account", `{"Statement":[{` + denyAll + `,` + strings.TrimSuffix(denyUS, "}") + `,"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/stacksets-exec-*"}}}]}`, []string{"eu-west-1[iam]", "us-east-1", "eu-north-1[iam]"}},
		{"StringNotEquals on the exact pattern text (no wildcards)", `{"Statement":[{` + denyAll + `,` + strings.TrimSuffix(denyUS, "}") + `,"StringNotEquals":{"aws:PrincipalArn":` + exec + `}}}]}`, []string{"eu-west-1[iam]", "us-east-1", "eu-north-1[iam]"}},
		{"a condition on a principal tag may spare it", `{"Statement":[{` + denyAll + `,` + strings.TrimSuffix(denyUS, "}") + `,"StringNotEquals":{"aws:PrincipalTag/team":"platform"}}}]}`, []string{"eu-west-1[iam]?", "us-east-1?", "eu-north-1[iam]?"}},
		{"Deny only for the execution roles", `{"Statement":[{` + denyAll + `,` + strings.TrimSuffix(denyUS, "}") + `,"ArnLike":{"aws:PrincipalArn":` + exec + `}}}]}`, []string{"eu-west-1[iam]", "us-east-1", "eu-north-1[iam]"}},
		// not region-deny statements
		{"an Allow", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, nil},
		{"a Deny without a region condition", `{"Statement":[{"Effect":"Deny","Action":"cloudformation:*","Resource":"*"}]}`, nil},
		{"two statements, allow-list and block-list", `{"Statement":[{` + denyAll + `,"Condition":{"StringNotLike":{"aws:RequestedRegion":["eu-*","us-*"]}}},{"Effect":"Deny","Action":"cloudformation:*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-north-1"}}}]}`, []string{"eu-north-1[cloudformation]"}},
	}
	regions := []string{"eu-west-1", "us-east-1", "eu-north-1"}
	for _, tc := range cases {
		got, err := regionDeny(tc.policy, regions, "aws")
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !slices.Equal(denied(got), tc.want) {
			t.Errorf("%s: denied %q, want %q", tc.name, denied(got), tc.want)
		}
	}
}

func TestRegionDenyUnreadable(t *testing.T) {
	for _, content := range []string{"", "not json", `{"Statement":"x"}`} {
		if _, err := regionDeny(content, []string{"us-east-1"}, "aws"); err == nil {
			t.Errorf("%q: no error", content)
		}
	}
}

func TestExecRoleArn(t *testing.T) {
	arn := execRoleArn("aws")
	if strings.ContainsAny(arn, "*?") || !arnLike(guardrails.StackSetExecutionRoles, arn) || !strings.HasPrefix(arn, "arn:aws:iam::"+execRoleAccount+":role/stacksets-exec-") {
		t.Errorf("execRoleArn = %q", arn)
	}
}

// The quota: exactly MaxSCPsPerTarget attached after the deploy is allowed, one more is not.
func TestOverQuota(t *testing.T) {
	for _, tc := range []struct {
		attached, adds int
		want           bool
	}{{4, 1, false}, {5, 0, false}, {3, 2, false}, {5, 1, true}, {6, 0, true}, {4, 2, true}} {
		if got := overQuota(tc.attached, tc.adds); got != tc.want {
			t.Errorf("overQuota(%d, %d) = %v, want %v", tc.attached, tc.adds, got, tc.want)
		}
	}
}
