package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

var ledgerColumns = []string{"time", "account", "region", "event", "session", "principal", "target", "document", "error", "id"}
var forwardedColumns = []string{"account", "region", "sessionid", "events", "first_event", "last_event"}

// cannedCoverage answers the two coverage queries with ledger and forwarded rows, and puts
// transcripts in the bucket.
func cannedCoverage(ledger, forwarded [][]string, transcripts ...string) func(*fakeaws.Org) {
	return func(o *fakeaws.Org) {
		o.Canned = map[string]*fakeaws.Canned{
			coverage.LedgerSQL:    {Columns: ledgerColumns, Rows: ledger},
			coverage.ForwardedSQL: {Columns: forwardedColumns, Rows: forwarded},
		}
		for _, k := range transcripts {
			o.Objects[k] = time.Time{} // present from the start
		}
	}
}

func start(id, account, region, doc string) []string {
	return []string{"2026-11-02T10:00:00Z", account, region, "StartSession", id, "arn:aws:iam::" + account + ":user/bob", "i-0123456789abcdef0", doc, "", "e-" + id}
}

// before is a start two days before the period (2026-11-01); denied one that failed.
func before(id string) []string {
	r := start(id, fakeaws.AccountID(1), "us-east-1", "")
	r[0] = "2026-10-30T23:00:00Z"
	return r
}

func ended(id string) []string {
	r := start(id, fakeaws.AccountID(1), "us-east-1", "")
	r[0], r[3], r[9] = "2026-11-02T10:01:00Z", "TerminateSession", "t-"+id
	return r
}

func denied(id string) []string {
	r := start(id, fakeaws.AccountID(1), "us-east-1", "")
	r[8] = "AccessDenied"
	return r
}

func TestCoverage(t *testing.T) {
	m := fakeaws.AccountID(1)
	home := "us-east-1"
	tr := func(id string) string { return archivelayout.TranscriptKeyPrefix(m, home) + "/" + id + ".log" }
	out := func(id string) []string {
		return []string{m, home, id, "12", "2026-11-02T10:00:05Z", "2026-11-02T10:09:00Z"}
	}
	for _, tc := range []struct {
		name        string
		ledger, fwd [][]string
		transcripts []string
		change      func(map[string]any)
		code        int
		check, want string
	}{
		{"healthy", [][]string{start("s-1", m, home, "")}, [][]string{out("s-1")}, []string{tr("s-1")}, nil, report.ExitClean, "coverage.session", "forwarded output (12 lines) and transcript"},
		{"transcript never uploaded", [][]string{start("s-1", m, home, "")}, [][]string{out("s-1")}, nil, nil, report.ExitFindings, "coverage.transcript", "transcript never uploaded"},
		{"no output after start", [][]string{start("s-1", m, home, "")}, nil, nil, nil, report.ExitFindings, "coverage.missing", "no output after start"},
		{"unlogged document", [][]string{start("s-1", m, home, "AWS-StartPortForwardingSession")}, nil, nil, nil, report.ExitFindings, "coverage.missing", "unlogged document"},
		{"ungoverned region", [][]string{start("s-1", m, "sa-east-1", "")}, nil, nil, nil, report.ExitFindings, "coverage.missing", "ungoverned region"},
		{"permissions phase", [][]string{start("s-1", m, home, "")}, nil, nil, func(c map[string]any) { c["rollout"] = map[string]any{"phase": "permissions"} }, report.ExitFindings, "coverage.missing", "permissions phase"},
		{"unlogged way in", [][]string{{"2026-11-02T10:00:00Z", m, home, "SendSSHPublicKey", "e-1", "arn", "i-1", "", "", "e-1"}}, nil, nil, nil, report.ExitFindings, "coverage.unlogged-way", "unlogged way in"},
		{"forged output", [][]string{start("s-1", m, home, "")}, [][]string{out("s-1"), out("forged-1")}, []string{tr("s-1")}, nil, report.ExitFindings, "coverage.forged", "never saw start"},
		{"forged output of a probe is info", [][]string{start("s-1", m, home, "")}, [][]string{out("s-1"), out("sessionaudit-probe-0a1b")}, []string{tr("s-1")}, nil, report.ExitClean, "coverage.forged", "verify -probe"},
		{"started before the period, output in it", [][]string{before("s-0"), start("s-1", m, home, "")}, [][]string{out("s-0"), out("s-1")}, []string{tr("s-0"), tr("s-1")}, nil, report.ExitClean, "coverage.session", "transcript"},
		{"denied start is no session", [][]string{denied("s-9"), start("s-1", m, home, "")}, [][]string{out("s-1")}, []string{tr("s-1")}, nil, report.ExitClean, "coverage.session", "transcript"},
		{"transcript only", [][]string{start("s-1", m, home, "")}, nil, []string{tr("s-1")}, nil, report.ExitClean, "coverage.session", "transcript, no forwarded output"},
		{"ended with no output", [][]string{start("s-1", m, home, ""), ended("s-1")}, nil, nil, nil, report.ExitFindings, "coverage.missing", "the session ended (2026-11-02T10:01:00Z)"},
		{"RDP connection", [][]string{{"2026-11-02T10:00:00Z", m, home, "StartConnection", "e-1", "arn", "i-1", "", "", "e-1"}}, nil, nil, nil, report.ExitFindings, "coverage.recording", "recording"},
		{"empty ledger", nil, nil, nil, nil, report.ExitFindings, "coverage.ledger", "no event at all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachPageMode(t, func(t *testing.T, pm pageMode) {
				f := newFakeIn(t, pm, 1, tc.change, cannedCoverage(tc.ledger, tc.fwd, tc.transcripts...))
				code, r := f.runJSON("coverage", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms")
				got := findings(r, tc.check)
				if code != tc.code || r.Fatal != "" || len(got) == 0 || !strings.Contains(got[0].Message+" "+got[0].Meaning, tc.want) {
					t.Fatalf("exit %d (want %d), fatal %q, %s findings %+v, want %q:\n%s", code, tc.code, r.Fatal, tc.check, got, tc.want, failing(r))
				}
				// Only the sessions started in the period are listed, each once.
				listed := 0
				for _, f := range r.Findings {
					if strings.HasPrefix(f.Check, "coverage.") && f.Check != "coverage.forged" && f.Check != "coverage.ledger" {
						listed++
						if f.Subject != "s-1" && f.Subject != "e-1" {
							t.Errorf("listed %s %s", f.Check, f.Subject)
						}
					}
				}
				if want := min(len(tc.ledger), 1); listed != want {
					t.Errorf("%d session(s) listed, want %d:\n%+v", listed, want, r.Findings)
				}
			})
		})
	}
}

