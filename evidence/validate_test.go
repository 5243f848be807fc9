package evidence

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
)

var start = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

// archive is a downloaded copy under construction: objects written per hour, digests built by the
// package with a real ECDSA P-256 key.
type archive struct {
	t     *testing.T
	dir   string
	key   *ecdsa.PrivateKey
	hours [][]Object
	prev  *Previous
}

func newArchive(t *testing.T) *archive {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &archive{t: t, dir: t.TempDir(), key: k}
}

// put writes an object version in hour h (index from start) and records it for that hour's digest.
func (a *archive) put(h int, key, version, body string) {
	a.t.Helper()
	for len(a.hours) <= h {
		a.hours = append(a.hours, nil)
	}
	a.hours[h] = append(a.hours[h], Object{SHA256: SHA256Hex([]byte(body)), Size: int64(len(body)), VersionID: version, Key: key})
	a.write(key, []byte(body), start.Add(time.Duration(h)*time.Hour+17*time.Minute))
}

func (a *archive) write(key string, data []byte, mtime time.Time) {
	a.t.Helper()
	p := filepath.Join(a.dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		a.t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		a.t.Fatal(err)
	}
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		a.t.Fatal(err)
	}
}

// digest builds and writes the digest of every hour so far (n hours in all), chained.
func (a *archive) digests(n int) {
	a.t.Helper()
	for h := 0; h < n; h++ {
		var objs []Object
		if h < len(a.hours) {
			objs = a.hours[h]
		}
		hour := start.Add(time.Duration(h) * time.Hour)
		file, sig, err := Build(context.Background(), "archive", hour, objs, a.prev, &a.key.PublicKey, KeySigner{a.key})
		if err != nil {
			a.t.Fatal(err)
		}
		key := archivelayout.DigestKey(hour)
		a.write(key, file, hour.Add(time.Hour+5*time.Minute))
		a.write(key+archivelayout.DigestSignatureSuffix, sig, hour.Add(time.Hour+5*time.Minute))
		a.prev = &Previous{Key: key, File: file, Signature: sig}
	}
}

func (a *archive) path(key string) string { return filepath.Join(a.dir, filepath.FromSlash(key)) }

// healthy is three hours: two with transcripts and forwarded output, the middle one empty.
func healthy(t *testing.T) *archive {
	a := newArchive(t)
	a.put(0, "session-manager/111122223333/eu-west-1/alice-0a1b.log", "v1", "$ id\nuid=0(root)\n")
	a.put(0, "cloudwatch/eu-west-1/2026/12/06/111122223333/stream-1.gz", "v1", "gzip bytes")
	a.put(2, "session-manager/444455556666/us-east-1/bob-9f8e.log", "v1", "$ ls\n")
	a.digests(3)
	return a
}

func kinds(ps []Problem, info bool) []string {
	var k []string
	for _, p := range ps {
		if p.Info == info {
			k = append(k, p.Kind+" "+p.Subject)
		}
	}
	slices.Sort(k)
	return k
}

func TestValidateDir(t *testing.T) {
	d0, d1, d2 := archivelayout.DigestKey(start), archivelayout.DigestKey(start.Add(time.Hour)), archivelayout.DigestKey(start.Add(2*time.Hour))
	alice := "session-manager/111122223333/eu-west-1/alice-0a1b.log"
	// A digest that does not verify vouches for nothing: its objects are unlisted, and the next
	// digest's link to it is broken.
	badHour0 := []string{BadSignature + " " + d0, BrokenChain + " " + d1,
		UnlistedObject + " cloudwatch/eu-west-1/2026/12/06/111122223333/stream-1.gz", UnlistedObject + " " + alice}
	cases := []struct {
		name   string
		change func(a *archive)
		want   []string
	}{
		{"healthy", func(*archive) {}, nil},
		{"missing object", func(a *archive) { os.Remove(a.path(alice)) }, []string{MissingObject + " " + alice}},
		{"altered object", func(a *archive) { a.write(alice, []byte("$ id\nuid=1000\n"), start) }, []string{AlteredObject + " " + alice}},
		{"unlisted object", func(a *archive) {
			a.write("session-manager/111122223333/eu-west-1/mallory-77.log", []byte("x"), start.Add(90*time.Minute))
		}, []string{UnlistedObject + " session-manager/111122223333/eu-west-1/mallory-77.log"}},
		{"removed digest", func(a *archive) { os.Remove(a.path(d1)) }, []string{MissingHour + " " + d1}},
		{"removed signature", func(a *archive) { os.Remove(a.path(d1 + ".sig")) }, []string{MissingHour + " " + d1}},
		{"edited digest", func(a *archive) {
			data, _ := os.ReadFile(a.path(d0))
			a.write(d0, []byte(strings.Replace(string(data), "\"size\":10", "\"size\":11", 1)), start)
		}, badHour0},
		{"signed with another key", func(a *archive) {
			other := newArchive(t)
			other.put(0, alice, "v1", "$ id\nuid=0(root)\n")
			other.digests(1)
			data, _ := os.ReadFile(other.path(d0))
			sig, _ := os.ReadFile(other.path(d0 + ".sig"))
			a.write(d0, data, start)
			a.write(d0+".sig", sig, start)
		}, badHour0},
		{"digest replaced by a validly signed one that drops an object", func(a *archive) {
			// Whoever can sign (the KMS key's users) rewrites hour 0 without the forwarded object:
			// the next digest's link shows it.
			file, sig, err := Build(context.Background(), "archive", start, a.hours[0][:1], nil, &a.key.PublicKey, KeySigner{a.key})
			if err != nil {
				t.Fatal(err)
			}
			a.write(d0, file, start)
			a.write(d0+".sig", sig, start)
		}, []string{BrokenChain + " " + d1, UnlistedObject + " cloudwatch/eu-west-1/2026/12/06/111122223333/stream-1.gz"}},
		{"chain skips an hour", func(a *archive) {
			file, sig, err := Build(context.Background(), "archive", start.Add(2*time.Hour), a.hours[2], &Previous{Key: d0}, &a.key.PublicKey, KeySigner{a.key})
			if err != nil {
				t.Fatal(err)
			}
			a.write(d2, file, start)
			a.write(d2+".sig", sig, start)
		}, []string{BrokenChain + " " + d2}},
		{"second version of a transcript", func(a *archive) {
			a.put(2, alice, "v2", "$ id\nnothing happened\n")
			a.prev = nil
			a.digests(3)
		}, []string{ManyVersions + " " + alice}},
		{"newest version deleted", func(a *archive) {
			a.put(2, alice, "v2", "second")
			a.prev = nil
			a.digests(3)
			a.write(alice, []byte("$ id\nuid=0(root)\n"), start)
		}, []string{AlteredObject + " " + alice, ManyVersions + " " + alice}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := healthy(t)
			c.change(a)
			ps, err := ValidateDir(DirOptions{Dir: a.dir, PublicKey: &a.key.PublicKey})
			if err != nil {
				t.Fatalf("could not run: %v", err)
			}
			if got := kinds(ps, false); !slices.Equal(got, c.want) {
				t.Errorf("problems %q, want %q\nall: %+v", got, c.want, ps)
			}
		})
	}
}

