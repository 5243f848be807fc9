package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// The digests the online tests read: hours 10 and 11 of onlineDay are validated, 12 is the hour
// after. The transcript is written in hour 10; a key that starts with the transcript's key (which
// ListObjectVersions' Prefix also matches) in hour 11.
var onlineHour = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)

const (
	onlineTranscript = "session-manager/111122223333/eu-west-1/alice-1.log"
	onlineLonger     = onlineTranscript + ".bak"
)

// digestBucket puts signed digests of three hours, their public key and the objects they list
// into the fake's versioned bucket; it returns the signing key.
func digestBucket(t *testing.T, o *fakeaws.Org) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("$ id\n")
	o.PutVersion(onlineTranscript, fakeaws.ObjectVersion{ID: "v1", Body: body, LastModified: onlineHour.Add(time.Minute)})
	longer := []byte("other\n")
	o.PutVersion(onlineLonger, fakeaws.ObjectVersion{ID: "b1", Body: longer, LastModified: onlineHour.Add(2 * time.Minute)})
	objects := [][]evidence.Object{
		{{SHA256: evidence.SHA256Hex(body), Size: int64(len(body)), VersionID: "v1", Key: onlineTranscript}},
		{{SHA256: evidence.SHA256Hex(longer), Size: int64(len(longer)), VersionID: "b1", Key: onlineLonger}},
		nil,
	}
	signedHours(t, k, onlineHour, objects, inFake(o))
	o.PutVersion(archivelayout.DigestPublicKey, fakeaws.ObjectVersion{ID: "p1", Body: pemOf(t, &k.PublicKey), LastModified: onlineHour})
	return k
}

func pemOf(t *testing.T, pub *ecdsa.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

var onlineRange = []string{"validate", "-from", "2026-12-06T10", "-to", "2026-12-06T11"}

func TestValidateOnline(t *testing.T) {
	otherKey := func(t *testing.T) string {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "other.pem")
		if err := os.WriteFile(p, pemOf(t, &k.PublicKey), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name     string
		args     func(t *testing.T) []string
		mutate   func(o *fakeaws.Org)
		inject   func(r *fakeaws.Request) *fakeaws.APIError
		wantCode int
		want     []string // checks with a fail finding (ExitFindings), or the fatal reason's words
		msg      string   // in the first finding's message (every page read)
	}{
		{name: "healthy", wantCode: report.ExitClean},
		{name: "a member wrote a new version", mutate: func(o *fakeaws.Org) {
			o.PutVersion(onlineTranscript, fakeaws.ObjectVersion{ID: "v2", Body: []byte("forged\n"), LastModified: onlineHour.Add(2 * time.Hour)})
		}, wantCode: report.ExitFindings, want: []string{evidence.ManyVersions}, msg: "2 versions in the bucket: v1, v2 (in no digest of the range)"},
		{name: "the transcript deleted (delete marker)", mutate: func(o *fakeaws.Org) {
			o.PutVersion(onlineTranscript, fakeaws.ObjectVersion{ID: "dm", DeleteMarker: true, LastModified: onlineHour.Add(2 * time.Hour)})
		}, wantCode: report.ExitFindings, want: []string{evidence.ManyVersions}, msg: "v1, dm (delete marker)"},
		{name: "the listed version removed", mutate: func(o *fakeaws.Org) {
			o.Versions[onlineTranscript] = []fakeaws.ObjectVersion{{ID: "v9", Body: []byte("$ id\n"), LastModified: onlineHour}}
		}, wantCode: report.ExitFindings, want: []string{evidence.MissingObject, evidence.ManyVersions}},
		{name: "the listed version's bytes differ", mutate: func(o *fakeaws.Org) {
			o.Versions[onlineTranscript][0].Body = []byte("$ id # edited\n")
		}, wantCode: report.ExitFindings, want: []string{evidence.AlteredObject}},
		{name: "a digest removed", mutate: func(o *fakeaws.Org) {
			delete(o.Versions, archivelayout.DigestKey(onlineHour.Add(time.Hour)))
		}, wantCode: report.ExitFindings, want: []string{evidence.MissingHour}},
		{name: "signed with another key", args: func(t *testing.T) []string { return []string{"-public-key", otherKey(t)} },
			wantCode: report.ExitFindings, want: []string{evidence.BadSignature}},
		{name: "no public key in the bucket", mutate: func(o *fakeaws.Org) { delete(o.Versions, archivelayout.DigestPublicKey) },
			wantCode: report.ExitCouldNot, want: []string{"pass -public-key"}},
		{name: "versions not readable", inject: func(r *fakeaws.Request) *fakeaws.APIError {
			if r.Operation == "ListObjectVersions" {
				return fakeaws.Denied("s3", "s3:ListBucketVersions")
			}
			return nil
		}, wantCode: report.ExitCouldNot, want: []string{"s3:ListBucketVersions"}},
		{name: "objects not readable", inject: func(r *fakeaws.Request) *fakeaws.APIError {
			if r.Operation == "GetObject" && r.Query.Get("versionId") != "" {
				return fakeaws.Denied("s3", "s3:GetObjectVersion")
			}
			return nil
		}, wantCode: report.ExitCouldNot, want: []string{"s3:GetObject"}},
		{name: "no range", args: func(*testing.T) []string { return []string{"-to", ""} }, wantCode: report.ExitCouldNot, want: []string{"-from and -to"}},
	}
	eachPageMode(t, func(t *testing.T, m pageMode) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				f := newFakeIn(t, m, 1, nil, func(o *fakeaws.Org) {
					digestBucket(t, o)
					if c.mutate != nil {
						c.mutate(o)
					}
				})
				f.srv.Inject = c.inject
				args := append([]string{}, onlineRange...)
				if c.args != nil {
					args = append(args, c.args(t)...)
				}
				code, r := f.runJSON(args...)
				if code != c.wantCode {
					t.Fatalf("exit %d, want %d; fatal %q\n%s", code, c.wantCode, r.Fatal, failing(r))
				}
				switch c.wantCode {
				case report.ExitCouldNot:
					for _, w := range c.want {
						if !strings.Contains(r.Fatal, w) {
							t.Errorf("fatal %q without %q", r.Fatal, w)
						}
					}
				case report.ExitFindings:
					for _, w := range c.want {
						if fs := findings(r, w); len(fs) == 0 || fs[0].Severity != report.Fail {
							t.Errorf("no fail %s:\n%s", w, failing(r))
						} else if !strings.Contains(fs[0].Message, c.msg) {
							t.Errorf("%s: %q, want %q", w, fs[0].Message, c.msg)
						}
					}
				default:
					if len(findings(r, checkPublicKey)) != 1 {
						t.Errorf("the report does not name the public key: %+v", r.Findings)
					}
					if fs := findings(r, evidence.OutsideRange); len(fs) != 1 || fs[0].Severity != report.Info {
						t.Errorf("want one note that the bucket is not listed: %+v", fs)
					}
				}
			})
		}
	})
}
