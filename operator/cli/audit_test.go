package cli

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Sample archive objects: a forwarded-output object as Firehose writes it (GZIP, one Session
// Manager event per line as the SSM agent streams it, two sessions interleaved, foreign lines)
// and a transcript under its archive key.
const (
	alice    = "alice@example.com-0a1b2c3d4e5f60001"
	bob      = "bob-0a1b2c3d4e5f60002"
	absent   = "carol-0a1b2c3d4e5f60009"
	aliceArn = "arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@example.com"
)

func smEvent(t *testing.T, at, session, arn string, lines ...string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"eventVersion": "1.0", "eventTime": at, "awsRegion": "eu-west-1",
		"target": map[string]string{"id": "i-0123456789abcdef0"}, "userIdentity": map[string]string{"arn": arn},
		"runAsUser": "ssm-user", "sessionId": session, "sessionData": lines})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// forwardedLines: alice's events at 0 s, 1 s, 61 s (one idle minute) and 62 s, the last batch
// arriving before the one of 61 s; bob's between them; a CloudTrail record and a text line.
func forwardedLines(t *testing.T) []string {
	return []string{
		smEvent(t, "2026-11-22T10:15:30Z", alice, aliceArn, "sh-5.2$ id", "uid=1001(ssm-user)"),
		smEvent(t, "2026-11-22T10:15:30Z", bob, "arn:aws:iam::333333333333:user/bob", "sh-5.2$ ls /tmp"),
		`{"eventVersion":"1.09","eventName":"ConsoleLogin","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::333333333333:user/bob"}}`,
		smEvent(t, "2026-11-22T10:15:31Z", alice, aliceArn, "sh-5.2$ sudo cat /etc/shadow", "root:*:19000:0:99999:7:::"),
		"not json: a plain log line",
		smEvent(t, "2026-11-22T10:16:32Z", alice, aliceArn, "sh-5.2$ exit"),
		smEvent(t, "2026-11-22T10:16:31Z", alice, aliceArn, "sh-5.2$ uptime"),
	}
}

// aliceOutput is alice's output in time order.
var aliceOutput = []string{"sh-5.2$ id", "uid=1001(ssm-user)", "sh-5.2$ sudo cat /etc/shadow", "root:*:19000:0:99999:7:::", "sh-5.2$ uptime", "sh-5.2$ exit"}

// samples writes the sample objects into a temporary directory and returns their paths.
func samples(t *testing.T) (gz, plain, transcript, broken string) {
	t.Helper()
	dir := t.TempDir()
	body := strings.Join(forwardedLines(t), "\n") + "\n"
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(body))
	zw.Close()
	gz = filepath.Join(dir, "cloudwatch/eu-west-1/2026/11/22/333333333333/session-audit-1-2026-11-22-10-15-30-x.json.gz")
	plain = filepath.Join(dir, "forwarded.json")
	transcript = filepath.Join(dir, "session-manager/333333333333/eu-west-1/"+alice+".log")
	broken = filepath.Join(dir, "broken.json.gz")
	for p, data := range map[string][]byte{gz: b.Bytes(), plain: []byte(body), transcript: []byte("sh-5.2$ id\r\nuid=1001(ssm-user)\r\n"), broken: b.Bytes()[:20]} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return gz, plain, transcript, broken
}