func TestValidateDirRange(t *testing.T) {
	a := healthy(t)
	// Two hours asked for beyond the last digest: both missing.
	ps, err := ValidateDir(DirOptions{Dir: a.dir, PublicKey: &a.key.PublicKey, From: start.Add(time.Hour), To: start.Add(4 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{MissingHour + " " + archivelayout.DigestKey(start.Add(3*time.Hour)), MissingHour + " " + archivelayout.DigestKey(start.Add(4*time.Hour))}
	if got := kinds(ps, false); !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
	// The hour-0 objects are outside the range: said, not judged.
	if got := kinds(ps, true); !slices.Contains(got, OutsideRange+" "+a.dir) {
		t.Errorf("info %q: the files outside the range are not mentioned", got)
	}
}

func TestValidateDirCannotRun(t *testing.T) {
	a := newArchive(t)
	if _, err := ValidateDir(DirOptions{Dir: a.dir, PublicKey: &a.key.PublicKey}); err == nil {
		t.Error("an empty copy without a range validated")
	}
	if _, err := ValidateDir(DirOptions{Dir: a.dir}); err == nil {
		t.Error("no public key, and it ran")
	}
	// An empty copy with a range is missing every hour: findings, not clean.
	ps, err := ValidateDir(DirOptions{Dir: a.dir, PublicKey: &a.key.PublicKey, From: start, To: start})
	if err != nil || len(kinds(ps, false)) != 1 {
		t.Errorf("empty copy with a range: %v, %+v", err, ps)
	}
}

func TestVerifyRSA(t *testing.T) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	file, sig, err := Build(context.Background(), "b", start, nil, nil, &k.PublicKey, KeySigner{k})
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(&k.PublicKey, file, sig); err != nil {
		t.Error(err)
	}
	if err := Verify(&k.PublicKey, append(file, ' '), sig); err == nil {
		t.Error("an altered file verified")
	}
}

func TestMarshalParse(t *testing.T) {
	objs := []Object{{SHA256: strings.Repeat("ab", 32), Size: 3, VersionID: "v&1", Key: "session-manager/1/r/a<b>.log"}}
	a := newArchive(t)
	file, _, err := Build(context.Background(), "b", start, objs, nil, &a.key.PublicKey, KeySigner{a.key})
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(file)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Objects, objs) || !d.Hour.Equal(start) || d.Key != archivelayout.DigestKey(start) {
		t.Errorf("round trip: %+v", d)
	}
	// One object per line, the key last and unescaped: what the shell check in docs/evidence.md reads.
	if !strings.Contains(string(file), "\n    {\"sha256\":\""+objs[0].SHA256+"\",\"size\":3,\"versionId\":\"v&1\",\"key\":\"session-manager/1/r/a<b>.log\"}\n") {
		t.Errorf("object line not as documented:\n%s", file)
	}
	if _, err := Parse([]byte(strings.Replace(string(file), `"version": 1`, `"version": 2`, 1))); err == nil {
		t.Error("format version 2 read")
	}
}

func TestDigestKey(t *testing.T) {
	at := time.Date(2026, 12, 6, 10, 59, 59, 0, time.FixedZone("CEST", 2*3600))
	if got, want := archivelayout.DigestKey(at), "digests/2026/12/06/08.json"; got != want {
		t.Errorf("DigestKey(%s) = %s, want %s (UTC, the hour's start)", at, got, want)
	}
}
