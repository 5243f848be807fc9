package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// sessionsColumns are SessionsSQL's: the ledger's, then reason, request, requester,
// request_reason and approver.
var sessionsColumns = append(slices.Clone(ledgerColumns), "reason", "request", "requester", "request_reason", "approver")

// cannedLedger answers the sessions query with rows (ledger rows, padded with empty join
// columns), scanning scanned bytes.
func cannedLedger(scanned int64, rows ...[]string) func(*fakeaws.Org) {
	return func(o *fakeaws.Org) {
		var padded [][]string
		for _, r := range rows {
			padded = append(padded, append(slices.Clone(r), make([]string, max(len(sessionsColumns)-len(r), 0))...))
		}
		o.Canned = map[string]*fakeaws.Canned{coverage.SessionsSQL: {Columns: sessionsColumns, Rows: padded, Scanned: scanned}}
	}
}

// wayStart is a start of the ledger by event, principal and document.
func wayStart(id, event, principal, doc string) []string {
	r := start(id, fakeaws.AccountID(1), "us-east-1", doc)
	r[3], r[5] = event, principal
	return r
}

// runSessions runs sessions -json over the period 2026-11-01 … 2026-11-03 and reads the array back.
func runSessions(t *testing.T, f *fake, args ...string) (int, []coverage.Session, string) {
	t.Helper()
	code, out, errOut := f.run(append([]string{"sessions", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms", "-json"}, args...)...)
	var list []coverage.Session
	if code == report.ExitClean {
		if err := json.Unmarshal([]byte(out), &list); err != nil {
			t.Fatalf("not a JSON array: %v\n%s", err, out)
		}
	}
	return code, list, errOut
}

func ids(list []coverage.Session) []string {
	var s []string
	for _, x := range list {
		s = append(s, x.ID)
	}
	return s
}

func TestSessions(t *testing.T) {
	m := fakeaws.AccountID(1)
	alice := "arn:aws:sts::" + m + ":assumed-role/AWSReservedSSO_Admin_0123/alice@example.com"
	bob := "arn:aws:iam::" + m + ":user/bob"
	jit := "arn:aws:sts::" + m + ":assumed-role/" + coverage.JustInTimeRole + "/carol"
	other := start("s-other", fakeaws.AccountID(2), "us-east-1", "")
	other[5], other[6] = bob, "i-0fedcba987654321"
	ungoverned := start("s-sa", m, "sa-east-1", "")
	ledger := [][]string{
		wayStart("s-1", "StartSession", alice, ""),
		ended("s-1"),
		wayStart("s-1", "ResumeSession", alice, ""),
		wayStart("s-pf", "StartSession", bob, "AWS-StartPortForwardingSession"),
		wayStart("c-rdp", "StartConnection", bob, ""),
		wayStart("e-ic", "SendSSHPublicKey", bob, ""),
		wayStart("e-ice", "OpenTunnel", bob, ""),
		wayStart("e-sc", "SendSerialConsoleSSHPublicKey", bob, ""),
		wayStart("cmd-1", "SendCommand", bob, "AWS-RunShellScript"),
		wayStart("e-ecs", "ExecuteCommand", bob, ""),
		wayStart("s-jit", "StartSession", jit, ""),
		denied("s-denied"),
		before("s-before"),
		other,
		ungoverned,
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"all, in start order, resumed once, denied and earlier left out", nil,
			[]string{"s-1", "s-pf", "c-rdp", "e-ic", "e-ice", "e-sc", "cmd-1", "e-ecs", "s-jit", "s-other", "s-sa"}},
		{"who: the person", []string{"-who", "alice@example.com"}, []string{"s-1"}},
		{"who: a glob on the principal ARN", []string{"-who", "*:assumed-role/AWSReservedSSO_*"}, []string{"s-1"}},
		{"who: just-in-time sessions by their role", []string{"-who", "*/" + coverage.JustInTimeRole + "/*"}, []string{"s-jit"}},
		{"who: nobody", []string{"-who", "mallory"}, nil},
		{"account", []string{"-account", fakeaws.AccountID(2)}, []string{"s-other"}},
		{"node", []string{"-node", "i-0fedcba987654321"}, []string{"s-other"}},
		{"way session", []string{"-way", "session"}, []string{"s-1", "s-pf", "s-jit", "s-other", "s-sa"}},
		{"way rdp", []string{"-way", "rdp"}, []string{"c-rdp"}},
		{"way instanceConnect", []string{"-way", "instanceConnect"}, []string{"e-ic"}},
		{"way instanceConnectEndpoint", []string{"-way", "instanceConnectEndpoint"}, []string{"e-ice"}},
		{"way serialConsole", []string{"-way", "serialConsole"}, []string{"e-sc"}},
		{"way runCommand", []string{"-way", "runCommand"}, []string{"cmd-1"}},
		{"way ecsExec", []string{"-way", "ecsExec"}, []string{"e-ecs"}},
		{"filters combine", []string{"-who", "bob", "-way", "runCommand", "-account", m}, []string{"cmd-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachPageMode(t, func(t *testing.T, pm pageMode) {
				f := newFakeIn(t, pm, 2, nil, cannedLedger(123456789, ledger...))
				code, list, errOut := runSessions(t, f, tc.args...)
				if code != report.ExitClean || !slices.Equal(ids(list), tc.want) {
					t.Fatalf("exit %d, sessions %v, want %v\nstderr: %s", code, ids(list), tc.want, errOut)
				}
				if !strings.Contains(errOut, "123456789 bytes scanned, $0.000617") {
					t.Errorf("stderr does not say the bytes scanned and their price:\n%s", errOut)
				}
			})
		})
	}
}

