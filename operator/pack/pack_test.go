package pack

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

func session(id, day, person, account, way, logged string) coverage.Session {
	return coverage.Session{ID: id, Start: day + "T10:00:00Z", Person: person, Account: account, Region: "us-east-1", Node: "i-1", Way: way, Logged: logged}
}

// sample is a period of three days: four sessions (one NOT LOGGED), a denied start, a session
// without a record and a missing digest hour.
func sample() Data {
	return Data{Generated: time.Date(2026, 11, 4, 9, 0, 0, 0, time.UTC), From: "2026-11-01", To: "2026-11-03", Organization: "o-1", Caller: "arn:x",
		Sessions: []coverage.Session{
			session("s-1", "2026-11-01", "alice", "111", coverage.WaySession, coverage.Logged),
			session("s-2", "2026-11-01", "alice", "222", coverage.WaySession, coverage.Logged),
			session("s-3", "2026-11-03", "bob", "111", coverage.WayRDP, coverage.RecordingUnknown),
			session("e-1", "2026-11-03", "<script>alert(1)</script>", "111", "instanceConnect", coverage.NotLogged),
		},
		Denied: []coverage.Attempt{{Time: "2026-11-02T01:00:00Z", Person: "mallory", Way: coverage.WaySession, Error: "AccessDenied"}},
		Coverage: []report.Finding{
			{Check: "coverage.session", Severity: report.Info, Subject: "s-1"},
			{Check: "coverage.missing", Severity: report.Fail, Subject: "s-2", Message: "nothing in the archive"},
			{Check: "coverage.recording", Severity: report.Warn, Subject: "s-3"},
			{Check: "coverage.unlogged-way", Severity: report.Warn, Subject: "e-1"},
			{Check: "coverage.forged", Severity: report.Info, Subject: "sessionaudit-probe-1"},
		},
		Validation: Validation{From: "2026-11-01T00", To: "2026-11-03T23", Hours: 72, Findings: []report.Finding{
			{Check: "digest.public-key", Severity: report.Info}, {Check: evidence.MissingHour, Severity: report.Fail, Subject: "digests/2026/11/02/05.json"},
		}},
	}
}

func values(c Chart) string {
	var s []string
	for _, b := range c.Bars {
		s = append(s, fmt.Sprintf("%s=%d", b.Label, b.Value))
	}
	return strings.Join(s, " ")
}

func TestCharts(t *testing.T) {
	want := map[string]string{
		"per-day":     "2026-11-01=2 2026-11-02=0 2026-11-03=2",
		"per-person":  "alice=2 <script>alert(1)</script>=1 bob=1",
		"per-account": "111=3 222=1",
		"by-way":      "session=2 rdp=1 instanceConnect=1 instanceConnectEndpoint=0 serialConsole=0 runCommand=0 ecsExec=0",
		"not-logged":  "session=0 rdp=0 instanceConnect=1 instanceConnectEndpoint=0 serialConsole=0 runCommand=0 ecsExec=0",
		"denied":      "session=1 rdp=0 instanceConnect=0 instanceConnectEndpoint=0 serialConsole=0 runCommand=0 ecsExec=0",
		"archive":     "recorded=1 output, no transcript=0 RDP, recording not found or unknown=1 ledger entry only=1 nothing in the archive=1 output without a start=0",
		"digests":     "digest.missing-hour=1 digest.bad-signature=0 digest.unknown-key=0 digest.broken-chain=0 object.missing=0 object.altered=0 object.unlisted=0 object.many-versions=0",
	}
	charts := Charts(sample())
	if len(charts) != len(want) {
		t.Fatalf("%d charts, want %d", len(charts), len(want))
	}
	for _, c := range charts {
		if got := values(c); got != want[c.ID] {
			t.Errorf("%s: %s\nwant %s", c.ID, got, want[c.ID])
		}
		// Each bar's length is proportional to its value; the largest spans the chart.
		for _, b := range c.Bars {
			length, full := b.W, barSpan
			if c.Vertical {
				length, full = b.H, plotHeight
			}
			if m := largest(c.Bars); m > 0 && math.Abs(length-full*float64(b.Value)/float64(m)) > 1e-9 {
				t.Errorf("%s %s: length %.2f for %d of %d", c.ID, b.Label, length, b.Value, m)
			}
		}
	}
}

// More than TopN people: the largest TopN get a bar, the others one bar with their sum.
func TestChartsTopN(t *testing.T) {
	d := Data{From: "2026-11-01", To: "2026-11-01"}
	for i := range TopN + 5 {
		for range i + 1 {
			d.Sessions = append(d.Sessions, session(fmt.Sprint(i), "2026-11-01", fmt.Sprintf("p%02d", i), "111", coverage.WaySession, coverage.Logged))
		}
	}
	c := Charts(d)[1]
	if len(c.Bars) != TopN+1 || c.Bars[0].Label != "p24" || c.Bars[0].Value != 25 || c.Bars[TopN].Label != "5 other people" || c.Bars[TopN].Value != 1+2+3+4+5 {
		t.Errorf("bars: %s", values(c))
	}
}

