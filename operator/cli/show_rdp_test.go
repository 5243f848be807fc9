package cli

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// rdpFake serves the ledger row of connection conn1 started at start, and the digests of
// rdpDigests(objects, skip).
func rdpFake(t *testing.T, m pageMode, start time.Time, objects map[int][]string, skip ...int) *fake {
	t.Helper()
	return onlineFake(t, m, onlineCase{ledger: [][]string{rdpStart(conn1, start)}, mutate: rdpDigests(t, objects, skip...)})
}

// show and play of an RDP connection (SESSION its ARN) look its recording up in the digests of
// its hours, as sessions does: found, exit 0 (play: a video, nothing to replay, exit 1); not found
// or a digest missing, exit 1; a digest unreadable, exit 2. Neither reads a transcript nor the
// forwarded output.
func TestShowOnlineRDP(t *testing.T) {
	at := rdpHour.Add(5 * time.Minute) // hours 10:00, 11:00, 12:00 (coverage.RecordingMargin)
	missing := archivelayout.DigestKey(rdpHour.Add(time.Hour))
	for _, tc := range []struct {
		name     string
		objects  map[int][]string
		skip     []int
		deny     bool
		code     int
		header   []string
		stderr   []string
		play     int
		playErrs string
	}{
		{name: "found", objects: map[int][]string{1: {recording(conn2), recording(conn1)}},
			header: []string{"source   RDP recording " + recording(conn1) + " (listed in the signed digests) — a video", "way      rdp (logged)",
				"session  " + connection(conn1), "who      bob (arn:aws:iam::"},
			stderr: []string{"show: 3 digest(s) read for RDP recordings", "show: 1000 bytes scanned"},
			play:   report.ExitFindings, playErrs: "its recording " + recording(conn1) + " is a video, not terminal output; nothing to replay"},
		{name: "not found", objects: map[int][]string{1: {recording(conn2)}}, code: report.ExitFindings,
			header: []string{"source   RDP recording not found in the digests of its hours (2026-11-02T10:00:00Z to 2026-11-02T13:00:00Z)",
				"way      rdp (" + coverage.RecordingAbsent + ")"},
			stderr: []string{"sessionaudit show: RDP recording not found in the digests of its hours"},
			play:   report.ExitFindings, playErrs: "RDP recording not found in the digests of its hours"},
		{name: "a digest missing: cannot tell", skip: []int{1}, code: report.ExitFindings,
			header: []string{"source   RDP recording: cannot tell, no digest " + missing, "way      rdp (" + coverage.RecordingCannotTell + ")"},
			stderr: []string{"cannot tell whether the RDP connection is recorded: no digest " + missing},
			play:   report.ExitFindings, playErrs: "no digest " + missing},
		{name: "a digest denied: exit 2", objects: map[int][]string{1: {recording(conn1)}}, deny: true, code: report.ExitCouldNot,
			stderr: []string{"s3:GetObject"}, play: report.ExitCouldNot, playErrs: "s3:GetObject"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachPageMode(t, func(t *testing.T, m pageMode) {
				f := rdpFake(t, m, at, tc.objects, tc.skip...)
				reads := countDigestReads(f, tc.deny)
				code, out, errs := f.run(append([]string{"show", connection(conn1)}, period3...)...)
				if code != tc.code {
					t.Fatalf("exit %d, want %d; stderr:\n%s\nstdout:\n%s", code, tc.code, errs, out)
				}
				if reads() == 0 {
					t.Errorf("no digest read")
				}
				for _, s := range tc.stderr {
					if !strings.Contains(errs, s) {
						t.Errorf("stderr lacks %q:\n%s", s, errs)
					}
				}
				if tc.code == report.ExitCouldNot {
					if out != "" {
						t.Errorf("stdout not empty:\n%s", out)
					}
				} else if got := bodyLines(t, out); len(got) != 1 || got[0] != "" {
					t.Errorf("output below the header %q, want none", got)
				}
				head, _, _ := strings.Cut(out, "\n--\n")
				for _, h := range tc.header {
					if !strings.Contains(head, h) {
						t.Errorf("header lacks %q:\n%s", h, head)
					}
				}
				if n := len(queryParams(f, coverage.SessionOutputSQL)); n != 0 {
					t.Errorf("forwarded output queried %d times for an RDP connection", n)
				}
				if slices.Contains(f.recorder.Operations(), "S3 ListObjectVersions") {
					t.Errorf("a transcript looked up for an RDP connection")
				}
				code, out, errs = f.run(append([]string{"play", connection(conn1), "-cast", filepath.Join(t.TempDir(), "a.cast")}, period3...)...)
				if code != tc.play || !strings.Contains(errs, tc.playErrs) || out != "" {
					t.Errorf("play: exit %d (want %d), stderr lacks %q?\n%s\nstdout:\n%s", code, tc.play, tc.playErrs, errs, out)
				}
			})
		})
	}
}

