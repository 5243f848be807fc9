package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
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
	"github.com/sessionaudit/sessionaudit/stacks"
)

// reportCopy is a downloaded copy of reportDay: the ledger's events (start and denied are session
// ids), s-1's forwarded output and transcript, and signed digests of the day's 24 hours listing
// the copy's files (last modified at 10:30, in hour 10's digest). It returns the copy and the
// public key's PEM file, outside the copy as an auditor keeps it.
func reportCopy(t *testing.T, start, denied []string) (string, string) {
	t.Helper()
	m, home := fakeaws.AccountID(1), "us-east-1"
	c := copyDir{t: t, dir: t.TempDir()}
	var events []string
	for _, id := range start {
		events = append(events, ledgerEvent(t, "2026-11-02T10:00:00Z", m, home, "StartSession", id))
	}
	for _, id := range denied {
		events = append(events, deniedEvent(t, ledgerEvent(t, "2026-11-02T10:00:00Z", m, home, "StartSession", id)))
	}
	if len(events) > 0 {
		c.gz("ledger/2026/11/02/10/session-audit-ledger-1-2026-11-02-10-00-00-0a1b.json.gz", events...)
	} else { // a ledger directory with nothing of the period
		c.gz("ledger/2026/10/01/10/session-audit-ledger-1.json.gz", ledgerEvent(t, "2026-10-01T10:00:00Z", m, home, "StartSession", "s-0"))
	}
	output := `{"eventVersion":"1.0","eventTime":"2026-11-02T10:00:05Z","awsRegion":"` + home + `","sessionId":"s-1","sessionData":["sh-5.2$ id"]}`
	c.gz("cloudwatch/"+home+"/2026/11/02/"+m+"/session-audit-"+home+"-1-2026-11-02-10-00-00-"+m+".json.gz", output)
	c.file(archivelayout.TranscriptKeyPrefix(m, home)+"/s-1.log", []byte("sh-5.2$ id\n"))

	written := reportDay.Add(10*time.Hour + 30*time.Minute)
	var objects []evidence.Object
	err := filepath.WalkDir(c.dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(c.dir, p)
		objects = append(objects, evidence.Object{SHA256: evidence.SHA256Hex(data), Size: int64(len(data)), VersionID: "v1", Key: filepath.ToSlash(rel)})
		return os.Chtimes(p, written, written)
	})
	if err != nil {
		t.Fatal(err)
	}
	k := signingKey(t)
	lists := make([][]evidence.Object, 24)
	lists[10] = objects
	signedHours(t, k, reportDay, lists, func(key string, body []byte, _ time.Time) { c.file(key, body) })
	pub := filepath.Join(t.TempDir(), "public-key.pem")
	if err := os.WriteFile(pub, pemOf(t, &k.PublicKey), 0o600); err != nil {
		t.Fatal(err)
	}
	return c.dir, pub
}

