package cli

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// rdpHour is the first hour of the RDP tests' digests (the period is 2026-11-01 … 2026-11-03).
var rdpHour = time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)

// connection is the ARN StartConnection returns for connection id (the ledger row's session).
func connection(id string) string {
	return "arn:aws:ssm-guiconnect:us-east-1:" + fakeaws.AccountID(1) + ":connection/" + id
}

// rdpStart is a ledger row of an RDP connection started at t.
func rdpStart(id string, t time.Time) []string {
	r := wayStart(connection(id), "StartConnection", "arn:aws:iam::"+fakeaws.AccountID(1)+":user/bob", "")
	r[0] = t.Format(time.RFC3339)
	return r
}

// rdpDigests writes signed digests of the hours rdpHour + 0 … 5, each listing a ledger object
// and the keys of objects[hour]; the hours in skip have no digest.
func rdpDigests(t *testing.T, objects map[int][]string, skip ...int) func(*fakeaws.Org) {
	return func(o *fakeaws.Org) {
		t.Helper()
		lists := make([][]evidence.Object, 6)
		for i := range lists {
			h := rdpHour.Add(time.Duration(i) * time.Hour)
			lists[i] = []evidence.Object{{SHA256: evidence.SHA256Hex(nil), VersionID: "l1", Key: archivelayout.LedgerPrefix + h.Format("2006/01/02/15") + "/ledger-1"}}
			for _, key := range objects[i] {
				lists[i] = append(lists[i], evidence.Object{SHA256: evidence.SHA256Hex([]byte(key)), Size: int64(len(key)), VersionID: "r1", Key: key})
			}
		}
		signedHours(t, signingKey(t), rdpHour, lists, inFake(o), skip...)
	}
}

const (
	conn1 = "fcb810cd-241f-4aae-9ee4-02d5900e1a2b"
	conn2 = "0b7e5a2c-9d41-4c3e-8f6a-1d2e3f4a5b6c"
)

// recording is a recording's key as ssm-guiconnect might name it (not documented: docs/proofs.md).
func recording(id string) string { return "rdp/" + fakeaws.AccountID(1) + "/us-east-1/" + id + ".mp4" }

// rdpCases are the RDP recording cases coverage and sessions share: the connection's start, the
// digests' objects by hour, the hours without a digest, and what each command says.
var rdpCases = []struct {
	name        string
	start       time.Time
	objects     map[int][]string
	skip        []int
	check       string // coverage's finding
	severity    report.Severity
	coverage    string // in coverage's message
	recorded    string // sessions' RECORDED column (prefix)
	coverageEnd int
}{
	{"found", rdpHour.Add(5 * time.Minute), map[int][]string{1: {recording(conn2), recording(conn1)}}, nil,
		"coverage.session", report.Info, "RDP recording " + recording(conn1), "RDP recording " + recording(conn1), report.ExitClean},
	{"not found", rdpHour.Add(5 * time.Minute), map[int][]string{1: {recording(conn2)}}, nil,
		"coverage.recording", report.Warn, "no object naming the connection in the digests of its hours", coverage.RecordingNotFound, report.ExitFindings},
	{"after the margin is not looked at", rdpHour.Add(55 * time.Minute), map[int][]string{3: {recording(conn1)}}, nil,
		"coverage.recording", report.Warn, "no object naming the connection", coverage.RecordingNotFound, report.ExitFindings},
	{"digest missing", rdpHour.Add(5 * time.Minute), nil, []int{1},
		"coverage.recording", report.Fail, "cannot tell whether it is recorded: no digest " + archivelayout.DigestKey(rdpHour.Add(time.Hour)),
		"RDP recording: cannot tell, no digest " + archivelayout.DigestKey(rdpHour.Add(time.Hour)), report.ExitFindings},
	{"found despite a missing digest", rdpHour.Add(5 * time.Minute), map[int][]string{2: {recording(conn1)}}, []int{1},
		"coverage.session", report.Info, "RDP recording " + recording(conn1), "RDP recording " + recording(conn1), report.ExitClean},
	{"spanning two hours", rdpHour.Add(55 * time.Minute), map[int][]string{2: {recording(conn1)}}, nil,
		"coverage.session", report.Info, "RDP recording " + recording(conn1), "RDP recording " + recording(conn1), report.ExitClean},
}

