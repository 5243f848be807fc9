package check

import (
	"slices"
	"testing"
)

func TestRegionDeny(t *testing.T) {
	regions := []string{"eu-west-1", "us-east-1", "eu-north-1"}
	cases := []struct {
		name   string
		policy string
		denied []string
		exempt bool
	}{
		{"NotAction list without CloudFormation", `{"Statement":{"Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}}`, []string{"us-east-1", "eu-north-1"}, false},
		{"CloudFormation exempted by NotAction", `{"Statement":{"Effect":"Deny","NotAction":["cloudformation:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"]}}}}`, nil, false},
		{"wildcard region allowed", `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotLike":{"aws:RequestedRegion":["eu-*"]}}}]}`, []string{"us-east-1"}, false},
		{"exempt principal", `{"Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"},"ArnNotLike":{"aws:PrincipalARN":"arn:aws:iam::*:role/x"}}}]}`, []string{"us-east-1", "eu-north-1"}, true},
		{"Action that is not CloudFormation", `{"Statement":[{"Effect":"Deny","Action":"ec2:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}`, nil, false},
		{"an Allow", `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, nil, false},
	}
	for _, tc := range cases {
		denied, exempt := regionDeny(tc.policy, regions)
		if !slices.Equal(denied, tc.denied) || exempt != tc.exempt {
			t.Errorf("%s: denied %v exempt %v, want %v %v", tc.name, denied, exempt, tc.denied, tc.exempt)
		}
	}
}