// deniedEvent is event refused: CloudTrail's errorCode, as the ledger's denied starts hold it.
func deniedEvent(t *testing.T, event string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(event), &m); err != nil {
		t.Fatal(err)
	}
	m["detail"].(map[string]any)["errorCode"] = "AccessDenied"
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// tamperDigest alters hour 3's digest in the copy.
func tamperDigest(t *testing.T, copyPath string) {
	p := filepath.Join(copyPath, filepath.FromSlash(archivelayout.DigestKey(reportDay.Add(3*time.Hour))))
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, bytes.Replace(data, []byte("archive"), []byte("archivf"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
}

// unlisted adds a transcript written in the period that no digest lists.
func unlisted(t *testing.T, copyPath string) {
	c := copyDir{t: t, dir: copyPath}
	key := archivelayout.TranscriptKeyPrefix(fakeaws.AccountID(1), "us-east-1") + "/unlisted.log"
	c.file(key, []byte("written around the digester\n"))
	at := reportDay.Add(12 * time.Hour)
	if err := os.Chtimes(filepath.Join(copyPath, filepath.FromSlash(key)), at, at); err != nil {
		t.Fatal(err)
	}
}

// reportDir runs report -dir over reportDay, read on reportNow, with deps that fail the test on
// any AWS call; it returns the exit status, the pack's directory, stdout and stderr.
func reportDir(t *testing.T, args ...string) (int, string, string, string) {
	t.Helper()
	_, path := exampleConfig(t, nil)
	var out, errOut bytes.Buffer
	d := offlineDeps(t, &out, &errOut)
	d.Now = func() time.Time { return reportNow }
	dir := filepath.Join(t.TempDir(), "pack")
	code := Main(context.Background(), append([]string{"report", "-config", path, "-from", "2026-11-02", "-to", "2026-11-02", "-quiet", "-out", dir}, args...), d)
	return code, dir, out.String(), errOut.String()
}

// checks are the fail and warn findings' checks of coverage and the validation, sorted.
func checks(d pack.Data) []string {
	var found []string
	for _, fd := range append(d.Coverage, d.Validation.Findings...) {
		if fd.Severity != report.Info && !slices.Contains(found, fd.Check) {
			found = append(found, fd.Check)
		}
	}
	slices.Sort(found)
	return found
}

func TestReportDir(t *testing.T) {
	for _, tc := range []struct {
		name     string
		start    []string
		denied   []string
		mutate   func(t *testing.T, copyPath string)
		code     int
		sessions []string
		checks   []string
		inPage   string
	}{
		{"healthy copy", []string{"s-1"}, []string{"s-9"}, nil, report.ExitClean, []string{"s-1"}, nil, `class="verdict clean"`},
		{"a session without a record", []string{"s-1", "s-2"}, nil, nil, report.ExitFindings, []string{"s-1", "s-2"}, []string{"coverage.missing"}, `class="verdict fail"`},
		{"tampered digest", []string{"s-1"}, nil, tamperDigest, report.ExitFindings, []string{"s-1"}, []string{evidence.BadSignature, evidence.BrokenChain}, evidence.BadSignature},
		{"an object no digest lists", []string{"s-1"}, nil, unlisted, report.ExitFindings, []string{"s-1"}, []string{evidence.UnlistedObject}, "unlisted.log"},
		{"empty ledger", nil, nil, nil, report.ExitFindings, nil, []string{"coverage.forged", "coverage.ledger"}, `id="ledger-empty"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			copyPath, pub := reportCopy(t, tc.start, tc.denied)
			if tc.mutate != nil {
				tc.mutate(t, copyPath)
			}
			code, dir, stdout, stderr := reportDir(t, "-dir", copyPath, "-public-key", pub)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			d, rows := readPack(t, dir)
			if !slices.Equal(ids(d.Sessions), tc.sessions) || len(rows) != len(tc.sessions) || len(d.Denied) != len(tc.denied) {
				t.Errorf("report.json %v, %d csv rows (want %v); denied %d, want %d", ids(d.Sessions), len(rows), tc.sessions, len(d.Denied), len(tc.denied))
			}
			if got := checks(d); !slices.Equal(got, tc.checks) {
				t.Errorf("findings %v, want %v", got, tc.checks)
			}
			if d.Validation.Hours != 24 || d.Source != copyPath || !strings.Contains(d.Caller, "offline") || d.BytesScanned != 0 {
				t.Errorf("validation %+v, source %q, caller %q, %d bytes scanned", d.Validation, d.Source, d.Caller, d.BytesScanned)
			}
			page, _ := os.ReadFile(filepath.Join(dir, pack.Page))
			for _, want := range []string{tc.inPage, `<span id="source">` + copyPath + `</span>`} {
				if !strings.Contains(string(page), want) {
					t.Errorf("index.html without %q", want)
				}
			}
			if strings.Contains(stderr, "bytes scanned") {
				t.Errorf("offline, an Athena price is said:\n%s", stderr)
			}
		})
	}
}

// Over the same events, report -dir and report (Athena and the bucket) write the same sessions,
// denied attempts and findings.
func TestReportDirSameAsOnline(t *testing.T) {
	m, home := fakeaws.AccountID(1), "us-east-1"
	tr := archivelayout.TranscriptKeyPrefix(m, home) + "/s-1.log"
	fwd := [][]string{{m, home, "s-1", "1", "2026-11-02T10:00:05Z", "2026-11-02T10:00:05Z"}}
	for _, tc := range []struct {
		name          string
		start, denied []string
	}{
		{"healthy", []string{"s-1"}, []string{"s-9"}},
		{"a session without a record", []string{"s-1", "s-2"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ledger [][]string
			for _, id := range tc.start {
				ledger = append(ledger, start(id, m, home, ""))
			}
			for _, id := range tc.denied {
				ledger = append(ledger, denied(id))
			}
			f := newFake(t, 1, nil, both(cannedCoverage(ledger, fwd, tr), dayDigests(t, reportDay)))
			onCode, onDir, stdout, stderr := f.runReport()
			if onCode == report.ExitCouldNot {
				t.Fatalf("online: exit %d\n%s\n%s", onCode, stdout, stderr)
			}
			copyPath, pub := reportCopy(t, tc.start, tc.denied)
			offCode, offDir, stdout, stderr := reportDir(t, "-dir", copyPath, "-public-key", pub)
			if offCode != onCode {
				t.Fatalf("offline exit %d, online %d\n%s\n%s", offCode, onCode, stdout, stderr)
			}
			on, onRows := readPack(t, onDir)
			off, offRows := readPack(t, offDir)
			if !slices.Equal(ids(on.Sessions), ids(off.Sessions)) || len(onRows) != len(offRows) || len(on.Denied) != len(off.Denied) ||
				!slices.Equal(checks(on), checks(off)) || on.Validation.Hours != off.Validation.Hours {
				t.Errorf("online: sessions %v, denied %d, findings %v, %d hours; offline: %v, %d, %v, %d",
					ids(on.Sessions), len(on.Denied), checks(on), on.Validation.Hours, ids(off.Sessions), len(off.Denied), checks(off), off.Validation.Hours)
			}
			if want := "s3://" + stacks.Install(f.cfg).CentralBucketName(); on.Source != want {
				t.Errorf("online source %q, want %q", on.Source, want)
			}
		})
	}
}

// Could not run: exit 2, the reason on stderr, nothing written, no AWS call.
func TestReportDirCouldNotRun(t *testing.T) {
	copyPath, pub := reportCopy(t, []string{"s-1"}, nil)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no -public-key", []string{"-dir", copyPath}, "-public-key"},
		{"unreadable -public-key", []string{"-dir", copyPath, "-public-key", filepath.Join(copyPath, "absent.pem")}, "-public-key"},
		{"missing DIR", []string{"-dir", filepath.Join(copyPath, "absent"), "-public-key", pub}, "not a directory"},
		{"not a copy of the bucket", []string{"-dir", filepath.Join(copyPath, "digests"), "-public-key", pub}, "not a copy of the archive bucket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, dir, stdout, stderr := reportDir(t, tc.args...)
			if code != report.ExitCouldNot || !strings.Contains(stderr, "could not run") || !strings.Contains(stderr, tc.want) || stdout != "" {
				t.Fatalf("exit %d, want 2 naming %q\nstdout: %s\nstderr: %s", code, tc.want, stdout, stderr)
			}
			if entries, _ := os.ReadDir(filepath.Dir(dir)); len(entries) != 0 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
}
