package coverage

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, key string, data []byte) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func gz(t *testing.T, text string) []byte {
	t.Helper()
	var b bytes.Buffer
	z := gzip.NewWriter(&b)
	if _, err := z.Write([]byte(text)); err != nil {
		t.Fatal(err)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Dir reads only the day partitions the query names (a broken object on another day is never
// opened), reads a file without .gz as text, and refuses what it cannot answer.
func TestDirReadsOnlyTheDaysAsked(t *testing.T) {
	dir := t.TempDir()
	line := `{"id":"e-1","time":"2026-11-02T10:00:00Z","account":"333333333333","region":"us-east-1","detail-type":"x","detail":{"eventName":"StartSession","responseElements":{"sessionId":"s-1"}}}` + "\n"
	writeFile(t, dir, "ledger/2026/11/02/10/a.json.gz", gz(t, line))
	writeFile(t, dir, "ledger/2026/11/02/11/plain.json", []byte(strings.Replace(line, "e-1", "e-2", 1)))
	writeFile(t, dir, "ledger/2026/11/01/10/broken.json.gz", []byte("not gzip"))
	writeFile(t, dir, "ledger/2026/11/03/10/broken.json.gz", []byte("not gzip"))
	writeFile(t, dir, "cloudwatch/eu-west-1/2026/11/02/333333333333/broken.json.gz", []byte("not gzip"))
	d := Dir{Path: dir, Regions: []string{"us-east-1"}}
	ctx := context.Background()
	rows, err := d.Rows(ctx, LedgerSQL, []string{"2026/11/02", "2026/11/02"})
	if err != nil || len(rows) != 2 || rows[0]["session"] != "s-1" || rows[1]["id"] != "e-2" {
		t.Fatalf("rows %v, error %v: want e-1 (gzip) and e-2 (text) only", rows, err)
	}
	if rows, err := d.Rows(ctx, ForwardedSQL, []string{"2026/11/01", "2026/11/03"}); err != nil || len(rows) != 0 {
		t.Errorf("forwarded of a region not governed: rows %v, error %v", rows, err)
	}
	for _, days := range [][]string{{"2026/11/01", "2026/11/02"}, {"2026/11/02", "2026/11/03"}} {
		if _, err := d.Rows(ctx, LedgerSQL, days); err == nil || !strings.Contains(err.Error(), "broken.json.gz") {
			t.Errorf("%v: error %v, want the broken object named", days, err)
		}
	}
	for name, c := range map[string]struct {
		sql    string
		params []string
	}{
		"another query":      {"SELECT 1", []string{"2026/11/02", "2026/11/02"}},
		"a day not a day":    {LedgerSQL, []string{"2026-11-02", "2026/11/02"}},
		"too few parameters": {SessionsSQL, []string{"2026/11/02", "2026/11/02"}},
		"a bad expression":   {GrepSQL, []string{"2026/11/02", "2026/11/02", "("}},
	} {
		if _, err := d.Rows(ctx, c.sql, c.params); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if ok, err := d.Transcript(ctx, "ledger/2026/11/02/10/a.json.gz"); !ok || err != nil {
		t.Errorf("a file held: %v %v", ok, err)
	}
	if ok, err := d.Transcript(ctx, "session-manager/333333333333/us-east-1/s-1.log"); ok || err != nil {
		t.Errorf("a file not held: %v %v", ok, err)
	}
}
