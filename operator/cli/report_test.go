package cli

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/pack"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// The report tests' period: one day, 2026-11-02 (the coverage tests' rows start in it), read on
// 2026-11-04.
var (
	reportDay = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	reportNow = time.Date(2026, 11, 4, 12, 0, 0, 0, time.UTC)
)

// dayDigests puts signed, chained digests of every hour of day into the fake's bucket (listing no
// objects) and its public key; skip leaves an hour out.
func dayDigests(t *testing.T, day time.Time, skip ...int) func(*fakeaws.Org) {
	return func(o *fakeaws.Org) {
		t.Helper()
		k := signingKey(t)
		signedHours(t, k, day, make([][]evidence.Object, 24), inFake(o), skip...)
		o.PutVersion(archivelayout.DigestPublicKey, fakeaws.ObjectVersion{ID: "p1", Body: pemOf(t, &k.PublicKey), LastModified: day})
	}
}

func both(fs ...func(*fakeaws.Org)) func(*fakeaws.Org) {
	return func(o *fakeaws.Org) {
		for _, f := range fs {
			f(o)
		}
	}
}

// runReport runs report over reportDay into a new directory and returns its exit status, the
// directory, stdout and stderr.
func (f *fake) runReport(args ...string) (int, string, string, string) {
	f.t.Helper()
	f.now = reportNow
	out := filepath.Join(f.t.TempDir(), "pack")
	code, stdout, stderr := f.run(append([]string{"report", "-from", "2026-11-02", "-to", "2026-11-02", "-poll", "1ms", "-out", out}, args...)...)
	return code, out, stdout, stderr
}

// readPack reads report.json and sessions.csv back, and checks SHA256SUMS against the files.
func readPack(t *testing.T, dir string) (pack.Data, [][]string) {
	t.Helper()
	sums, err := os.ReadFile(filepath.Join(dir, pack.Manifest))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		hexSum, name, ok := strings.Cut(l, "  ")
		data, err := os.ReadFile(filepath.Join(dir, name))
		sum := sha256.Sum256(data)
		if !ok || err != nil || hex.EncodeToString(sum[:]) != hexSum {
			t.Errorf("SHA256SUMS line %q does not match the file (%v)", l, err)
		}
		names = append(names, name)
	}
	entries, _ := os.ReadDir(dir)
	if want := []string{pack.Page, pack.JSON, pack.CSV}; !slices.Equal(names, want) || len(entries) != 4 {
		t.Errorf("manifest names %v (want %v), %d files", names, want, len(entries))
	}
	var d pack.Data
	js, _ := os.ReadFile(filepath.Join(dir, pack.JSON))
	if err := json.Unmarshal(js, &d); err != nil {
		t.Fatalf("report.json: %v", err)
	}
	c, _ := os.ReadFile(filepath.Join(dir, pack.CSV))
	records, err := csv.NewReader(strings.NewReader(string(c))).ReadAll()
	if err != nil || len(records) == 0 || !slices.Equal(records[0], sessionsHeader) {
		t.Fatalf("sessions.csv: %v %q", err, records)
	}
	return d, records[1:]
}