func TestFiles(t *testing.T) {
	csv := []byte("start,id\n2026-11-01T10:00:00Z,s-1\n")
	files, err := Files(sample(), csv)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	byName := map[string][]byte{}
	for _, f := range files {
		names = append(names, f.Name)
		byName[f.Name] = f.Data
	}
	if strings.Join(names, " ") != "index.html report.json sessions.csv SHA256SUMS" || string(byName[CSV]) != string(csv) {
		t.Fatalf("files %v", names)
	}
	// The manifest: one line per other file, its SHA-256 recomputed here.
	lines := strings.Split(strings.TrimSuffix(string(byName[Manifest]), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("manifest:\n%s", byName[Manifest])
	}
	for i, l := range lines {
		sum := sha256.Sum256(files[i].Data)
		if want := hex.EncodeToString(sum[:]) + "  " + files[i].Name; l != want {
			t.Errorf("manifest line %q, want %q", l, want)
		}
	}
	var back Data
	if err := json.Unmarshal(byName[JSON], &back); err != nil || len(back.Sessions) != 4 || back.Sessions[3].Person != "<script>alert(1)</script>" || len(back.Validation.Findings) != 2 {
		t.Errorf("report.json: %v %+v", err, back)
	}
	page := string(byName[Page])
	for _, bad := range []string{"http://", "https://", "<script", " src=", " href=", "url(", "@import"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	if !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("a person's name is not escaped")
	}
	// Every chart is an SVG with a group per bar whose value is written as text.
	if n := strings.Count(page, "<svg "); n != 8 {
		t.Errorf("%d SVGs, want 8", n)
	}
	bars := regexp.MustCompile(`data-value="(\d+)"><title>[^<]*</title>\s*<rect[^>]*/>\s*<text class="value"[^>]*>(\d+)</text>`).FindAllStringSubmatch(page, -1)
	if len(bars) != 43 {
		t.Errorf("%d bars with a value, want 43", len(bars))
	}
	for _, m := range bars {
		if m[1] != m[2] {
			t.Errorf("bar of value %s labelled %s", m[1], m[2])
		}
	}
	if !strings.Contains(page, `class="verdict fail"`) || !strings.Contains(page, "1 problem(s)") {
		t.Error("the header does not say the verdict and the validation's problem")
	}
}

func TestSummaryAndExit(t *testing.T) {
	d := sample()
	if s := Summarize(d); s.Sessions != 4 || s.People != 3 || s.Accounts != 2 || s.NotLogged != 1 || s.Denied != 1 || s.WithoutRecord != 1 || s.Forged != 0 || s.Problems != 1 || s.Verdict != "fail" {
		t.Errorf("summary %+v", s)
	}
	if d.Exit() != report.ExitFindings {
		t.Errorf("exit %d with findings", d.Exit())
	}
	clean := Data{Coverage: []report.Finding{{Check: "coverage.session", Severity: report.Info}}}
	if s := Summarize(clean); clean.Exit() != report.ExitClean || s.Verdict != "clean" {
		t.Errorf("clean: exit %d, %+v", clean.Exit(), s)
	}
	empty := Data{Coverage: []report.Finding{{Check: "coverage.ledger", Severity: report.Fail}}}
	if s := Summarize(empty); empty.Exit() != report.ExitFindings || !s.LedgerEmpty || s.Verdict != "fail" {
		t.Errorf("empty ledger: exit %d, %+v", empty.Exit(), s)
	}
}

func TestWrite(t *testing.T) {
	parent := t.TempDir()
	files := []File{{"a.txt", []byte("a")}, {"b.txt", []byte("b")}}
	dir := filepath.Join(parent, "pack")
	if err := Write(dir, files); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "b.txt")); err != nil || string(b) != "b" {
		t.Fatalf("b.txt: %q, %v", b, err)
	}
	if err := Write(dir, files); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("written over a pack: %v", err)
	}
	empty := filepath.Join(parent, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Write(empty, files); err != nil {
		t.Errorf("an empty directory: %v", err)
	}
	// A failure half-way leaves nothing: no directory, no partial one.
	bad := filepath.Join(parent, "bad")
	if err := Write(bad, []File{{"a.txt", nil}, {"../x", nil}}); err == nil {
		t.Error("a file name with a slash was written")
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 2 {
		t.Errorf("left behind: %v", entries)
	}
}
