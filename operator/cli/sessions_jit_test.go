package cli

import (
	"slices"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// withJoin sets a ledger row's join columns: the session's reason, and its access request's ID,
// requester, reason and approvers.
func withJoin(r []string, reason, request, requester, requestReason, approver string) []string {
	r = append(slices.Clone(r), make([]string, max(len(sessionsColumns)-len(r), 0))...)
	copy(r[len(ledgerColumns):], []string{reason, request, requester, requestReason, approver})
	return r
}

// Just-in-time sessions: the person is the access request's requester (never the token role's
// session name), -who finds them by it, the reason and the approver come from the request; a
// session's own reason wins; a just-in-time session without a request says so.
func TestSessionsJustInTime(t *testing.T) {
	m := fakeaws.AccountID(1)
	token := "arn:aws:sts::" + m + ":assumed-role/" + coverage.JustInTimeRole + "/e1fbc510-8081-70c2"
	alice := "arn:aws:sts::" + m + ":assumed-role/AWSReservedSSO_Admin_0123/alice@example.com"
	approver := "arn:aws:sts::" + m + ":assumed-role/AWSReservedSSO_Approver_0123/dave@example.com"
	bob := "arn:aws:iam::" + m + ":user/bob"
	ledger := [][]string{
		withJoin(wayStart("s-jit", "StartSession", token, ""), "", "oi-a71f4d891d72", alice, "INC-42 disk full", approver),
		withJoin(wayStart("s-own", "StartSession", token, ""), "restart nginx", "oi-b71f4d891d72", alice, "INC-43", ""),
		withJoin(wayStart("s-none", "StartSession", token, ""), "", "", "", "", ""),
		withJoin(wayStart("s-bob", "StartSession", bob, ""), "patching", "", "", "", ""),
	}
	type want struct{ person, reason, approver, request string }
	wantAll := map[string]want{
		"s-jit":  {"alice@example.com", "INC-42 disk full", approver, "oi-a71f4d891d72"},
		"s-own":  {"alice@example.com", "restart nginx", "", "oi-b71f4d891d72"},
		"s-none": {coverage.NoRequest, "", "", ""},
		"s-bob":  {"bob", "patching", "", ""},
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"all", nil, []string{"s-bob", "s-jit", "s-none", "s-own"}},
		{"who: the requester's name finds her just-in-time sessions", []string{"-who", "alice@example.com"}, []string{"s-jit", "s-own"}},
		{"who: the requester's ARN", []string{"-who", "*/AWSReservedSSO_Admin_*"}, []string{"s-jit", "s-own"}},
		{"who: the token role's session name is not a person", []string{"-who", "e1fbc510-8081-70c2"}, nil},
		{"who: the token role still finds them all", []string{"-who", "*/" + coverage.JustInTimeRole + "/*"}, []string{"s-jit", "s-none", "s-own"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachPageMode(t, func(t *testing.T, pm pageMode) {
				f := newFakeIn(t, pm, 1, nil, func(o *fakeaws.Org) {
					o.Canned = map[string]*fakeaws.Canned{coverage.SessionsSQL: {Columns: sessionsColumns, Rows: ledger}}
				})
				code, list, errOut := runSessions(t, f, tc.args...)
				got := ids(list)
				slices.Sort(got)
				if code != report.ExitClean || !slices.Equal(got, tc.want) {
					t.Fatalf("exit %d, sessions %v, want %v\n%s", code, got, tc.want, errOut)
				}
				for _, s := range list {
					w := wantAll[s.ID]
					if s.Person != w.person || s.Reason != w.reason || s.Approver != w.approver || s.Request != w.request {
						t.Errorf("%s: person %q reason %q approver %q request %q, want %+v", s.ID, s.Person, s.Reason, s.Approver, s.Request, w)
					}
				}
			})
		})
	}
}

