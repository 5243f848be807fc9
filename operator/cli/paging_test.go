package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/install"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// want is a finding a run must (or must not) have: its check, severity and a text in its region,
// subject or message.
type want struct {
	check    string
	severity report.Severity
	contains string
}

func (w want) in(r *report.Report) bool {
	for _, g := range findings(r, w.check) {
		if g.Severity == w.severity && strings.Contains(g.Region+" "+g.Subject+" "+g.Message, w.contains) {
			return true
		}
	}
	return false
}

// fieldSelector is an advanced event selector's field selector in the CloudTrail JSON shape.
func fieldSelector(field, op string, values ...string) map[string]any {
	return map[string]any{"Field": field, op: toAny(values)}
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func advanced(fields ...map[string]any) []any {
	return []any{map[string]any{"Name": "management", "FieldSelectors": toAny2(fields)}}
}

func toAny2(m []map[string]any) []any {
	out := make([]any, len(m))
	for i, v := range m {
		out[i] = v
	}
	return out
}

// A trail counts only if it records management write events, wherever it is homed.
func TestPreflightTrails(t *testing.T) {
	management := fieldSelector("eventCategory", "Equals", "Management")
	trailFail := func(region string) want {
		return want{"cloudtrail.organization-trail", report.Fail, region}
	}
	cases := []struct {
		name    string
		mutate  func(*fakeaws.Org)
		want    []want
		notWant []want
	}{
		{"advanced selector for all management events", func(o *fakeaws.Org) { o.Trails[0].Advanced = advanced(management) }, nil, []want{trailFail("")}},
		{"advanced selector readOnly false", func(o *fakeaws.Org) {
			o.Trails[0].Advanced = advanced(management, fieldSelector("readOnly", "Equals", "false"))
		}, nil, []want{trailFail("")}},
		{"advanced selector readOnly not true", func(o *fakeaws.Org) {
			o.Trails[0].Advanced = advanced(management, fieldSelector("readOnly", "NotEquals", "true"))
		}, nil, []want{trailFail("")}},
		{"advanced selector without KMS events", func(o *fakeaws.Org) {
			o.Trails[0].Advanced = advanced(management, fieldSelector("eventSource", "NotEquals", "kms.amazonaws.com"))
		}, nil, []want{trailFail("")}},
		{"advanced selector readOnly true", func(o *fakeaws.Org) {
			o.Trails[0].Advanced = advanced(management, fieldSelector("readOnly", "Equals", "true"))
		}, []want{trailFail("us-east-1"), trailFail("eu-north-1")}, nil},
		{"advanced selector readOnly not false", func(o *fakeaws.Org) {
			o.Trails[0].Advanced = advanced(management, fieldSelector("readOnly", "NotEquals", "false"))
		}, []want{trailFail("ap-northeast-1")}, nil},
		{"advanced selector for data events only", func(o *fakeaws.Org) {
			o.Trails[0].Advanced = advanced(fieldSelector("eventCategory", "Equals", "Data"), fieldSelector("resources.type", "Equals", "AWS::S3::Object"))
		}, []want{trailFail("us-east-1")}, nil},
		{"advanced selector for S3 management events only", func(o *fakeaws.Org) {
			o.Trails[0].Advanced = advanced(management, fieldSelector("eventSource", "Equals", "s3.amazonaws.com"))
		}, []want{trailFail("us-east-1")}, nil},
		{"single-Region trails homed in every region", func(o *fakeaws.Org) {
			o.Trails = nil
			for _, r := range []string{"ap-northeast-1", "us-east-1", "us-east-2", "eu-north-1", "ap-southeast-2"} {
				o.Trails = append(o.Trails, &fakeaws.Trail{Name: "trail-" + r, HomeRegion: r, Organization: true, Logging: true, ReadWriteType: "WriteOnly", IncludeManagement: true})
			}
		}, nil, []want{trailFail("")}},
		{"single-Region trail homed in another region covers it only", func(o *fakeaws.Org) {
			o.Trails = []*fakeaws.Trail{{Name: "east", HomeRegion: "us-east-1", Organization: true, Logging: true, ReadWriteType: "All", IncludeManagement: true}}
		}, []want{trailFail("ap-northeast-1"), trailFail("us-east-2")}, []want{trailFail("us-east-1")}},
		{"multi-Region trail homed in another region", func(o *fakeaws.Org) { o.Trails[0].HomeRegion = "us-east-1" }, nil, []want{trailFail("")}},
		{"no trail at all", func(o *fakeaws.Org) { o.Trails = nil }, []want{trailFail("ap-northeast-1"), trailFail("ap-southeast-2")}, nil},
		{"trails unreadable in a region", nil, []want{{"access.denied", report.Fail, "eu-north-1"}}, []want{trailFail("eu-north-1")}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, 1, nil, tc.mutate)
			if tc.name == "trails unreadable in a region" {
				f.srv.Inject = func(r *fakeaws.Request) *fakeaws.APIError {
					if r.Operation == "DescribeTrails" && r.Region == "eu-north-1" {
						return fakeaws.Denied("cloudtrail", "cloudtrail:DescribeTrails")
					}
					return nil
				}
			}
			code, r := f.runJSON("preflight")
			for _, w := range tc.want {
				if !w.in(r) {
					t.Errorf("want a %s %s finding with %q; exit %d, fatal %q, findings:\n%s", w.severity, w.check, w.contains, code, r.Fatal, failing(r))
				}
			}
			for _, w := range tc.notWant {
				if w.in(r) {
					t.Errorf("unwanted %s %s finding with %q:\n%s", w.severity, w.check, w.contains, failing(r))
				}
			}
			wantCode := report.ExitClean
			if len(tc.want) > 0 {
				wantCode = report.ExitFindings
			}
			if code != wantCode || r.Fatal != "" {
				t.Errorf("exit %d, want %d; fatal %q:\n%s", code, wantCode, r.Fatal, failing(r))
			}
		})
	}
}

