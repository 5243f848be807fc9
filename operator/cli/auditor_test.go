package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/permissions"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// auditorFake is an archive for every auditor command that calls AWS: a ledger with a session
// whose transcript is there, an RDP connection, forwarded output, a -grep answer, and signed digests.
func auditorFake(t *testing.T, members int) *fake {
	t.Helper()
	m := fakeaws.AccountID(1)
	s := start("s-1", m, "us-east-1", "")
	rdp := rdpStart(conn1, rdpHour) // its recording is looked up in the digests (GetObject)
	return newFake(t, members, nil, func(o *fakeaws.Org) {
		cannedLedger(0, s, rdp)(o) // sessions' query; the two of coverage below
		o.Canned[coverage.LedgerSQL] = &fakeaws.Canned{Columns: ledgerColumns, Rows: [][]string{s, rdp}}
		o.Canned[coverage.ForwardedSQL] = &fakeaws.Canned{Columns: forwardedColumns, Rows: [][]string{{m, "us-east-1", "s-1", "2", "2026-11-02T10:00:05Z", "2026-11-02T10:00:09Z"}}}
		o.Objects[archivelayout.TranscriptKeyPrefix(m, "us-east-1")+"/s-1.log"] = time.Time{}
		cannedGrep(coverage.GrepColumns, "s-1")(o)
		digestBucket(t, o)
	})
}

// auditorRun is one auditor command run against its own fake archive.
type auditorRun struct {
	name string
	fake func(t *testing.T) *fake
	run  func(t *testing.T, f *fake) (int, string)
}

// auditorRuns are the auditor's commands that call AWS: sessions (with -grep), coverage, the
// online validate, show and play, and report.
var auditorRuns = []auditorRun{
	{"sessions, coverage, validate", func(t *testing.T) *fake { return auditorFake(t, 2) }, func(t *testing.T, f *fake) (int, string) {
		for _, args := range [][]string{
			{"sessions", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms", "-grep", "sudo"},
			{"coverage", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms"},
			onlineRange,
		} {
			if code, out, errOut := f.run(args...); code == report.ExitCouldNot {
				return code, args[0] + ": " + out + errOut
			}
		}
		return report.ExitClean, ""
	}},
	{"show", func(t *testing.T) *fake {
		acct := onlineAccount()
		return onlineFake(t, pageModes[0], onlineCase{ledger: aliceLedger(), versions: []string{"sh-5.2$ id\r\n"},
			forwarded: [][]string{forwardedRow(acct, "2026-11-02T10:00:05Z", "sh-5.2$ id")}})
	}, func(t *testing.T, f *fake) (int, string) {
		code, out, errOut := f.run(append([]string{"show", alice}, period3...)...)
		if code == report.ExitCouldNot {
			return code, out + errOut
		}
		code, out, errOut = f.run(append([]string{"play", alice, "-cast", filepath.Join(t.TempDir(), "a.cast")}, period3...)...)
		return code, out + errOut
	}},
	// show and play of an RDP connection read the digests (its name is the command's, for the help test).
	{"show", func(t *testing.T) *fake {
		return rdpFake(t, pageModes[0], rdpHour.Add(5*time.Minute), map[int][]string{1: {recording(conn1)}})
	}, func(t *testing.T, f *fake) (int, string) {
		code, out, errOut := f.run(append([]string{"show", connection(conn1)}, period3...)...)
		if code != report.ExitClean {
			return report.ExitCouldNot, out + errOut // the recording is found: anything else is a broken run
		}
		code, out, errOut = f.run(append([]string{"play", connection(conn1)}, period3...)...)
		return code, out + errOut
	}},
	{"report", func(t *testing.T) *fake {
		return newFake(t, 1, nil, both(cannedCoverage([][]string{start("s-1", fakeaws.AccountID(1), "us-east-1", "")}, nil), dayDigests(t, reportDay)))
	}, func(t *testing.T, f *fake) (int, string) {
		code, _, out, errOut := f.runReport()
		return code, out + errOut
	}},
}

// runAuditorCommands runs each of auditorRuns on a new fake, prepared by prepare, and returns the
// operations recorded by all.
func runAuditorCommands(t *testing.T, prepare func(f *fake)) []string {
	t.Helper()
	var recorded []string
	for _, r := range auditorRuns {
		f := r.fake(t)
		prepare(f)
		if code, msg := r.run(t, f); code == report.ExitCouldNot {
			t.Fatalf("%s could not run:\n%s", r.name, msg)
		}
		recorded = append(recorded, f.recorder.Operations()...)
	}
	slices.Sort(recorded)
	return slices.Compact(recorded)
}

// policyActions are the actions of the Allow statements of a policy document.
func policyActions(t *testing.T, doc string) map[string]bool {
	t.Helper()
	var p struct {
		Statement []struct {
			Effect string
			Action json.RawMessage
		}
	}
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("the policy is not JSON: %v", err)
	}
	out := map[string]bool{}
	for i, s := range p.Statement {
		var list []string
		if err := json.Unmarshal(s.Action, &list); err != nil {
			var one string
			if err := json.Unmarshal(s.Action, &one); err != nil {
				t.Errorf("statement %d: Action is neither a string nor a list: %s", i, s.Action)
				continue
			}
			list = []string{one}
		}
		for _, a := range list {
			out[a] = out[a] || s.Effect == "Allow"
		}
	}
	return out
}

// sessionaudit policy -auditor grants every call the auditor's commands make (sessions, coverage,
// validate, show, play, report), and nothing they do not call or imply beyond
// what Athena does with the caller's credentials.
func TestAuditorPolicyMatchesTheCalls(t *testing.T) {
	recorded := runAuditorCommands(t, func(*fake) {})
	f := auditorFake(t, 1)
	var listed []string
	for _, o := range permissions.AuditorOperations {
		listed = append(listed, o.Key())
	}
	slices.Sort(listed)
	if !slices.Equal(recorded, listed) {
		t.Errorf("recorded operations:\n  %s\nlisted in permissions.AuditorOperations:\n  %s", strings.Join(recorded, "\n  "), strings.Join(listed, "\n  "))
	}
	// The commands ran from another account than the log-archive account, so they assumed the
	// read role: the policy for that is the one printed with -role.
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"policy", "-auditor", "-role", permissions.DefaultReadRole}, f.deps(&out, &errOut)); code != report.ExitClean {
		t.Fatalf("policy -auditor: exit %d: %s", code, errOut.String())
	}
	granted := policyActions(t, out.String())
	used := map[string]bool{}
	for _, key := range recorded {
		want, ok := expectedAction(t, key)
		if !ok {
			continue
		}
		if got := permissions.AuditorActionOf(key); got != want {
			t.Errorf("%s: permissions.AuditorOperations gives IAM action %q, want %q", key, got, want)
		}
		for _, a := range append([]string{want}, permissions.AuditorImpliedActions[key]...) {
			if a == "" {
				continue
			}
			used[a] = true
			if !granted[a] {
				t.Errorf("%s: policy -auditor does not allow %s", key, a)
			}
		}
	}
	for a := range granted {
		if !used[a] && !slices.Contains(permissions.AthenaOnBehalfActions(), a) {
			t.Errorf("policy -auditor allows %s, which no auditor command calls and Athena does not need", a)
		}
	}
	if slices.Contains(permissions.AthenaOnBehalfActions(), "athena:StartQueryExecution") {
		t.Errorf("a call of the commands is hidden among Athena's own actions")
	}
}