// Each session's fields: person, end and duration, way and whether it is logged.
func TestSessionsFields(t *testing.T) {
	m := fakeaws.AccountID(1)
	alice := "arn:aws:sts::" + m + ":assumed-role/AWSReservedSSO_Admin_0123/alice@example.com"
	f := newFake(t, 1, nil, cannedLedger(0,
		wayStart("s-1", "StartSession", alice, ""), ended("s-1"),
		wayStart("s-pf", "StartSession", "arn:aws:iam::"+m+":user/ops/bob", "AWS-StartPortForwardingSession"),
		wayStart("c-rdp", "StartConnection", "arn:aws:iam::"+m+":root", ""),
		wayStart("e-ecs", "ExecuteCommand", "arn:aws:sts::"+m+":federated-user/x", ""),
		start("s-sa", m, "sa-east-1", "")))
	code, list, errOut := runSessions(t, f)
	if code != report.ExitClean || len(list) != 5 {
		t.Fatalf("exit %d, %d sessions: %+v\n%s", code, len(list), list, errOut)
	}
	for i, want := range []struct{ person, end, duration, way, logged string }{
		{"alice@example.com", "2026-11-02T10:01:00Z", "1m0s", "session", coverage.Logged},
		{"bob", "", "", "session", coverage.NotLogged},
		{"root", "", "", "rdp", coverage.RecordingCannotTell}, // no digest in this archive
		{"arn:aws:sts::" + m + ":federated-user/x", "", "", "ecsExec", coverage.NotLogged},
		{"bob", "", "", "session", coverage.NotLogged}, // ungoverned region
	} {
		s := list[i]
		if s.Person != want.person || s.End != want.end || s.Duration != want.duration || s.Way != want.way || s.Logged != want.logged {
			t.Errorf("session %s: %+v, want %+v", s.ID, s, want)
		}
	}
}