// Only available endpoints count, and interface endpoints only with private DNS.
func TestPreflightEndpoints(t *testing.T) {
	logs := "com.amazonaws.us-east-1.logs"
	cases := []struct {
		name   string
		states map[string]string
		noDNS  map[string]bool
		want   string // "" = no ec2.vpc-endpoints finding
	}{
		{"all available", nil, nil, ""},
		{"upper-case state as the model spells it", map[string]string{logs: "Available"}, nil, ""},
		{"failed", map[string]string{logs: "failed"}, nil, "logs"},
		{"rejected", map[string]string{logs: "rejected"}, nil, "is rejected"},
		{"deleted", map[string]string{logs: "deleted"}, nil, "is deleted"},
		{"pending acceptance", map[string]string{logs: "pendingAcceptance"}, nil, "logs"},
		{"interface endpoint without private DNS", nil, map[string]bool{logs: true}, "private DNS off"},
		{"gateway endpoint needs no private DNS", nil, map[string]bool{"com.amazonaws.us-east-1.s3": true}, ""},
	}
	eachPageMode(t, func(t *testing.T, m pageMode) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := newFakeIn(t, m, 2, nil, func(o *fakeaws.Org) {
					r := o.Account(fakeaws.AccountID(1)).Regions["us-east-1"]
					r.EndpointStates, r.NoPrivateDNS = tc.states, tc.noDNS
				})
				code, r := f.runJSON("preflight")
				got := findings(r, "ec2.vpc-endpoints")
				if tc.want == "" {
					if len(got) > 0 || code != report.ExitClean {
						t.Errorf("exit %d, want a clean run:\n%s", code, failing(r))
					}
					return
				}
				if len(got) != 1 || got[0].Account != fakeaws.AccountID(1) || got[0].Region != "us-east-1" || got[0].Subject != "vpc-private" ||
					got[0].Severity != report.Fail || !strings.Contains(got[0].Message, tc.want) || code != report.ExitFindings {
					t.Errorf("exit %d, want one fail for vpc-private in %s us-east-1 with %q:\n%s", code, fakeaws.AccountID(1), tc.want, failing(r))
				}
			})
		}
	})
}

