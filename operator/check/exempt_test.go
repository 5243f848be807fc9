package check

import "testing"

func TestArnLike(t *testing.T) {
	const ic = "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_PlatformBreakGlass_*"
	const icRole = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformBreakGlass_0123abcd"
	cases := []struct {
		pattern, arn string
		want         bool
	}{
		{ic, icRole, true},
		{"arn:aws:iam::*:role/AWSReservedSSO_PlatformBreakGlass_*", icRole, false}, // the path is part of the ARN
		{"arn:aws:iam::*:role/*", icRole, true},                                    // * crosses "/"
		{"arn:aws:iam::*:role/*", "arn:aws:sts::123456789012:assumed-role/x/y", false},
		{"arn:aws:iam::*", "arn:aws:iam::123456789012:role/x", false}, // five components
		{"arn:aws:iam::*:role/Break?lass", "arn:aws:iam::123456789012:role/BreakGlass", true},
		{"arn:aws:iam::*:role/Break?lass", "arn:aws:iam::123456789012:role/BreakGGlass", false},
		{"arn:aws:iam::*:role/BreakGlass*", "arn:aws:iam::123456789012:role/BreakGlass", true},
		{"arn:aws:iam::*:role/breakglass", "arn:aws:iam::123456789012:role/BreakGlass", false},
		{"arn:aws:iam::123456789012:role/BreakGlass", "arn:aws:iam::210987654321:role/BreakGlass", false},
		{"arn:aws:iam::12345678901?:role/BreakGlass", "arn:aws:iam::123456789012:role/BreakGlass", true},
		{"arn:aws:iam::*:role/*Glass", "arn:aws:iam::123456789012:role/BreakGlassGlass", true},
		{"arn:aws:iam::*:user/break-glass/*", "arn:aws:iam::123456789012:user/break-glass/alice", true},
		{"arn:aws:iam::*:user/break-glass/*", "arn:aws:iam::123456789012:user/alice", false},
		{"arn:aws:iam::*:role/x", "", false},
	}
	for _, tc := range cases {
		if got := ArnLike(tc.pattern, tc.arn); got != tc.want {
			t.Errorf("ArnLike(%q, %q) = %v, want %v", tc.pattern, tc.arn, got, tc.want)
		}
	}
}

func TestQueryOf(t *testing.T) {
	cases := []struct {
		pattern string
		want    exemptQuery
		ok      bool
	}{
		{"arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_X_*", exemptQuery{"role", "/aws-reserved/sso.amazonaws.com/"}, true},
		{"arn:aws:iam::*:role/BreakGlass", exemptQuery{"role", "/"}, true},
		{"arn:aws:iam::*:role/break-glass/*", exemptQuery{"role", "/break-glass/"}, true},
		{"arn:aws:iam::*:role/a/b?c/d", exemptQuery{"role", "/a/"}, true},
		{"arn:aws:iam::*:role/a/b/Name", exemptQuery{"role", "/a/b/"}, true},
		{"arn:aws:iam::123456789012:user/break-glass/*", exemptQuery{"user", "/break-glass/"}, true},
		{"arn:aws:sts::*:assumed-role/x/*", exemptQuery{}, false},
		{"arn:aws:iam::*:root", exemptQuery{}, false},
		{"BreakGlass", exemptQuery{}, false},
	}
	for _, tc := range cases {
		got, ok := queryOf(tc.pattern)
		if got != tc.want || ok != tc.ok {
			t.Errorf("queryOf(%q) = %+v, %v; want %+v, %v", tc.pattern, got, ok, tc.want, tc.ok)
		}
	}
}
