package evidence

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// bucket is a versioned archive in memory, built from a downloaded copy of the test archive: each
// file is the one version "v1" of its key unless changed.
type bucket struct {
	dir      DirArchive
	versions map[string][]Version
	bodies   map[string][]byte // "<key>@<version>"
	readErr  error
	empty    bool
}

func newBucket(a *archive) *bucket {
	return &bucket{dir: DirArchive(a.dir), versions: map[string][]Version{}, bodies: map[string][]byte{}}
}

func (b *bucket) Read(ctx context.Context, key, version string) ([]byte, error) {
	if b.readErr != nil {
		return nil, b.readErr
	}
	if version == "" {
		return b.dir.Read(ctx, key, "")
	}
	if data, ok := b.bodies[key+"@"+version]; ok {
		return data, nil
	}
	if _, changed := b.versions[key]; changed {
		return nil, ErrNotFound
	}
	if version != "v1" {
		return nil, ErrNotFound
	}
	return b.dir.Read(ctx, key, "")
}

func (b *bucket) Versioned() bool { return true }

func (b *bucket) Versions(_ context.Context, key string) ([]Version, error) {
	if b.empty {
		return nil, nil
	}
	if vs, ok := b.versions[key]; ok {
		return vs, nil
	}
	return []Version{{ID: "v1", LastModified: start}}, nil
}

func (b *bucket) Unlisted(context.Context, map[string]bool, time.Time, time.Time) ([]Unlisted, int, error) {
	return nil, 0, ErrCannotList
}

func TestValidateVersioned(t *testing.T) {
	alice := "session-manager/111122223333/eu-west-1/alice-0a1b.log"
	cases := []struct {
		name    string
		change  func(a *archive, b *bucket)
		want    []string
		wantErr string
	}{
		{"healthy", nil, nil, ""},
		{"altered version", func(a *archive, b *bucket) {
			b.versions[alice] = []Version{{ID: "v1", LastModified: start}}
			b.bodies[alice+"@v1"] = []byte("$ id # edited\n")
		}, []string{AlteredObject + " " + alice}, ""},
		{"removed version", func(a *archive, b *bucket) {
			b.versions[alice] = []Version{{ID: "v2", LastModified: start.Add(time.Hour)}}
			b.bodies[alice+"@v2"] = []byte("other")
		}, []string{ManyVersions + " " + alice, MissingObject + " " + alice}, ""},
		{"member wrote a new version", func(a *archive, b *bucket) {
			body, _ := os.ReadFile(a.path(alice))
			b.versions[alice] = []Version{{ID: "v2", LastModified: start.Add(time.Hour)}, {ID: "v1", LastModified: start}}
			b.bodies[alice+"@v1"], b.bodies[alice+"@v2"] = body, []byte("forged")
		}, []string{ManyVersions + " " + alice}, ""},
		{"delete marker", func(a *archive, b *bucket) {
			body, _ := os.ReadFile(a.path(alice))
			b.versions[alice] = []Version{{ID: "v1", LastModified: start}, {ID: "dm", DeleteMarker: true, LastModified: start.Add(time.Hour)}}
			b.bodies[alice+"@v1"] = body
		}, []string{ManyVersions + " " + alice}, ""},
		{"empty versions answer", func(a *archive, b *bucket) { b.empty = true }, nil, "lists no version"},
		{"unreadable bucket", func(a *archive, b *bucket) { b.readErr = errors.New("AccessDenied") }, nil, "AccessDenied"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := healthy(t)
			b := newBucket(a)
			if c.change != nil {
				c.change(a, b)
			}
			ps, err := Validate(context.Background(), b, Options{PublicKey: &a.key.PublicKey, From: start, To: start.Add(2 * time.Hour)})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := kinds(ps, false); !slices.Equal(got, c.want) {
				t.Errorf("problems %q, want %q", got, c.want)
			}
			if !slices.ContainsFunc(ps, func(p Problem) bool {
				return p.Kind == OutsideRange && p.Info && strings.Contains(p.Message, "not listed")
			}) {
				t.Errorf("no note that the bucket is not listed: %+v", ps)
			}
		})
	}
}

func TestValidateNeedsRange(t *testing.T) {
	a := healthy(t)
	if _, err := Validate(context.Background(), newBucket(a), Options{PublicKey: &a.key.PublicKey}); err == nil {
		t.Error("no error without a range")
	}
}