// The inbox: no confirmed subscription means notices reach no one.
func TestVerifyInbox(t *testing.T) {
	topic := func(o *fakeaws.Org) string {
		for k := range o.Subscriptions {
			return k
		}
		return ""
	}
	cases := []struct {
		name   string
		change func(map[string]any)
		subs   func(topic string) []string
		want   []want
	}{
		{"one confirmed", nil, func(k string) []string { return []string{k + ":confirmed"} }, nil},
		{"confirmed after a pending one", nil, func(k string) []string { return []string{k + ":PendingConfirmation", k + ":confirmed"} },
			[]want{{"sns.subscriptions", report.Warn, "not confirmed"}}},
		{"all pending", nil, func(k string) []string { return []string{k + ":PendingConfirmation", k + ":PendingConfirmation"} },
			[]want{{"sns.subscriptions", report.Fail, "none of its 2 subscriptions is confirmed"}, {"sns.subscriptions", report.Warn, "not confirmed"}, {"sns.subscriptions", report.Warn, "not confirmed"}}},
		{"empty answer", nil, func(string) []string { return []string{} }, []want{{"sns.subscriptions", report.Fail, "no subscription"}}},
		{"empty answer without emails", func(m map[string]any) { m["notifications"].(map[string]any)["emails"] = []any{} },
			func(string) []string { return nil }, []want{{"sns.subscriptions", report.Fail, "no subscription"}}},
		{"empty answer with chat only", func(m map[string]any) {
			n := m["notifications"].(map[string]any)
			n["emails"], n["chat"] = []any{}, true
		}, func(string) []string { return nil }, []want{{"sns.subscriptions", report.Warn, "no subscription"}}},
	}
	eachPageMode(t, func(t *testing.T, m pageMode) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := newFakeIn(t, m, 2, tc.change, func(o *fakeaws.Org) {
					k := topic(o)
					o.Subscriptions[k] = tc.subs(k)
				})
				code, r := f.runJSON("verify")
				got := findings(r, "sns.subscriptions")
				if len(got) != len(tc.want) {
					t.Fatalf("exit %d, %d sns.subscriptions findings, want %d:\n%s", code, len(got), len(tc.want), failing(r))
				}
				for _, w := range tc.want {
					if !w.in(r) {
						t.Errorf("want a %s %s finding with %q:\n%s", w.severity, w.check, w.contains, failing(r))
					}
				}
				for _, g := range got {
					if g.Severity == report.Fail && !strings.Contains(g.Meaning, "reach no one") {
						t.Errorf("the fail should say that notices reach no one: %+v", g)
					}
				}
				if wantCode := report.ExitFindings; len(tc.want) == 0 && code != report.ExitClean || len(tc.want) > 0 && code != wantCode {
					t.Errorf("exit %d:\n%s", code, failing(r))
				}
			})
		}
	})
}