// No auditor command lists the bucket: every ListObjectsV2 and ListObjectVersions names one key
// as its Prefix (not empty, not a folder, a file name at its end).
func TestAuditorCommandsListNoBucket(t *testing.T) {
	var mu sync.Mutex
	var lists []string
	runAuditorCommands(t, func(f *fake) {
		f.srv.Inject = func(r *fakeaws.Request) *fakeaws.APIError {
			if r.Operation == "ListObjectsV2" || r.Operation == "ListObjectVersions" {
				mu.Lock()
				lists = append(lists, r.Operation+" "+r.Query.Get("prefix"))
				mu.Unlock()
			}
			return nil
		}
	})
	if len(lists) == 0 {
		t.Fatalf("no list call seen: the test sees nothing")
	}
	for _, l := range lists {
		prefix := l[strings.Index(l, " ")+1:]
		if prefix == "" || strings.HasSuffix(prefix, "/") || !strings.Contains(path.Base(prefix), ".") {
			t.Errorf("%q: a listing that is not one key", l)
		}
	}
}

// The help of policy -auditor names each command whose calls the recorder test checks against the
// policy (and play, which runs with show), in the flag's help and in the command list.
func TestAuditorPolicyHelpNamesItsCommands(t *testing.T) {
	names := []string{"play"}
	for _, r := range auditorRuns {
		names = append(names, strings.Split(r.name, ", ")...)
	}
	_, _, flagHelp := run(t, "policy", "-h")
	_, _, usage := run(t, "-h")
	_, usageLine, _ := strings.Cut(usage, "-auditor:")
	usageLine, _, _ = strings.Cut(usageLine, ")")
	for _, help := range []struct{ where, text string }{{"policy -h", flagHelp}, {"sessionaudit -h", usageLine}} {
		if help.text == "" {
			t.Errorf("%s: no -auditor help", help.where)
		}
		for _, name := range names {
			if !regexp.MustCompile(`\b` + name + `\b`).MatchString(help.text) {
				t.Errorf("%s does not name %s among the auditor's commands:\n%s", help.where, name, help.text)
			}
		}
	}
}

// Without -role, policy -auditor is the policy of a role in the log-archive account: it allows
// no sts:AssumeRole (the default read role, OrganizationAccountAccessRole, is an administrator
// role in the accounts Organizations creates); with -role, AssumeRole on that role alone.
func TestAuditorPolicyAssumesNoRoleByDefault(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string // the role AssumeRole allows; "" none
	}{
		{[]string{"policy", "-auditor"}, ""},
		{[]string{"policy", "-auditor", "-role", "AuditorRead"}, "arn:*:iam::*:role/AuditorRead"},
	} {
		var out, errOut bytes.Buffer
		if code := Main(context.Background(), tt.args, Deps{Stdout: &out, Stderr: &errOut}); code != report.ExitClean {
			t.Fatalf("%v: exit %d: %s", tt.args, code, errOut.String())
		}
		var doc struct {
			Statement []struct {
				Action   any
				Resource any
			}
		}
		if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
			t.Fatalf("%v: not a policy: %v\n%s", tt.args, err, out.String())
		}
		got := ""
		for _, st := range doc.Statement {
			if st.Action == "sts:AssumeRole" {
				got = fmt.Sprint(st.Resource)
			}
		}
		if got != tt.want {
			t.Errorf("%v: sts:AssumeRole on %q, want %q", tt.args, got, tt.want)
		}
	}
}