func run(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, Deps{Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

// bodyLines is show's output below the header's "--" line.
func bodyLines(t *testing.T, out string) []string {
	t.Helper()
	_, body, ok := strings.Cut(out, "\n--\n")
	if !ok {
		t.Fatalf("no -- line below the header:\n%s", out)
	}
	return strings.Split(strings.TrimSuffix(body, "\n"), "\n")
}

func TestShowFile(t *testing.T) {
	gz, plain, transcript, broken := samples(t)
	foreign, empty := filepath.Join(t.TempDir(), "cloudtrail.json"), filepath.Join(t.TempDir(), "empty.json")
	lines := forwardedLines(t)
	if os.WriteFile(foreign, []byte(lines[2]+"\n"+lines[4]+"\n"), 0o644) != nil || os.WriteFile(empty, nil, 0o644) != nil {
		t.Fatal("writing the samples")
	}
	tests := []struct {
		name      string
		args      []string
		code      int
		lines     []string // the output below the header, in order
		header    []string // in the header
		stderr    []string
		notStderr string
	}{
		{name: "gzip forwarded, interleaved", args: []string{"show", alice, "-file", gz}, lines: aliceOutput,
			header: []string{"who      alice@example.com (" + aliceArn + ")", "node     i-0123456789abcdef0", "account  333333333333", "region   eu-west-1", "run as   ssm-user", "when     2026-11-22T10:15:30Z … 2026-11-22T10:16:32Z (1m2s)"},
			stderr: []string{"skipped 2 line(s)", "skipped 1 event(s) of 1 other session(s)"}},
		{name: "flags before SESSION", args: []string{"show", "-file", gz, bob}, lines: []string{"sh-5.2$ ls /tmp"},
			header: []string{"who      bob (arn:aws:iam::333333333333:user/bob)"}, stderr: []string{"skipped 4 event(s) of 1 other session(s)"}},
		{name: "uncompressed forwarded", args: []string{"show", alice, "-file", plain}, lines: aliceOutput},
		{name: "transcript", args: []string{"show", alice, "-file", transcript}, lines: []string{"sh-5.2$ id", "uid=1001(ssm-user)"},
			header: []string{"account  333333333333", "region   eu-west-1", "node     (not in the object)", "source   transcript (no timing)"}, notStderr: "skipped"},
		{name: "transcript, -raw", args: []string{"show", alice, "-file", transcript, "-raw"}, lines: []string{"sh-5.2$ id\r", "uid=1001(ssm-user)\r"}},
		{name: "session not in the object", args: []string{"show", absent, "-file", gz}, code: 1, stderr: []string{"holds no event of session " + absent}},
		{name: "transcript of another session", args: []string{"show", bob, "-file", transcript}, code: 1, stderr: []string{"is the transcript of session " + alice + ", not " + bob}},
		{name: "no Session Manager event at all", args: []string{"show", alice, "-file", foreign}, code: 2, stderr: []string{"holds no Session Manager event (2 other line(s))"}},
		{name: "empty object", args: []string{"show", alice, "-file", empty}, code: 2, stderr: []string{"holds no Session Manager event (0 other line(s))"}},
		{name: "unreadable gzip", args: []string{"show", alice, "-file", broken}, code: 2, stderr: []string{"not readable GZIP"}},
		{name: "missing file", args: []string{"show", alice, "-file", filepath.Join(t.TempDir(), "nope.json.gz")}, code: 2, stderr: []string{"no such file"}},
		{name: "no -file and no configuration", args: []string{"show", alice}, code: 2, stderr: []string{"give -file PATH (a downloaded archive object), or -config <file>"}},
		{name: "no SESSION", args: []string{"show", "-file", gz}, code: 2, stderr: []string{"give one SESSION"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := run(t, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, errs)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(errs, s) {
					t.Errorf("stderr lacks %q:\n%s", s, errs)
				}
			}
			if tc.notStderr != "" && strings.Contains(errs, tc.notStderr) {
				t.Errorf("stderr has %q:\n%s", tc.notStderr, errs)
			}
			if tc.code != 0 {
				if out != "" {
					t.Errorf("stdout not empty on exit %d:\n%s", code, out)
				}
				return
			}
			if got := bodyLines(t, out); strings.Join(got, "\n") != strings.Join(tc.lines, "\n") {
				t.Errorf("output lines\n%q\nwant\n%q", got, tc.lines)
			}
			head, _, _ := strings.Cut(out, "\n--\n")
			for _, h := range tc.header {
				if !strings.Contains(head, h) {
					t.Errorf("header lacks %q:\n%s", h, head)
				}
			}
		})
	}
}

func TestShowJSON(t *testing.T) {
	gz, _, _, _ := samples(t)
	code, out, errs := run(t, "show", alice, "-file", gz, "-json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc struct {
		Session, Person, Node, Account, Region, Source string
		Start, End                                     time.Time
		Events                                         []struct {
			Time  time.Time
			Lines []string
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	var lines []string
	for i, e := range doc.Events {
		if i > 0 && e.Time.Before(doc.Events[i-1].Time) {
			t.Errorf("event %d at %s before the one before", i, e.Time)
		}
		lines = append(lines, e.Lines...)
	}
	if strings.Join(lines, "\n") != strings.Join(aliceOutput, "\n") || doc.Session != alice || doc.Person != "alice@example.com" ||
		doc.Node != "i-0123456789abcdef0" || doc.Account != "333333333333" || doc.Source != "forwarded" || doc.End.Sub(doc.Start) != 62*time.Second {
		t.Errorf("show -json: %+v", doc)
	}
}

// castFile is a parsed asciicast v2 file.
type castFile struct {
	header map[string]any
	times  []float64
	data   string
}

func readCast(t *testing.T, path string) castFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var c castFile
	sc := bufio.NewScanner(f)
	for n := 0; sc.Scan(); n++ {
		if n == 0 {
			if err := json.Unmarshal(sc.Bytes(), &c.header); err != nil {
				t.Fatalf("header: %v: %s", err, sc.Text())
			}
			continue
		}
		var ev []any
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil || len(ev) != 3 {
			t.Fatalf("event line %d: %v: %s", n, err, sc.Text())
		}
		at, ok1 := ev[0].(float64)
		kind, ok2 := ev[1].(string)
		data, ok3 := ev[2].(string)
		if !ok1 || !ok2 || !ok3 || kind != "o" {
			t.Fatalf("event line %d is not [time, \"o\", data]: %s", n, sc.Text())
		}
		c.times = append(c.times, at)
		c.data += data
	}
	return c
}

func TestPlayCast(t *testing.T) {
	gz, _, transcript, _ := samples(t)
	crlf := strings.Join(aliceOutput, "\r\n") + "\r\n"
	tests := []struct {
		name  string
		file  string
		flags []string
		times []float64
		data  string
		warn  string
	}{
		// Events at 0, 1, 61, 62 s: the minute's gap is capped at -idle (default 2 s).
		{name: "default idle", file: gz, times: []float64{0, 1, 3, 4}, data: crlf},
		{name: "idle 10", file: gz, flags: []string{"-idle", "10"}, times: []float64{0, 1, 11, 12}, data: crlf},
		{name: "speed 2", file: gz, flags: []string{"-speed", "2"}, times: []float64{0, 0.5, 1.5, 2}, data: crlf},
		{name: "transcript: one frame", file: transcript, times: []float64{0}, data: "sh-5.2$ id\r\nuid=1001(ssm-user)\r\n", warn: "has no timing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "s.cast")
			code, stdout, errs := run(t, append([]string{"play", alice, "-file", tc.file, "-cast", out}, tc.flags...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if stdout != "" {
				t.Errorf("-cast replayed on stdout: %q", stdout)
			}
			if tc.warn != "" && !strings.Contains(errs, tc.warn) {
				t.Errorf("stderr lacks %q: %s", tc.warn, errs)
			}
			c := readCast(t, out)
			width, _ := c.header["width"].(float64)
			height, _ := c.header["height"].(float64)
			if c.header["version"] != float64(2) || width < 80 || height < 1 || c.header["timestamp"] == nil && tc.file == gz {
				t.Errorf("header %v", c.header)
			}
			for i := 1; i < len(c.times); i++ {
				if c.times[i] < c.times[i-1] {
					t.Errorf("time %v after %v", c.times[i], c.times[i-1])
				}
			}
			if !sameTimes(c.times, tc.times) {
				t.Errorf("times %v, want %v", c.times, tc.times)
			}
			if c.data != tc.data {
				t.Errorf("data %q, want %q", c.data, tc.data)
			}
		})
	}
}

func sameTimes(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-6 {
			return false
		}
	}
	return true
}

// TestPlayReplay replays on stdout with an injected sleeper: the waits are the capped, scaled
// gaps, and the output is the session's.
func TestPlayReplay(t *testing.T) {
	gz, _, _, _ := samples(t)
	var waits []time.Duration
	saved := playSleep
	playSleep = func(d time.Duration) { waits = append(waits, d) }
	t.Cleanup(func() { playSleep = saved })
	code, out, errs := run(t, "play", alice, "-file", gz, "-speed", "2", "-idle", "4")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if want := strings.Join(aliceOutput, "\r\n") + "\r\n"; out != want {
		t.Errorf("replayed %q, want %q", out, want)
	}
	want := []time.Duration{500 * time.Millisecond, 2 * time.Second, 500 * time.Millisecond}
	if fmt.Sprint(waits) != fmt.Sprint(want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
}

func TestPlayExitCodes(t *testing.T) {
	gz, _, _, broken := samples(t)
	badTime, badData := filepath.Join(t.TempDir(), "t.json"), filepath.Join(t.TempDir(), "d.json")
	good := smEvent(t, "2026-11-22T10:15:30Z", alice, aliceArn, "sh-5.2$ id")
	for p, line := range map[string]string{badTime: strings.Replace(good, "2026-11-22T10:15:30Z", "22/11/2026 10:15", 1), badData: strings.Replace(good, `["sh-5.2$ id"]`, `"sh-5.2$ id"`, 1)} {
		if err := os.WriteFile(p, []byte(line+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"not in the file", []string{"play", absent, "-file", gz}, 1, "holds no event of session"},
		{"unreadable", []string{"play", alice, "-file", broken}, 2, "not readable GZIP"},
		{"unreadable event of the session", []string{"play", alice, "-file", badTime}, 2, "eventTime of session " + alice + " is not RFC 3339"},
		{"unreadable output of the session", []string{"play", alice, "-file", badData}, 2, "sessionData of session " + alice + " is not a list of strings"},
		{"speed 0", []string{"play", alice, "-file", gz, "-speed", "0"}, 2, "-speed must be above 0"},
		{"cast into a missing directory", []string{"play", alice, "-file", gz, "-cast", filepath.Join(t.TempDir(), "no", "s.cast")}, 2, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := run(t, tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.msg) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tc.code, errs, tc.msg)
			}
		})
	}
}
