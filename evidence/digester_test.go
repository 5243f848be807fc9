package evidence

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
)

// The digester (constructs/digest/digester.js) writes what this package reads: node runs it on a
// fake bucket that is a directory, and ValidateDir and the documented shell check pass on it.
const digesterDriver = `
const fake = require(process.argv[1] + '/fake.js');
const { run } = require(process.argv[1] + '/digester.js');
const f = fake({ dir: process.argv[2], privateKey: process.env.KEY });
const t0 = Date.UTC(2026, 11, 6, 10, 0), H = 3600e3;
(async () => {
  f.put('session-manager/111122223333/eu-west-1/alice-1.log', 'v1', '$ id\n', t0 + 17 * 60e3);
  f.put('cloudwatch/eu-west-1/2026/12/06/111122223333/s-1.gz', 'v1', 'gz bytes', t0 + 40 * 60e3);
  await run(t0 + H + 5 * 60e3, f);
  f.put('session-manager/444455556666/us-east-1/bob "q".log', 'v1', '$ ls\n', t0 + 2 * H + 60e3);
  await run(t0 + 3 * H + 5 * 60e3, f);
})().catch((e) => { console.error(e); process.exit(1); });
`

func TestDigesterWritesWhatValidateReads(t *testing.T) {
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node runs the digester: %v", err)
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	src, err := filepath.Abs("../constructs/digest")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cmd := exec.Command("node", "-e", digesterDriver, src, dir)
	cmd.Env = append(os.Environ(), "KEY="+string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("digester: %v\n%s", err, out)
	}
	ps, err := ValidateDir(DirOptions{Dir: dir, PublicKey: &k.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(ps, false); len(got) != 0 {
		t.Errorf("the digester's digests do not validate: %q\n%+v", got, ps)
	}
	start := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	var hours []string
	for h := range 3 {
		hours = append(hours, archivelayout.DigestKey(start.Add(time.Duration(h)*time.Hour)))
		if _, err := os.Stat(filepath.Join(dir, hours[h])); err != nil {
			t.Errorf("hour %d: %v", h, err)
		}
	}
	// The public key it wrote is the key.
	data, err := os.ReadFile(filepath.Join(dir, archivelayout.DigestPublicKey))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := ParsePublicKey(data)
	if err != nil || !k.PublicKey.Equal(pub) {
		t.Errorf("%s is not the signing key: %v", archivelayout.DigestPublicKey, err)
	}
	// The shell check of docs/evidence.md passes on the digester's hour 1, and fails on its hour 2:
	// a key with a quote is listed JSON-escaped, which the shell check reports, never passes.
	script := filepath.Join(t.TempDir(), "check-digest.sh")
	if err := os.WriteFile(script, []byte(docBlocks(t)[0]), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, wantOK := range map[int]bool{1: true, 2: false} {
		cmd := exec.Command("sh", script, filepath.Join(dir, archivelayout.DigestPublicKey), hours[i], hours[i-1])
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if (err == nil) != wantOK {
			t.Errorf("shell check of %s: %v, want ok %v\n%s", hours[i], err, wantOK, out)
		}
	}
}