func TestCoverageRDPRecording(t *testing.T) {
	for _, tc := range rdpCases {
		t.Run(tc.name, func(t *testing.T) {
			eachPageMode(t, func(t *testing.T, pm pageMode) {
				f := newFakeIn(t, pm, 1, nil, both(cannedCoverage([][]string{rdpStart(conn1, tc.start)}, nil), rdpDigests(t, tc.objects, tc.skip...)))
				code, r := f.runJSON("coverage", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms")
				got := findings(r, tc.check)
				if code != tc.coverageEnd || r.Fatal != "" || len(got) != 1 || got[0].Severity != tc.severity || !strings.Contains(got[0].Message, tc.coverage) {
					t.Fatalf("exit %d (want %d), fatal %q, %s findings %+v, want %s %q", code, tc.coverageEnd, r.Fatal, tc.check, got, tc.severity, tc.coverage)
				}
			})
		})
	}
}

func TestSessionsRDPRecording(t *testing.T) {
	for _, tc := range rdpCases {
		t.Run(tc.name, func(t *testing.T) {
			eachPageMode(t, func(t *testing.T, pm pageMode) {
				f := newFakeIn(t, pm, 1, nil, both(cannedLedger(0, rdpStart(conn1, tc.start)), rdpDigests(t, tc.objects, tc.skip...)))
				code, list, errOut := runSessions(t, f)
				if code != report.ExitClean || len(list) != 1 || !strings.HasPrefix(list[0].Recorded, tc.recorded) {
					t.Fatalf("exit %d, sessions %+v, want recorded %q\n%s", code, list, tc.recorded, errOut)
				}
				if found := strings.HasPrefix(tc.recorded, "RDP recording "+recording("")[:4]); found != (list[0].Logged == coverage.Logged) {
					t.Errorf("logged %q with recorded %q", list[0].Logged, list[0].Recorded)
				}
			})
		})
	}
}

// countDigestReads makes f count its GetObject calls of digests, and, when deny is set, deny them.
func countDigestReads(f *fake, deny bool) func() int {
	var mu sync.Mutex
	n := 0
	f.srv.Inject = func(r *fakeaws.Request) *fakeaws.APIError {
		if r.Operation == "ListObjectsV2" && strings.Contains(r.Query.Get("prefix"), "rdp") {
			return fakeaws.Denied(r.Service, "s3:ListBucket") // the recordings are never listed
		}
		if r.Operation != "GetObject" || !strings.Contains(r.Path, "/"+archivelayout.DigestPrefix) {
			return nil
		}
		mu.Lock()
		defer mu.Unlock()
		n++
		if deny {
			return fakeaws.Denied(r.Service, "s3:GetObject")
		}
		return nil
	}
	return func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

// Many connections sharing hours read each hour's digest once: five connections between 10:00
// and 10:40 read the digests of 10:00, 11:00 and 12:00, and one at 11:30 adds 13:00.
func TestRDPRecordingReadsEachHourOnce(t *testing.T) {
	var rows [][]string
	for i := range 5 {
		rows = append(rows, rdpStart(conn2[:len(conn2)-1]+string(rune('0'+i)), rdpHour.Add(time.Duration(i*10)*time.Minute)))
	}
	rows = append(rows, rdpStart(conn1, rdpHour.Add(90*time.Minute)))
	objects := map[int][]string{2: {recording(conn1)}}
	for _, run := range []struct {
		name  string
		fake  func(o *fakeaws.Org)
		args  []string
		check func(t *testing.T, code int, out, errOut string)
	}{
		{"coverage", cannedCoverage(rows, nil), []string{"coverage", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms"},
			func(t *testing.T, code int, out, errOut string) {
				if code != report.ExitFindings || strings.Count(out, "no object naming the connection") != 5 || !strings.Contains(out, "RDP recording "+recording(conn1)) {
					t.Errorf("exit %d:\n%s", code, out)
				}
			}},
		{"sessions", cannedLedger(0, rows...), []string{"sessions", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms", "-csv"},
			func(t *testing.T, code int, out, errOut string) {
				if code != report.ExitClean || strings.Count(out, coverage.RecordingNotFound) != 5 || !strings.Contains(out, "RDP recording "+recording(conn1)) {
					t.Errorf("exit %d:\n%s", code, out)
				}
			}},
	} {
		t.Run(run.name, func(t *testing.T) {
			eachPageMode(t, func(t *testing.T, pm pageMode) {
				f := newFakeIn(t, pm, 1, nil, both(run.fake, rdpDigests(t, objects)))
				reads := countDigestReads(f, false)
				code, out, errOut := f.run(run.args...)
				run.check(t, code, out, errOut)
				if n := reads(); n != 4 {
					t.Errorf("%d digest reads, want 4 (10:00 to 13:00, each once)", n)
				}
				if !strings.Contains(errOut, run.name+": 4 digest(s) read for RDP recordings") {
					t.Errorf("the reads are not said on stderr:\n%s", errOut)
				}
			})
		})
	}
}

// A digest read denied: coverage and sessions cannot tell, exit 2 naming s3:GetObject.
func TestRDPRecordingDigestDenied(t *testing.T) {
	for _, args := range [][]string{
		{"coverage", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms"},
		{"sessions", "-from", "2026-11-01", "-to", "2026-11-03", "-poll", "1ms"},
	} {
		t.Run(args[0], func(t *testing.T) {
			row := rdpStart(conn1, rdpHour)
			f := newFake(t, 1, nil, both(cannedCoverage([][]string{row}, nil), cannedLedger(0, row), rdpDigests(t, nil)))
			f.org.Canned[coverage.LedgerSQL] = &fakeaws.Canned{Columns: ledgerColumns, Rows: [][]string{row}}
			f.org.Canned[coverage.ForwardedSQL] = &fakeaws.Canned{Columns: forwardedColumns}
			reads := countDigestReads(f, true)
			code, out, errOut := f.run(args...)
			if code != report.ExitCouldNot || !strings.Contains(out+errOut, "s3:GetObject") || reads() == 0 {
				t.Fatalf("exit %d, want 2 naming s3:GetObject:\n%s\n%s", code, out, errOut)
			}
		})
	}
}

// A connection whose hours' digests are not written yet (digestDue): cannot tell, and no read.
func TestRDPRecordingDigestNotWrittenYet(t *testing.T) {
	row := rdpStart(conn1, rdpHour.Add(5*time.Minute))
	f := newFake(t, 1, nil, both(cannedCoverage([][]string{row}, nil), rdpDigests(t, map[int][]string{1: {recording(conn1)}})))
	f.now = rdpHour.Add(90 * time.Minute) // the digest of 10:00 is due at 11:10; 11:00's at 12:10
	reads := countDigestReads(f, false)
	code, r := f.runJSON("coverage", "-from", "2026-11-02", "-to", "2026-11-02", "-poll", "1ms")
	got := findings(r, "coverage.recording")
	if code != report.ExitFindings || len(got) != 1 || got[0].Severity != report.Fail ||
		!strings.Contains(got[0].Message, archivelayout.DigestKey(rdpHour.Add(time.Hour))+" (not written yet)") {
		t.Fatalf("exit %d, fatal %q, findings %+v", code, r.Fatal, got)
	}
	if n := reads(); n != 1 {
		t.Errorf("%d digest reads, want 1 (10:00 only)", n)
	}
}
