package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// sessions -dir lists the sessions of a downloaded copy with no AWS call (offlineDeps fails the
// test on one), -grep reads the copy's forwarded output, and a copy that cannot be read is exit 2.
func TestSessionsDir(t *testing.T) {
	const m, home = "333333333333", "ap-northeast-1"
	ledgerKey := "ledger/2026/11/02/10/session-audit-ledger-1-2026-11-02-10-00-00-0a1b.json.gz"
	outKey := "cloudwatch/" + home + "/2026/11/02/" + m + "/session-audit-" + home + "-1-2026-11-02-10-00-00-" + m + ".json.gz"
	output := func(session, line string) string {
		return `{"eventTime":"2026-11-02T10:00:05Z","sessionId":"` + session + `","sessionData":["` + line + `"]}`
	}
	healthy := func(c copyDir) {
		c.gz(ledgerKey, ledgerEvent(t, "2026-11-02T10:00:00Z", m, home, "StartSession", "s-1"),
			ledgerEvent(t, "2026-11-02T10:05:00Z", m, home, "StartSession", "s-2"),
			ledgerEvent(t, "2026-11-02T10:09:00Z", m, home, "TerminateSession", "s-1"))
		c.gz(outKey, output("s-1", "sh-5.2$ sudo -i"), output("s-2", "sh-5.2$ ls"), "a foreign line")
	}
	for _, tc := range []struct {
		name  string
		build func(c copyDir)
		dir   func(string) string
		args  []string
		code  int
		want  []string // the sessions listed; or, exit 2, words of stderr
	}{
		{"healthy copy", healthy, nil, nil, report.ExitClean, []string{"s-1", "s-2"}},
		{"-grep reads the copy's output", healthy, nil, []string{"-grep", "sudo"}, report.ExitClean, []string{"s-1"}},
		{"-who", healthy, nil, []string{"-who", "nobody"}, report.ExitClean, nil},
		{"unreadable gzip", func(c copyDir) { c.file(ledgerKey, []byte("not gzip")) }, nil, nil, report.ExitCouldNot, []string{ledgerKey}},
		{"missing DIR", func(copyDir) {}, func(d string) string { return filepath.Join(d, "absent") }, nil, report.ExitCouldNot, []string{"not a directory"}},
		{"not a copy of the bucket", func(c copyDir) { c.file("other/file", nil) }, nil, nil, report.ExitCouldNot, []string{"not a copy of the archive bucket"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := copyDir{t: t, dir: t.TempDir()}
			tc.build(c)
			dir := c.dir
			if tc.dir != nil {
				dir = tc.dir(dir)
			}
			_, path := exampleConfig(t, nil)
			var out, errOut bytes.Buffer
			args := append([]string{"sessions", "-dir", dir, "-config", path, "-from", "2026-11-01", "-to", "2026-11-03", "-json", "-quiet"}, tc.args...)
			code := Main(context.Background(), args, offlineDeps(t, &out, &errOut))
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out.String(), errOut.String())
			}
			if code == report.ExitCouldNot {
				for _, w := range tc.want {
					if !strings.Contains(errOut.String(), w) {
						t.Errorf("stderr does not say %q:\n%s", w, errOut.String())
					}
				}
				return
			}
			var list []coverage.Session
			if err := json.Unmarshal(out.Bytes(), &list); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out.String())
			}
			var ids []string
			for _, s := range list {
				ids = append(ids, s.ID)
			}
			if strings.Join(ids, " ") != strings.Join(tc.want, " ") {
				t.Errorf("listed %v, want %v", ids, tc.want)
			}
			if len(list) > 0 && (list[0].End != "2026-11-02T10:09:00Z" || list[0].Logged != coverage.Logged) {
				t.Errorf("first session %+v: want its end from the TerminateSession and logged", list[0])
			}
			if strings.Contains(errOut.String(), "bytes scanned") {
				t.Errorf("offline, no Athena price is said:\n%s", errOut.String())
			}
		})
	}
}