// The table names NOT LOGGED; an empty period says "no sessions" and exits 0; -csv parses back.
func TestSessionsOutput(t *testing.T) {
	m := fakeaws.AccountID(1)
	f := newFake(t, 1, nil, cannedLedger(0, start("s-1", m, "us-east-1", ""), start("s-pf", m, "us-east-1", "AWS-StartPortForwardingSession")))
	code, out, _ := f.run("sessions", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != report.ExitClean || len(lines) != 3 || !strings.HasPrefix(lines[0], "START") || !strings.Contains(lines[2], "NOT LOGGED") || strings.Contains(lines[1], "NOT LOGGED") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	code, out, _ = f.run("sessions", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms", "-csv")
	records, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != report.ExitClean || err != nil || len(records) != 3 || !slices.Equal(records[0], sessionsHeader) ||
		records[1][11] != "s-1" || records[2][10] != coverage.NotLogged || records[2][12] != coverage.NotLogged || records[1][3] != "bob" {
		t.Fatalf("exit %d, %v: %q", code, err, records)
	}
	// Progress on stderr without -quiet.
	var o, e bytes.Buffer
	code = Main(context.Background(), []string{"sessions", "-config", f.path, "-from", "7d", "-poll", "1ms"}, f.deps(&o, &e))
	if code != report.ExitClean || !strings.Contains(e.String(), "sessions: the ledger") || !strings.Contains(e.String(), "bytes scanned") {
		t.Errorf("exit %d, stderr:\n%s", code, e.String())
	}
	empty := newFake(t, 1, nil, cannedLedger(0))
	for _, format := range []struct{ flag, want string }{{"", "no sessions\n"}, {"-json", "[]\n"}, {"-csv", strings.Join(sessionsHeader, ",") + "\n"}} {
		args := []string{"sessions", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms"}
		if format.flag != "" {
			args = append(args, format.flag)
		}
		if code, out, errOut := empty.run(args...); code != report.ExitClean || out != format.want {
			t.Errorf("%s: exit %d, %q, want %q\n%s", format.flag, code, out, format.want, errOut)
		}
	}
}

// Could not run: exit 2 with the reason on stderr, never an empty list.
func TestSessionsCouldNotRun(t *testing.T) {
	ok := cannedLedger(0, start("s-1", fakeaws.AccountID(1), "us-east-1", ""))
	for _, tc := range []struct {
		name   string
		mutate func(*fakeaws.Org)
		args   []string
		want   string
	}{
		{"query fails", func(o *fakeaws.Org) { ok(o); o.QueryFails = "Access denied" }, nil, "FAILED"},
		{"wrong columns", func(o *fakeaws.Org) { ok(o); o.Canned[coverage.SessionsSQL].Columns = []string{"other"} }, nil, "no column"},
		{"not canned", nil, nil, "StartQueryExecution"},
		{"unreadable time", cannedLedger(0, []string{"yesterday", "a", "r", "StartSession", "s-2", "p", "n", "", "", "i"}), nil, "not RFC 3339"},
		{"unknown way", ok, []string{"-way", "ssh"}, "-way"},
		{"json and csv", ok, []string{"-json", "-csv"}, "choose one"},
		{"no -from", ok, []string{"-from", ""}, "-from"},
		{"bad -from", ok, []string{"-from", "yesterday"}, "-from"},
		{"-to before -from", ok, []string{"-to", "2026-10-01"}, "before"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, 1, nil, tc.mutate)
			args := append([]string{"sessions", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms"}, tc.args...)
			code, out, errOut := f.run(args...)
			if code != report.ExitCouldNot || out != "" || !strings.Contains(errOut, "could not run") || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, want 2 with %q\nstdout: %s\nstderr: %s", code, tc.want, out, errOut)
			}
		})
	}
}

// The printed policy (sessionaudit policy) grants every call sessions makes.
func TestSessionsPolicy(t *testing.T) {
	f := newFake(t, 1, nil, cannedLedger(0, start("s-1", fakeaws.AccountID(1), "us-east-1", "")))
	if code, _, errOut := f.run("sessions", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms"); code != report.ExitClean {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	recorded := f.recorder.Operations()
	for _, want := range []string{"Athena StartQueryExecution", "Athena GetQueryExecution", "Athena GetQueryResults"} {
		if !strings.Contains(strings.Join(recorded, "\n"), want) {
			t.Errorf("sessions did not call %s: %v", want, recorded)
		}
	}
	checkPolicyGrants(t, recorded)
}