func TestReport(t *testing.T) {
	m, home := fakeaws.AccountID(1), "us-east-1"
	tr := func(id string) string { return archivelayout.TranscriptKeyPrefix(m, home) + "/" + id + ".log" }
	out := func(id string) []string {
		return []string{m, home, id, "12", "2026-11-02T10:00:05Z", "2026-11-02T10:09:00Z"}
	}
	ssh := []string{"2026-11-02T11:00:00Z", m, home, "SendSSHPublicKey", "e-1", "arn:aws:iam::" + m + ":user/carol", "i-1", "", "", "e-1"}
	for _, tc := range []struct {
		name     string
		ledger   [][]string
		skipHour []int
		code     int
		sessions []string // ids in sessions.csv and report.json
		denied   int
		checks   []string // coverage or validation checks with a fail or warn finding
		inPage   string
	}{
		{"healthy", [][]string{start("s-1", m, home, ""), denied("s-9")}, nil, report.ExitClean, []string{"s-1"}, 1, nil, `class="verdict clean"`},
		{"not logged, no record, a missing digest", [][]string{start("s-1", m, home, ""), start("s-2", m, home, ""), ssh}, []int{5}, report.ExitFindings,
			[]string{"s-1", "s-2", "e-1"}, 0, []string{"coverage.missing", "coverage.unlogged-way", evidence.MissingHour}, `class="verdict fail"`},
		{"empty ledger", nil, nil, report.ExitFindings, nil, 0, []string{"coverage.ledger"}, `id="ledger-empty"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachPageMode(t, func(t *testing.T, pm pageMode) {
				var fwd [][]string
				if tc.ledger != nil {
					fwd = [][]string{out("s-1")}
				}
				f := newFakeIn(t, pm, 1, nil, both(cannedCoverage(tc.ledger, fwd, tr("s-1")), dayDigests(t, reportDay, tc.skipHour...)))
				code, dir, stdout, stderr := f.runReport()
				if code != tc.code {
					t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
				}
				d, rows := readPack(t, dir)
				var csvIDs []string
				for _, r := range rows {
					csvIDs = append(csvIDs, r[slices.Index(sessionsHeader, "id")])
				}
				if !slices.Equal(csvIDs, tc.sessions) || !slices.Equal(ids(d.Sessions), tc.sessions) || len(d.Denied) != tc.denied {
					t.Errorf("sessions.csv %v, report.json %v (want %v); denied %d, want %d", csvIDs, ids(d.Sessions), tc.sessions, len(d.Denied), tc.denied)
				}
				var found []string
				for _, fd := range append(d.Coverage, d.Validation.Findings...) {
					if fd.Severity != report.Info && !slices.Contains(found, fd.Check) {
						found = append(found, fd.Check)
					}
				}
				slices.Sort(found)
				slices.Sort(tc.checks)
				if !slices.Equal(found, tc.checks) {
					t.Errorf("findings %v, want %v", found, tc.checks)
				}
				if d.Validation.Hours != 24 || d.Validation.From != "2026-11-02T00" || d.Validation.To != "2026-11-02T23" || d.From != "2026-11-02" {
					t.Errorf("period %s…%s, validation %+v", d.From, d.To, d.Validation)
				}
				page, _ := os.ReadFile(filepath.Join(dir, pack.Page))
				if !strings.Contains(string(page), tc.inPage) {
					t.Errorf("index.html without %q", tc.inPage)
				}
				if !strings.Contains(stdout, "wrote "+dir) || !strings.Contains(stdout, "(SHA256SUMS)") || !strings.Contains(stderr, "bytes scanned") {
					t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
				}
			})
		})
	}
}

// Could not run: exit 2, the reason on stderr, and no directory (not even a partial one).
func TestReportCouldNotRun(t *testing.T) {
	ok := func(t *testing.T) func(*fakeaws.Org) {
		return both(cannedCoverage([][]string{start("s-1", fakeaws.AccountID(1), "us-east-1", "")}, nil), dayDigests(t, reportDay))
	}
	for _, tc := range []struct {
		name   string
		mutate func(*fakeaws.Org)
		inject func(*fakeaws.Request) *fakeaws.APIError
		args   []string
		want   string
	}{
		{"query fails", func(o *fakeaws.Org) { o.QueryFails = "Access denied" }, nil, nil, "FAILED"},
		{"results unreadable", nil, func(r *fakeaws.Request) *fakeaws.APIError {
			if r.Operation == "GetQueryResults" {
				return fakeaws.Denied(r.Service, "athena:GetQueryResults")
			}
			return nil
		}, nil, "athena:GetQueryResults"},
		{"digest versions unreadable", nil, func(r *fakeaws.Request) *fakeaws.APIError {
			if r.Operation == "GetObject" {
				return fakeaws.Denied(r.Service, "s3:GetObject")
			}
			return nil
		}, nil, "s3:GetObject"},
		{"today is not over", nil, nil, []string{"-to", "2026-11-04"}, "whole days"},
		{"no -out", nil, nil, []string{"-out", ""}, "-out: required"},
		{"bad -from", nil, nil, []string{"-from", "yesterday"}, "-from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, 1, nil, both(ok(t), func(o *fakeaws.Org) {
				if tc.mutate != nil {
					tc.mutate(o)
				}
			}))
			f.srv.Inject = tc.inject
			code, dir, stdout, stderr := f.runReport(tc.args...)
			if code != report.ExitCouldNot || !strings.Contains(stderr, "could not run") || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Fatalf("exit %d, want 2 naming %q\nstdout: %s\nstderr: %s", code, tc.want, stdout, stderr)
			}
			if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) != 0 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
	// A directory that holds files is refused before any query, and kept as it was.
	f := newFake(t, 1, nil, ok(t))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := f.run("report", "-from", "2026-11-02", "-to", "2026-11-02", "-poll", "1ms", "-out", dir)
	if entries, _ := os.ReadDir(dir); code != report.ExitCouldNot || !strings.Contains(stderr, "not empty") || len(entries) != 1 || len(f.recorder.Operations()) != 0 {
		t.Errorf("exit %d, %d entries, calls %v: %s", code, len(entries), f.recorder.Operations(), stderr)
	}
}

// The printed policy grants every call report makes.
func TestReportPolicy(t *testing.T) {
	f := newFake(t, 1, nil, both(cannedCoverage([][]string{start("s-1", fakeaws.AccountID(1), "us-east-1", "")}, nil), dayDigests(t, reportDay)))
	if code, _, stdout, stderr := f.runReport(); code != report.ExitFindings {
		t.Fatalf("exit %d:\n%s\n%s", code, stdout, stderr)
	}
	recorded := f.recorder.Operations()
	for _, want := range []string{"Athena StartQueryExecution", "Athena GetQueryResults", "S3 ListObjectsV2", "S3 GetObject"} {
		if !slices.Contains(recorded, want) {
			t.Errorf("report did not call %s: %v", want, recorded)
		}
	}
	checkPolicyGrants(t, recorded)
}

// Run in the first minutes after the period, the validation stops at the last hour whose digest is
// written (the digester writes hour H at H+1:05) and says so.
func TestReportDigestsDue(t *testing.T) {
	for _, tc := range []struct {
		now   time.Time
		to    string
		hours int
	}{
		{time.Date(2026, 11, 3, 0, 4, 0, 0, time.UTC), "2026-11-02T22", 23},
		{time.Date(2026, 11, 3, 1, 20, 0, 0, time.UTC), "2026-11-02T23", 24},
	} {
		f := newFake(t, 1, nil, both(cannedCoverage([][]string{start("s-1", fakeaws.AccountID(1), "us-east-1", "")}, nil), dayDigests(t, reportDay)))
		f.now = tc.now
		dir := filepath.Join(t.TempDir(), "pack")
		code, stdout, stderr := f.run("report", "-from", "2026-11-02", "-to", "2026-11-02", "-poll", "1ms", "-out", dir)
		if code != report.ExitFindings {
			t.Fatalf("exit %d:\n%s\n%s", code, stdout, stderr)
		}
		d, _ := readPack(t, dir)
		if d.Validation.To != tc.to || d.Validation.Hours != tc.hours {
			t.Errorf("at %s: validation %+v, want to %s, %d hours", tc.now, d.Validation, tc.to, tc.hours)
		}
		for _, fd := range d.Validation.Findings {
			if fd.Check == evidence.MissingHour {
				t.Errorf("at %s: %s %s", tc.now, fd.Check, fd.Subject)
			}
		}
	}
}
