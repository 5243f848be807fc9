package cli

import (
	"strings"
	"sync"
	"testing"

	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// identityCenterBreakGlass is the exemption of an IAM Identity Center break-glass permission set,
// the most common one in Control Tower organizations (issue 28).
const identityCenterBreakGlass = "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_PlatformBreakGlass_*"

func withExempt(patterns ...string) func(map[string]any) {
	return func(m map[string]any) {
		var list []any
		for _, p := range patterns {
			list = append(list, p)
		}
		m["guardrails"].(map[string]any)["exemptPrincipalArns"] = list
	}
}

// Preflight lists, per exempt pattern, the roles and users it matches in each account (as IAM
// matches aws:PrincipalArn with ArnLike, path included); a pattern that matches nothing anywhere
// is a warning, one whose principals could not be listed anywhere a fail.
func TestPreflightExemptPrincipals(t *testing.T) {
	noPrincipals := func(o *fakeaws.Org) {
		for _, a := range o.Accounts {
			a.Roles, a.Users = nil, nil
		}
	}
	cases := []struct {
		name     string
		patterns []string
		mutate   func(*fakeaws.Org)
		inject   func(*fakeaws.Request) *fakeaws.APIError
		code     int
		matches  int             // info findings (accounts where the pattern matches)
		severity report.Severity // of the summary finding ("" = none)
		contains string
	}{
		{"Identity Center break-glass", []string{identityCenterBreakGlass}, nil, nil, report.ExitClean, 5, "", "/aws-reserved/sso.amazonaws.com/ap-northeast-1/AWSReservedSSO_PlatformBreakGlass_"},
		{"Identity Center role in one account only", []string{identityCenterBreakGlass}, func(o *fakeaws.Org) {
			roles := o.Account(fakeaws.AccountID(2)).Roles
			noPrincipals(o)
			o.Account(fakeaws.AccountID(2)).Roles = roles
		}, nil, report.ExitClean, 1, "", "AWSReservedSSO_PlatformBreakGlass_"},
		{"pattern without the role path matches nothing", []string{"arn:aws:iam::*:role/PlatformBreakGlass*"}, func(o *fakeaws.Org) {
			for _, a := range o.Accounts {
				a.Roles = []fakeaws.Principal{{Path: "/aws-reserved/sso.amazonaws.com/eu-west-1/", Name: "AWSReservedSSO_PlatformBreakGlass_0a1b"}}
			}
		}, nil, report.ExitFindings, 0, report.Warn, "matches no IAM role in the 5 accounts read"},
		{"break-glass users", []string{"arn:aws:iam::*:user/break-glass/*"}, nil, nil, report.ExitClean, 5, "", ":user/break-glass/"},
		{"no user", []string{"arn:aws:iam::*:user/break-glass/*"}, noPrincipals, nil, report.ExitFindings, 0, report.Warn, "matches no IAM user"},
		{"an account preflight does not read", []string{"arn:aws:iam::999999999999:role/BreakGlass"}, nil, nil, report.ExitFindings, 0, report.Warn, "none of the 5 accounts"},
		{"roles unreadable everywhere", []string{identityCenterBreakGlass}, nil, func(r *fakeaws.Request) *fakeaws.APIError {
			if r.Operation == "ListRoles" {
				return fakeaws.Denied(r.Service, "iam:ListRoles")
			}
			return nil
		}, report.ExitFindings, 0, report.Fail, "could not list the IAM roles"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, 3, withExempt(tc.patterns...), func(o *fakeaws.Org) {
				o.PageSize = 1
				o.Account(fakeaws.AccountID(0)).Roles = append(o.Account(fakeaws.AccountID(0)).Roles,
					fakeaws.Principal{Path: "/aws-reserved/sso.amazonaws.com/eu-west-1/", Name: "AWSReservedSSO_ReadOnly_9f8e"},
					fakeaws.Principal{Path: "/service-role/", Name: "PlatformBreakGlassHelper"})
				if tc.mutate != nil {
					tc.mutate(o)
				}
			})
			var mu sync.Mutex
			var prefixes []string
			f.srv.Inject = func(r *fakeaws.Request) *fakeaws.APIError {
				if r.Operation == "ListRoles" || r.Operation == "ListUsers" {
					mu.Lock()
					prefixes = append(prefixes, r.Str("PathPrefix"))
					mu.Unlock()
				}
				if tc.inject != nil {
					return tc.inject(r)
				}
				return nil
			}
			code, r := f.runJSON("preflight")
			if code != tc.code || r.Fatal != "" {
				t.Fatalf("exit %d, want %d; fatal %q, findings:\n%s", code, tc.code, r.Fatal, failing(r))
			}
			var infos, summary []report.Finding
			for _, x := range findings(r, "guardrails.exempt-principals") {
				if x.Severity == report.Info {
					infos = append(infos, x)
				} else {
					summary = append(summary, x)
				}
			}
			if len(infos) != tc.matches {
				t.Errorf("%d accounts with matches, want %d: %+v", len(infos), tc.matches, infos)
			}
			for _, x := range infos {
				if x.Subject != tc.patterns[0] || !strings.Contains(x.Message, tc.contains) || !strings.Contains(x.Message, "arn:aws:iam::"+x.Account+":") ||
					strings.Contains(x.Message, "ReadOnly") || strings.Contains(x.Message, "Helper") {
					t.Errorf("note %+v: want the pattern's own principals of its account with %q", x, tc.contains)
				}
			}
			switch {
			case tc.severity == "" && len(summary) != 0:
				t.Errorf("unexpected summary %+v", summary)
			case tc.severity != "" && (len(summary) != 1 || summary[0].Severity != tc.severity || !strings.Contains(summary[0].Message, tc.contains) || summary[0].Subject != tc.patterns[0]):
				t.Errorf("summary %+v: want one %s with %q", summary, tc.severity, tc.contains)
			}
			if tc.name == "Identity Center break-glass" && (len(prefixes) == 0 || prefixes[0] != "/aws-reserved/sso.amazonaws.com/") {
				t.Errorf("ListRoles path prefixes %q, want /aws-reserved/sso.amazonaws.com/", prefixes)
			}
		})
	}
}
