package cli

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// signedCopy writes a downloaded copy with two signed hours (one transcript in the first) and the
// PEM public key; it returns the directory, the key file and the transcript's path.
func signedCopy(t *testing.T) (dir, pubFile, transcript string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	write := func(key string, data []byte, mtime time.Time) string {
		p := filepath.Join(dir, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hour := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	body := []byte("$ id\n")
	transcript = write("session-manager/111122223333/eu-west-1/alice-1.log", body, hour.Add(time.Minute))
	objects := [][]evidence.Object{{{SHA256: evidence.SHA256Hex(body), Size: int64(len(body)), VersionID: "v1", Key: "session-manager/111122223333/eu-west-1/alice-1.log"}}, nil}
	signedHours(t, k, hour, objects, func(key string, body []byte, written time.Time) { write(key, body, written) })
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pubFile = filepath.Join(t.TempDir(), "public-key.pem")
	if err := os.WriteFile(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, pubFile, transcript
}

func TestValidateCommand(t *testing.T) {
	cases := []struct {
		name     string
		args     func(dir, pub string) []string
		change   func(transcript string)
		wantCode int
		want     string // in the JSON report (the fatal reason or a finding's check)
	}{
		{"clean", func(dir, pub string) []string { return []string{"-dir", dir, "-public-key", pub} }, nil, report.ExitClean, `"severity": "info"`},
		{"removed transcript", func(dir, pub string) []string { return []string{"-dir", dir, "-public-key", pub} },
			func(p string) { os.Remove(p) }, report.ExitFindings, `"check": "` + evidence.MissingObject + `"`},
		{"range beyond the digests", func(dir, pub string) []string {
			return []string{"-dir", dir, "-public-key", pub, "-from", "2026-12-06T10", "-to", "2026-12-06T12:00:00Z"}
		}, nil, report.ExitFindings, `"check": "` + evidence.MissingHour + `"`},
		{"no -dir", func(_, pub string) []string { return []string{"-public-key", pub} }, nil, report.ExitCouldNot, `pass -dir`},
		{"no -public-key", func(dir, _ string) []string { return []string{"-dir", dir} }, nil, report.ExitCouldNot, `pass -public-key`},
		{"unreadable key", func(dir, _ string) []string { return []string{"-dir", dir, "-public-key", dir} }, nil, report.ExitCouldNot, `-public-key:`},
		{"bad hours", func(dir, pub string) []string {
			return []string{"-dir", dir, "-public-key", pub, "-from", "yesterday", "-to", "10 o'clock"}
		}, nil, report.ExitCouldNot, `-to: not an hour like 2026-12-06T10 (got 10 o'clock)`},
		{"empty copy", func(_, pub string) []string { return []string{"-dir", t.TempDir(), "-public-key", pub} }, nil, report.ExitCouldNot, `no digests under digests/`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, pub, transcript := signedCopy(t)
			if c.change != nil {
				c.change(transcript)
			}
			var stdout, stderr bytes.Buffer
			d := Deps{Stdout: &stdout, Stderr: &stderr, Now: time.Now}
			code := Main(context.Background(), append([]string{"validate", "-json"}, c.args(dir, pub)...), d)
			if code != c.wantCode {
				t.Errorf("exit %d, want %d\n%s%s", code, c.wantCode, stdout.String(), stderr.String())
			}
			var r map[string]any
			if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, stdout.String())
			}
			if !strings.Contains(stdout.String(), c.want) {
				t.Errorf("report without %q:\n%s", c.want, stdout.String())
			}
		})
	}
}

// The human report groups the findings with their meaning and fix, and the usage names validate.
func TestValidateHuman(t *testing.T) {
	dir, pub, transcript := signedCopy(t)
	if err := os.WriteFile(transcript, []byte("$ id # edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), []string{"validate", "-dir", dir, "-public-key", pub}, Deps{Stdout: &stdout, Stderr: &stderr, Now: time.Now})
	if code != report.ExitFindings {
		t.Errorf("exit %d, want %d", code, report.ExitFindings)
	}
	for _, want := range []string{"FAIL " + evidence.AlteredObject + " (1)", "means: the copy's bytes are not those", "fix:", "1 fail, 0 warn, 1 info; exit status 1"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("human report without %q:\n%s", want, stdout.String())
		}
	}
	if strings.Contains(stdout.String(), "organization ,") {
		t.Errorf("the summary names an organization validate does not read:\n%s", stdout.String())
	}
	stderr.Reset()
	Main(context.Background(), nil, Deps{Stdout: &stdout, Stderr: &stderr})
	if !strings.Contains(stderr.String(), "\n  validate ") {
		t.Errorf("usage without validate:\n%s", stderr.String())
	}
}