// With one item a page, what is on page two is seen: a disabled rule, the filter to the
// destination, an alarm, a confirmed subscription.
func TestVerifySeesPageTwo(t *testing.T) {
	every := func(change func(a *fakeaws.Account, r *fakeaws.Region)) func(*fakeaws.Org) {
		return func(o *fakeaws.Org) {
			for _, a := range o.Accounts {
				for _, r := range a.Regions {
					change(a, r)
				}
			}
		}
	}
	cases := []struct {
		name   string
		mutate func(*fakeaws.Org)
		want   []want // none: a clean run
	}{
		{"disabled rule after an enabled one", every(func(_ *fakeaws.Account, r *fakeaws.Region) {
			r.Rules[install.MemberNamePrefix+"signin"] = "DISABLED"
		}), []want{{"member.rules", report.Fail, install.MemberNamePrefix + "signin"}}},
		{"subscription filter to the destination second", every(func(a *fakeaws.Account, r *fakeaws.Region) {
			for g, d := range r.Filters {
				r.Filters[g] = append([]string{"arn:aws:lambda:us-east-1:" + a.ID + ":function:team-forwarder"}, d...)
			}
		}), nil},
		{"second alarm in ALARM", func(o *fakeaws.Org) {
			for i := range o.Alarms {
				o.Alarms[i].State, o.Alarms[i].Reason = "ALARM", "Threshold Crossed"
			}
		}, []want{{"cloudwatch.alarms", report.Fail, "notification-dead-letters"}, {"cloudwatch.alarms", report.Fail, "notification-formatter-errors"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeIn(t, pageModes[1], 2, nil, tc.mutate)
			code, r := f.runJSON("verify")
			for _, w := range tc.want {
				if !w.in(r) {
					t.Errorf("want a %s %s finding with %q; exit %d, fatal %q:\n%s", w.severity, w.check, w.contains, code, r.Fatal, failing(r))
				}
			}
			if len(tc.want) == 0 && (code != report.ExitClean || r.Fatal != "") {
				t.Errorf("exit %d, fatal %q, want a clean run:\n%s", code, r.Fatal, failing(r))
			}
		})
	}
	// Every paginated call the fake answered went past its first page at least once.
	f := newFakeIn(t, pageModes[1], 2, nil, every(func(a *fakeaws.Account, r *fakeaws.Region) {
		r.Rules[install.MemberNamePrefix+"signin"] = "ENABLED"
		for g, d := range r.Filters {
			r.Filters[g] = append([]string{"arn:aws:lambda:us-east-1:" + a.ID + ":function:team-forwarder"}, d...)
		}
	}))
	if code, r := f.runJSON("verify"); code != report.ExitClean {
		t.Fatalf("exit %d:\n%s", code, failing(r))
	}
	for _, op := range [][2]string{{"events", "ListRules"}, {"logs", "DescribeSubscriptionFilters"}} {
		if n := f.srv.Calls(op[0], op[1]); n < 2*2*2 { // 2 sampled accounts × 2 regions × 2 pages
			t.Errorf("%s %s called %d times, want every page read", op[0], op[1], n)
		}
	}
}

// The probe with one item a page: the saved query's match is on the page after the header row,
// and the Firehose error objects are listed through every page.
func TestProbeOneItemPerPage(t *testing.T) {
	f := newFakeIn(t, pageModes[1], 2, nil, nil)
	code, r := f.probe("10s", "-probe-account", fakeaws.AccountID(1), "-probe-region", "us-east-1")
	if code != report.ExitClean || r.Fatal != "" || len(r.Hops) != 3 || !r.Hops[2].OK {
		t.Fatalf("exit %d, fatal %q:\n%s%s", code, r.Fatal, failing(r), hops(r))
	}
	if n := f.srv.Calls("athena", "GetQueryResults"); n < 2 {
		t.Errorf("GetQueryResults called %d times, want the page after the header row read", n)
	}
	broken := newFakeIn(t, pageModes[1], 2, nil, func(o *fakeaws.Org) {
		o.DeliveryBroken = true
		// Another error type first, so that the listing of the error types has two pages.
		o.Objects[archivelayout.ForwardedErrorPrefix+"a-other-type/us-west-2/2020/01/01/old.gz"] = time.Now().Add(-48 * time.Hour)
	})
	code, r = broken.probe("300ms")
	got := findings(r, "probe.delivery")
	if code != report.ExitFindings || len(got) != 1 || !strings.Contains(got[0].Message, "Firehose error object(s)") {
		t.Fatalf("exit %d, want the Firehose error objects named:\n%s", code, failing(r))
	}
}
