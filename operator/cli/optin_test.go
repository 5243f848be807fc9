package cli

import (
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// optInRegion is an opt-in region (regions table: OptIn) added to the governed regions.
const optInRegion = "ap-southeast-3"

func withOptInRegion(m map[string]any) { m["regions"] = append(m["regions"].([]any), optInRegion) }

// Preflight checks that every opt-in governed region is enabled in each account: enabled is
// clean; not enabled, an unknown status, an empty one or no answer for the region is a fail
// naming the account and the region.
func TestPreflightOptInRegions(t *testing.T) {
	member := fakeaws.AccountID(1)
	cases := []struct {
		name     string
		status   string // the member's EC2 OptInStatus for the region; "" = healthy
		set      bool
		contains string
	}{
		{"enabled", "", false, ""},
		{"not enabled", "not-opted-in", true, "is not enabled in this account"},
		{"unknown status", "opting-in-someday", true, `status "opting-in-someday"`},
		{"empty status", "", true, `status ""`},
		{"left out of the answer", fakeaws.RegionLeftOut, true, "no entry for it"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, 3, withOptInRegion, func(o *fakeaws.Org) {
				o.PageSize = 1
				if tc.set {
					o.Account(member).OptIn = map[string]string{optInRegion: tc.status}
				}
			})
			code, r := f.runJSON("preflight")
			got := findings(r, "account.region-opt-in")
			if f.srv.Calls("ec2", "DescribeRegions") == 0 {
				t.Fatal("ec2:DescribeRegions was not called")
			}
			if tc.contains == "" {
				if code != report.ExitClean || len(got) != 0 {
					t.Fatalf("exit %d, findings:\n%s", code, failing(r))
				}
				return
			}
			if code != report.ExitFindings || len(got) != 1 {
				t.Fatalf("exit %d, want 1 and one account.region-opt-in finding; findings:\n%s", code, failing(r))
			}
			g := got[0]
			if g.Severity != report.Fail || g.Account != member || g.Region != optInRegion || !strings.Contains(g.Message, tc.contains) || g.Fix == "" || g.Meaning == "" {
				t.Errorf("finding %+v: want a fail of %s in %s with %q", g, member, optInRegion, tc.contains)
			}
			if tc.status == "not-opted-in" {
				// The region's other checks are skipped: every call there would fail.
				for _, x := range r.Findings {
					if x.Account == member && x.Region == optInRegion && x.Check != "account.region-opt-in" {
						t.Errorf("a check ran in the disabled region: %+v", x)
					}
				}
			}
		})
	}
}

// Without an opt-in governed region nothing is asked; an account whose regions cannot be read is
// a finding, not a pass.
func TestPreflightOptInRegionsUnread(t *testing.T) {
	f := newFake(t, 2, nil, nil)
	if code, r := f.runJSON("preflight"); code != report.ExitClean || f.srv.Calls("ec2", "DescribeRegions") != 0 {
		t.Errorf("no opt-in region: exit %d, DescribeRegions called %d times:\n%s", code, f.srv.Calls("ec2", "DescribeRegions"), failing(r))
	}
	f = newFake(t, 2, withOptInRegion, nil)
	f.srv.Inject = func(r *fakeaws.Request) *fakeaws.APIError {
		if r.Operation == "DescribeRegions" && r.Account == fakeaws.AccountID(0) {
			return fakeaws.Denied(r.Service, "ec2:DescribeRegions")
		}
		return nil
	}
	code, r := f.runJSON("preflight")
	denied := findings(r, "access.denied")
	if code != report.ExitFindings || len(denied) != 1 || denied[0].Account != fakeaws.AccountID(0) || !strings.Contains(denied[0].Fix, "ec2:DescribeRegions") {
		t.Errorf("exit %d, access.denied %+v; findings:\n%s", code, denied, failing(r))
	}
}