// A query that fails, or columns that are not the ones coverage reads: exit 2, never clean.
func TestCoverageCouldNotRun(t *testing.T) {
	for name, mutate := range map[string]func(*fakeaws.Org){
		"query fails": func(o *fakeaws.Org) { cannedCoverage(nil, nil)(o); o.QueryFails = "Access denied" },
		"wrong columns": func(o *fakeaws.Org) {
			cannedCoverage([][]string{{"x"}}, nil)(o)
			o.Canned[coverage.LedgerSQL].Columns = []string{"other"}
		},
		"not canned": func(o *fakeaws.Org) {},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(t, 1, nil, mutate)
			code, r := f.runJSON("coverage", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms")
			if code != report.ExitCouldNot || r.Fatal == "" {
				t.Fatalf("exit %d, fatal %q", code, r.Fatal)
			}
		})
	}
}

// The printed policy (sessionaudit policy) grants every call coverage makes: coverage needs no
// policy of its own (the probe's Athena reads, verify's s3:ListBucket, and validate's s3:GetObject
// of the digests, where RDP recordings are looked up).
func TestCoveragePolicy(t *testing.T) {
	f := newFake(t, 1, nil, both(cannedCoverage([][]string{start("s-1", fakeaws.AccountID(1), "us-east-1", ""), rdpStart(conn1, rdpHour)}, nil),
		rdpDigests(t, nil)))
	if code, r := f.runJSON("coverage", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms"); code != report.ExitFindings {
		t.Fatalf("exit %d, fatal %q", code, r.Fatal)
	}
	recorded := f.recorder.Operations()
	for _, want := range []string{"Athena StartQueryExecution", "Athena GetQueryResults", "S3 ListObjectsV2", "S3 GetObject"} {
		if !strings.Contains(strings.Join(recorded, "\n"), want) {
			t.Errorf("coverage did not call %s: %v", want, recorded)
		}
	}
	checkPolicyGrants(t, recorded)
}

// The human report names the cause; progress goes to stderr, -quiet silences it; -from 7d works.
func TestCoverageHuman(t *testing.T) {
	f := newFake(t, 1, nil, cannedCoverage([][]string{start("s-1", fakeaws.AccountID(1), "us-east-1", "AWS-StartPortForwardingSession")}, nil))
	code, out, errOut := f.run("coverage", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms")
	if code != report.ExitFindings || !strings.Contains(out, "unlogged document") || errOut != "" {
		t.Fatalf("exit %d:\n%s\nstderr: %s", code, out, errOut)
	}
	var o, e bytes.Buffer
	code = Main(context.Background(), []string{"coverage", "-config", f.path, "-from", "7d", "-poll", "1ms"}, f.deps(&o, &e))
	if code != report.ExitFindings && code != report.ExitClean || !strings.Contains(e.String(), "coverage: the ledger") {
		t.Fatalf("exit %d:\n%s\nstderr: %s", code, o.String(), e.String())
	}
	for _, bad := range [][]string{{"-from", "yesterday"}, {"-from", "2026-11-05", "-to", "2026-11-01"}, {}} {
		if code, _, _ := f.run(append([]string{"coverage"}, bad...)...); code != report.ExitCouldNot {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
}

// A denied call (the query, or the transcript's listing): exit 2 naming the permission.
func TestCoverageDenied(t *testing.T) {
	for op, action := range map[string]string{"StartQueryExecution": "athena:StartQueryExecution", "ListObjectsV2": "s3:ListBucket"} {
		t.Run(op, func(t *testing.T) {
			f := newFake(t, 1, nil, cannedCoverage([][]string{start("s-1", fakeaws.AccountID(1), "us-east-1", "")}, nil))
			f.srv.Inject = func(r *fakeaws.Request) *fakeaws.APIError {
				if r.Operation == op {
					return fakeaws.Denied(r.Service, action)
				}
				return nil
			}
			code, out, _ := f.run("coverage", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms")
			if code != report.ExitCouldNot || !strings.Contains(out, action) {
				t.Fatalf("exit %d, want 2 naming %s:\n%s", code, action, out)
			}
		})
	}
}