// The recorded column names where each way's record is: the transcript's key and forwarded
// output, the RDP recording (here: cannot tell, the archive holds no digest), or NOT LOGGED.
func TestSessionsRecorded(t *testing.T) {
	m := fakeaws.AccountID(1)
	bob := "arn:aws:iam::" + m + ":user/bob"
	f := newFake(t, 1, nil, cannedLedger(0,
		wayStart("s-1", "StartSession", bob, ""),
		wayStart("s-pf", "StartSession", bob, "AWS-StartPortForwardingSession"),
		wayStart("c-rdp", "StartConnection", bob, ""),
		wayStart("e-ic", "SendSSHPublicKey", bob, ""),
		start("s-sa", m, "sa-east-1", "")))
	code, list, errOut := runSessions(t, f)
	if code != report.ExitClean || len(list) != 5 {
		t.Fatalf("exit %d, %d sessions\n%s", code, len(list), errOut)
	}
	want := map[string]string{
		"s-1":   "transcript " + archivelayout.TranscriptKeyPrefix(m, "us-east-1") + "/s-1.log, forwarded output",
		"s-pf":  coverage.NotLogged,
		"c-rdp": "RDP recording: cannot tell, no digest digests/2026/11/02/10.json digests/2026/11/02/11.json digests/2026/11/02/12.json",
		"e-ic":  coverage.NotLogged,
		"s-sa":  coverage.NotLogged,
	}
	for _, s := range list {
		if s.Recorded != want[s.ID] {
			t.Errorf("%s: recorded %q, want %q", s.ID, s.Recorded, want[s.ID])
		}
	}
	// The table shows it, and keeps a reason with a tab on one line; it names the approvers.
	approvers := "arn:aws:sts::" + m + ":assumed-role/AWSReservedSSO_Approver_0123/dave@example.com arn:aws:iam::" + m + ":user/erin"
	f = newFake(t, 1, nil, cannedLedger(0, withJoin(wayStart("s-1", "StartSession", bob, ""), "two\twords\nand a line", "", "", "", approvers)))
	code, out, _ := f.run("sessions", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != report.ExitClean || len(lines) != 2 || !strings.Contains(lines[0], "RECORDED") || !strings.Contains(lines[1], "two words and a line") ||
		!strings.Contains(lines[1], "s-1.log, forwarded output") || !strings.Contains(lines[1], " dave@example.com erin ") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// cannedGrep adds the answer of the -grep query: the sessions whose output matched.
func cannedGrep(columns []string, sessions ...string) func(*fakeaws.Org) {
	return func(o *fakeaws.Org) {
		c := &fakeaws.Canned{Columns: columns}
		for _, s := range sessions {
			c.Rows = append(c.Rows, []string{s})
		}
		o.Canned[coverage.GrepSQL] = c
	}
}

// -grep keeps the sessions whose forwarded output matched, passes the expression as the query's
// parameter with the period's days, and refuses expressions Athena would read differently.
func TestSessionsGrep(t *testing.T) {
	m := fakeaws.AccountID(1)
	ledger := cannedLedger(0, start("s-1", m, "us-east-1", ""), start("s-2", m, "us-east-1", ""), start("s-3", m, "us-east-1", ""))
	for _, tc := range []struct {
		name    string
		matched []string
		want    []string
	}{
		{"two match", []string{"s-3", "s-1", "s-elsewhere"}, []string{"s-1", "s-3"}},
		{"none matches", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachPageMode(t, func(t *testing.T, pm pageMode) {
				f := newFakeIn(t, pm, 1, nil, func(o *fakeaws.Org) { ledger(o); cannedGrep(coverage.GrepColumns, tc.matched...)(o) })
				code, list, errOut := runSessions(t, f, "-grep", `sudo (rm|dd) it's`)
				if code != report.ExitClean || !slices.Equal(ids(list), tc.want) {
					t.Fatalf("exit %d, sessions %v, want %v\n%s", code, ids(list), tc.want, errOut)
				}
				for _, s := range list {
					if !s.Matched {
						t.Errorf("%s: matched is false", s.ID)
					}
				}
				var grep *fakeaws.ExecutedQuery
				for _, q := range f.org.Executed() {
					if q.SQL == coverage.GrepSQL {
						grep = &q
					}
				}
				if grep == nil || !slices.Equal(grep.Params, []string{"'2026/11/01'", "'2026/11/04'", `'sudo (rm|dd) it''s'`}) {
					t.Errorf("the grep query's parameters: %+v", grep)
				}
			})
		})
	}
	for _, tc := range []struct{ name, expr, want string }{
		{"does not compile", "a(b", "missing closing )"},
		{"back reference or octal", `(a)\1`, `\1`},
		{"unicode class", `\pL`, `\p`},
		{"POSIX class", `[[:alpha:]]`, "POSIX"},
		{"named group", `(?P<x>a)`, "(?:…)"},
		{"flag", `(?s)a.b`, "(?:…)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, 1, nil, func(o *fakeaws.Org) { ledger(o); cannedGrep(coverage.GrepColumns)(o) })
			code, out, errOut := f.run("sessions", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms", "-grep", tc.expr)
			if code != report.ExitCouldNot || out != "" || !strings.Contains(errOut, "-grep") || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, want 2 with %q\n%s%s", code, tc.want, out, errOut)
			}
			if len(f.org.Executed()) != 0 {
				t.Errorf("a refused expression still ran queries: %+v", f.org.Executed())
			}
		})
	}
	// The grep query's answer without its column, or failing: exit 2, never an empty list.
	f := newFake(t, 1, nil, func(o *fakeaws.Org) { ledger(o); cannedGrep([]string{"other"}, "s-1")(o) })
	if code, out, errOut := f.run("sessions", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms", "-grep", "x"); code != report.ExitCouldNot || out != "" {
		t.Errorf("wrong columns: exit %d\n%s%s", code, out, errOut)
	}
	f = newFake(t, 1, nil, ledger)
	if code, out, errOut := f.run("sessions", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms", "-grep", "x"); code != report.ExitCouldNot || out != "" {
		t.Errorf("grep query not answered: exit %d\n%s%s", code, out, errOut)
	}
}
