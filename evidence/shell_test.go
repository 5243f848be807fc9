package evidence

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
)

// docBlocks are the shell blocks of docs/evidence.md marked as tested here, as the page has them.
func docBlocks(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../docs/evidence.md")
	if err != nil {
		t.Fatal(err)
	}
	const marker = "<!-- tested: evidence/shell_test.go runs this block as it is -->\n```sh\n"
	var blocks []string
	for _, part := range strings.Split(string(data), marker)[1:] {
		end := strings.Index(part, "\n```")
		if end < 0 {
			t.Fatalf("docs/evidence.md: a tested block has no end")
		}
		blocks = append(blocks, part[:end+1])
	}
	if len(blocks) != 2 {
		t.Fatalf("docs/evidence.md has %d tested shell blocks, want 2 (the digest check and the unlisted files)", len(blocks))
	}
	return blocks
}

// TestDocsShellCheck runs docs/evidence.md's openssl and sha256sum commands on digests this
// package made: they pass on a healthy copy and fail on each kind of tampering.
func TestDocsShellCheck(t *testing.T) {
	for _, tool := range []string{"openssl", "sha256sum", "sh"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed to prove the documented check: %v", tool, err)
		}
	}
	blocks := docBlocks(t)
	d0, d1 := archivelayout.DigestKey(start), archivelayout.DigestKey(start.Add(time.Hour))
	alice := "session-manager/111122223333/eu-west-1/alice-0a1b.log"
	cases := []struct {
		name     string
		change   func(a *archive)
		digest   string // the digest checked (its previous: the hour before)
		ok       bool
		want     string
		unlisted string // what the second block prints
	}{
		{"healthy", func(*archive) {}, d1, true, "chain: OK", ""},
		{"healthy, an empty hour", func(*archive) {}, archivelayout.DigestKey(start.Add(2 * time.Hour)), true, "objects: none written in this hour", ""},
		{"altered object", func(a *archive) {
			a.write("session-manager/444455556666/us-east-1/bob-9f8e.log", []byte("$ rm -rf /\n"), start)
		}, d1, false, "FAILED", ""},
		{"missing object", func(a *archive) { os.Remove(a.path("session-manager/444455556666/us-east-1/bob-9f8e.log")) }, d1, false, "FAILED", ""},
		{"edited digest", func(a *archive) {
			data, _ := os.ReadFile(a.path(d1))
			a.write(d1, []byte(strings.Replace(string(data), "bob-9f8e", "bob-0000", 1)), start)
		}, d1, false, "FAILED: signature", "session-manager/444455556666/us-east-1/bob-9f8e.log\n"},
		{"previous digest replaced, validly signed", func(a *archive) {
			file, sig, err := Build(context.Background(), "archive", start, nil, nil, &a.key.PublicKey, KeySigner{a.key})
			if err != nil {
				t.Fatal(err)
			}
			a.write(d0, file, start)
			a.write(d0+".sig", sig, start)
		}, d1, false, "is not the digest", alice + "\n"},
		{"unlisted object", func(a *archive) { a.write("cloudwatch/eu-west-1/2026/12/06/111122223333/x.gz", []byte("x"), start) }, d1, true, "chain: OK", "cloudwatch/eu-west-1/2026/12/06/111122223333/x.gz\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newArchive(t)
			a.put(0, alice, "v1", "$ id\nuid=0(root)\n")
			a.put(1, "session-manager/444455556666/us-east-1/bob-9f8e.log", "v1", "$ ls\n")
			a.digests(3)
			der, err := x509.MarshalPKIXPublicKey(&a.key.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			pub := filepath.Join(t.TempDir(), "public-key.pem")
			if err := os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
				t.Fatal(err)
			}
			c.change(a)
			script := filepath.Join(t.TempDir(), "check-digest.sh")
			if err := os.WriteFile(script, []byte(blocks[0]), 0o644); err != nil {
				t.Fatal(err)
			}
			hour, _ := time.Parse("digests/"+archivelayout.DigestHourLayout+".json", c.digest)
			cmd := exec.Command("sh", script, pub, c.digest, archivelayout.DigestKey(hour.Add(-time.Hour)))
			cmd.Dir = a.dir
			out, err := cmd.CombinedOutput()
			if (err == nil) != c.ok || !strings.Contains(string(out), c.want) {
				t.Errorf("check-digest.sh: error %v (want ok %v), output without %q:\n%s", err, c.ok, c.want, out)
			}
			cmd = exec.Command("sh", "-c", blocks[1])
			cmd.Dir = a.dir
			cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
			out, err = cmd.CombinedOutput()
			if err != nil || string(out) != c.unlisted {
				t.Errorf("unlisted files: %v, printed %q, want %q", err, out, c.unlisted)
			}
		})
	}
}
