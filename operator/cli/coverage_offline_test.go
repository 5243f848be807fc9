package cli

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// copyDir is a downloaded copy of the bucket being built: objects at their keys.
type copyDir struct {
	t   *testing.T
	dir string
}

// gz writes key as the streams write it: gzip, one line each.
func (c copyDir) gz(key string, lines ...string) {
	c.t.Helper()
	var b bytes.Buffer
	z := gzip.NewWriter(&b)
	for _, l := range lines {
		z.Write([]byte(l + "\n"))
	}
	z.Close()
	c.file(key, b.Bytes())
}

func (c copyDir) file(key string, data []byte) {
	c.t.Helper()
	p := filepath.Join(c.dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		c.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		c.t.Fatal(err)
	}
}

// ledgerEvent is an access event as the central bus receives it and the ledger's stream writes it.
func ledgerEvent(t *testing.T, at, account, region, event, session string) string {
	t.Helper()
	data, err := json.Marshal(map[string]any{
		"version": "0", "id": "e-" + session + "-" + event, "detail-type": "AWS API Call via CloudTrail", "source": "aws.ssm",
		"account": account, "time": at, "region": region, "resources": []string{},
		"detail": map[string]any{"eventName": event, "userIdentity": map[string]any{"arn": "arn:aws:iam::" + account + ":user/bob"},
			"requestParameters": map[string]any{"target": "i-0123456789abcdef0"}, "responseElements": map[string]any{"sessionId": session}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// rdpEvent is StartConnection of connection id at rdpHour + 5 minutes.
func rdpEvent(t *testing.T, id string) string {
	t.Helper()
	data, err := json.Marshal(map[string]any{
		"version": "0", "id": "e-" + id, "detail-type": "AWS API Call via CloudTrail", "source": "aws.ssm-guiconnect",
		"account": fakeaws.AccountID(1), "time": rdpHour.Add(5 * time.Minute).Format(time.RFC3339), "region": "us-east-1",
		"detail": map[string]any{"eventName": "StartConnection", "userIdentity": map[string]any{"arn": "arn:aws:iam::" + fakeaws.AccountID(1) + ":user/bob"},
			"requestParameters": map[string]any{"InstanceId": "i-02573cafcf0e1a2b3"}, "responseElements": map[string]any{"ConnectionArn": connection(id)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// digests writes signed digests of the hours rdpHour + 0 … 3 as the digester writes them, each
// listing the keys of objects[hour]; the hours in skip have none.
func (c copyDir) digests(objects map[int][]string, skip ...int) {
	c.t.Helper()
	lists := make([][]evidence.Object, 4)
	for i := range lists {
		for _, key := range objects[i] {
			lists[i] = append(lists[i], evidence.Object{SHA256: evidence.SHA256Hex([]byte(key)), Size: int64(len(key)), VersionID: "r1", Key: key})
		}
	}
	signedHours(c.t, signingKey(c.t), rdpHour, lists, func(key string, body []byte, _ time.Time) { c.file(key, body) }, skip...)
}

// offlineDeps are deps that fail the test on any AWS call.
func offlineDeps(t *testing.T, out, errOut *bytes.Buffer) Deps {
	return Deps{Stdout: out, Stderr: errOut, Getenv: func(string) string { return "" },
		Now: func() time.Time { return time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC) },
		LoadAWS: func(context.Context, string, func() aws.Retryer) (aws.Config, error) {
			t.Error("an offline command loaded the AWS configuration")
			return aws.Config{}, context.Canceled
		}}
}

// coverageDir runs coverage -dir with deps that fail the test on any AWS call.
func coverageDir(t *testing.T, dir string, extra ...string) (int, *report.Report, string) {
	t.Helper()
	_, path := exampleConfig(t, nil)
	var out, errOut bytes.Buffer
	d := offlineDeps(t, &out, &errOut)
	args := append([]string{"coverage", "-dir", dir, "-config", path, "-from", "2026-11-01", "-to", "2026-11-03", "-json", "-quiet"}, extra...)
	code := Main(context.Background(), args, d)
	var r report.Report
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("report is not JSON: %v\n%s\nstderr: %s", err, out.String(), errOut.String())
	}
	return code, &r, errOut.String()
}

func TestCoverageDir(t *testing.T) {
	const m, home = "333333333333", "ap-northeast-1"
	ledgerKey := "ledger/2026/11/02/10/session-audit-ledger-1-2026-11-02-10-00-00-0a1b.json.gz"
	outKey := "cloudwatch/" + home + "/2026/11/02/" + m + "/session-audit-" + home + "-1-2026-11-02-10-00-00-" + m + ".json.gz"
	output := func(session, at string) string {
		return `{"eventVersion":"1.0","eventTime":"` + at + `","awsRegion":"` + home + `","sessionId":"` + session + `","sessionData":["sh-5.2$ id"]}`
	}
	transcript := archivelayout.TranscriptKeyPrefix(m, home) + "/s-1.log"
	for _, tc := range []struct {
		name        string
		build       func(c copyDir)
		dir         func(string) string
		code        int
		check, want string // a finding of check whose message or meaning holds want; or, exit 2, the fatal's words
	}{
		{"healthy copy", func(c copyDir) {
			c.gz(ledgerKey, ledgerEvent(t, "2026-11-02T10:00:00Z", m, home, "StartSession", "s-1"), ledgerEvent(t, "2026-11-02T10:09:00Z", m, home, "TerminateSession", "s-1"))
			c.gz(outKey, output("s-1", "2026-11-02T10:00:05Z"), "a foreign line", output("s-2x", "2026-10-01T00:00:00Z"), output("s-1", "2026-11-02T10:01:00Z"))
			c.file(transcript, []byte("sh-5.2$ id\n"))
		}, nil, report.ExitClean, "coverage.session", "forwarded output (2 lines) and transcript"},
		{"a session without a record", func(c copyDir) {
			c.gz(ledgerKey, ledgerEvent(t, "2026-11-02T10:00:00Z", m, home, "StartSession", "s-1"))
		}, nil, report.ExitFindings, "coverage.missing", "no output after start"},
		{"output without a transcript", func(c copyDir) {
			c.gz(ledgerKey, ledgerEvent(t, "2026-11-02T10:00:00Z", m, home, "StartSession", "s-1"))
			c.gz(outKey, output("s-1", "2026-11-02T10:00:05Z"))
		}, nil, report.ExitFindings, "coverage.transcript", "transcript never uploaded"},
		{"forged output", func(c copyDir) {
			c.gz(ledgerKey, ledgerEvent(t, "2026-11-02T10:00:00Z", m, home, "StartSession", "s-1"))
			c.gz(outKey, output("s-1", "2026-11-02T10:00:05Z"), output("forged-1", "2026-11-02T11:00:00Z"))
			c.file(transcript, nil)
		}, nil, report.ExitFindings, "coverage.forged", "never saw start"},
		{"empty ledger days", func(c copyDir) {
			// The ledger holds only days the period does not read.
			c.gz("ledger/2026/10/01/10/session-audit-ledger-1.json.gz", ledgerEvent(t, "2026-10-01T10:00:00Z", m, home, "StartSession", "s-0"))
			c.gz("ledger/2026/11/20/10/session-audit-ledger-1.json.gz", ledgerEvent(t, "2026-11-20T10:00:00Z", m, home, "StartSession", "s-9"))
		}, nil, report.ExitFindings, "coverage.ledger", "no event at all"},
		{"unreadable gzip", func(c copyDir) {
			c.file(ledgerKey, []byte("not gzip at all"))
		}, nil, report.ExitCouldNot, "", ledgerKey},
		{"a truncated gzip", func(c copyDir) {
			c.gz(ledgerKey, ledgerEvent(t, "2026-11-02T10:00:00Z", m, home, "StartSession", "s-1"))
			p := filepath.Join(c.dir, filepath.FromSlash(ledgerKey))
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)/2], 0o600)
		}, nil, report.ExitCouldNot, "", ledgerKey},
		{"RDP recording in the copy's digests", func(c copyDir) {
			c.gz(ledgerKey, rdpEvent(t, conn1))
			c.digests(map[int][]string{1: {recording(conn2), recording(conn1)}})
		}, nil, report.ExitClean, "coverage.session", "RDP recording " + recording(conn1)},
		{"RDP connection, a digest missing from the copy", func(c copyDir) {
			c.gz(ledgerKey, rdpEvent(t, conn1))
			c.digests(nil, 2)
		}, nil, report.ExitFindings, "coverage.recording", "cannot tell"},
		{"missing DIR", func(copyDir) {}, func(d string) string { return filepath.Join(d, "absent") }, report.ExitCouldNot, "", "not a directory"},
		{"not a copy of the bucket", func(c copyDir) { c.file("other/file", nil) }, nil, report.ExitCouldNot, "", "not a copy of the archive bucket"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := copyDir{t: t, dir: t.TempDir()}
			tc.build(c)
			dir := c.dir
			if tc.dir != nil {
				dir = tc.dir(dir)
			}
			code, r, errOut := coverageDir(t, dir)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; fatal %q; stderr %s\n%s", code, tc.code, r.Fatal, errOut, failing(r))
			}
			if tc.code == report.ExitCouldNot {
				if !strings.Contains(r.Fatal, tc.want) {
					t.Errorf("fatal %q, want it to say %q", r.Fatal, tc.want)
				}
				return
			}
			if !strings.Contains(r.Caller, "offline") {
				t.Errorf("caller %q: the report does not say it ran offline", r.Caller)
			}
			got := findings(r, tc.check)
			if r.Fatal != "" || len(got) == 0 || !strings.Contains(got[0].Message+" "+got[0].Meaning, tc.want) {
				t.Fatalf("fatal %q, %s findings %+v, want %q:\n%s", r.Fatal, tc.check, got, tc.want, failing(r))
			}
		})
	}
}