// show -json of an RDP connection: the recording's state, key and missing digests.
func TestShowOnlineRDPJSON(t *testing.T) {
	at := rdpHour.Add(5 * time.Minute)
	missing := archivelayout.DigestKey(rdpHour.Add(time.Hour))
	for _, tc := range []struct {
		name    string
		objects map[int][]string
		skip    []int
		code    int
		source  string
		want    recordingJSON
		logged  string
	}{
		{"found", map[int][]string{2: {recording(conn1)}}, nil, report.ExitClean, "rdp recording",
			recordingJSON{State: recordingFound, Key: recording(conn1)}, coverage.Logged},
		{"not found", map[int][]string{1: {recording(conn2)}}, nil, report.ExitFindings, "nothing",
			recordingJSON{State: recordingNotFound}, coverage.RecordingAbsent},
		{"cannot tell", nil, []int{1}, report.ExitFindings, "nothing",
			recordingJSON{State: recordingCannotTell, MissingDigests: []string{missing}}, coverage.RecordingCannotTell},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := rdpFake(t, pageModes[0], at, tc.objects, tc.skip...)
			code, out, errs := f.run(append([]string{"show", connection(conn1), "-json"}, period3...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d:\n%s", code, tc.code, errs)
			}
			var doc showJSON
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
			if doc.Recording == nil {
				t.Fatalf("no recording in %s", out)
			}
			if doc.Source != tc.source || doc.Recording.State != tc.want.State || doc.Recording.Key != tc.want.Key ||
				!slices.Equal(doc.Recording.MissingDigests, tc.want.MissingDigests) {
				t.Errorf("source %q, recording %+v; want %q, %+v", doc.Source, *doc.Recording, tc.source, tc.want)
			}
			if doc.Ledger == nil || doc.Ledger.Way != coverage.WayRDP || doc.Ledger.Logged != tc.logged || doc.Session != connection(conn1) {
				t.Errorf("ledger %+v, session %q; want way rdp, logged %q", doc.Ledger, doc.Session, tc.logged)
			}
			if (len(doc.Findings) > 0) != (tc.code == report.ExitFindings) {
				t.Errorf("findings %q with exit %d", doc.Findings, code)
			}
		})
	}
}

// A SESSION that looks like a connection ARN but is not one never reaches SQL; a session's
// JSON has no recording.
func TestShowOnlineRDPArgument(t *testing.T) {
	f := rdpFake(t, pageModes[0], rdpHour, nil)
	for _, id := range []string{
		connection(conn1) + "' OR '1'='1",
		"arn:aws:ssm-guiconnect:us-east-1:" + fakeaws.AccountID(1) + ":connection/../x",
		"arn:aws:ssm:us-east-1:" + fakeaws.AccountID(1) + ":session/x",
	} {
		if code, _, errs := f.run(append([]string{"show", id}, period3...)...); code != report.ExitCouldNot || !strings.Contains(errs, "nor an RDP connection's ARN") {
			t.Errorf("%q: exit %d, want 2:\n%s", id, code, errs)
		}
	}
	if n := len(queryParams(f, coverage.SessionLedgerSQL)); n != 0 {
		t.Errorf("the ledger queried %d times", n)
	}
	g := onlineFake(t, pageModes[0], onlineCase{ledger: aliceLedger(), versions: []string{"x\n"}})
	_, out, _ := g.run(append([]string{"show", alice, "-json"}, period3...)...)
	var doc showJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Recording != nil {
		t.Errorf("a session's JSON: err %v, recording %+v", err, doc.Recording)
	}
}

// The read policy grants every call show and play make for an RDP connection: the ledger's query
// and the digests' GetObject, never a listing.
func TestShowPlayOnlineRDPCallsArePermitted(t *testing.T) {
	f := rdpFake(t, pageModes[0], rdpHour.Add(5*time.Minute), map[int][]string{1: {recording(conn1)}})
	if code, _, errs := f.run(append([]string{"show", connection(conn1)}, period3...)...); code != report.ExitClean {
		t.Fatalf("show exit %d:\n%s", code, errs)
	}
	if code, _, errs := f.run(append([]string{"play", connection(conn1)}, period3...)...); code != report.ExitFindings {
		t.Fatalf("play exit %d, want 1:\n%s", code, errs)
	}
	recorded := f.recorder.Operations()
	for _, want := range []string{"Athena StartQueryExecution", "S3 GetObject"} {
		if !slices.Contains(recorded, want) {
			t.Errorf("show and play did not call %s (recorded %q)", want, recorded)
		}
	}
	checkPolicyGrants(t, recorded)
	if slices.Contains(recorded, "S3 ListObjectsV2") || slices.Contains(recorded, "S3 ListObjectVersions") {
		t.Errorf("show or play listed the bucket: %q", recorded)
	}
}
