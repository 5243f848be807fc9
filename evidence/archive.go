package evidence

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
)

// ErrNotFound is what an Archive answers for a key or version it does not hold.
var ErrNotFound = errors.New("not found")

// ErrCannotList is what an Archive answers when it cannot find the objects outside the digests
// (the bucket is not listed online: docs/evidence.md).
var ErrCannotList = errors.New("objects outside the digests are not listed")

// Version is one version of a key, as the archive holds it.
type Version struct {
	ID           string
	DeleteMarker bool
	LastModified time.Time
}

// Unlisted is an object the archive holds under a key no digest of the range lists.
type Unlisted struct {
	Key          string
	LastModified time.Time
}

// Archive is what Validate reads: a downloaded copy (DirArchive) or the bucket itself (the
// online check of `sessionaudit validate`), so that both run the same checks.
type Archive interface {
	// Read returns the bytes of key's version (version "": the current one), ErrNotFound when the
	// archive does not hold it, another error when it could not look.
	Read(ctx context.Context, key, version string) ([]byte, error)
	// Versioned says Read reads the version asked for and Versions answers; a downloaded copy holds
	// only the current version of each key.
	Versioned() bool
	// Versions are every version of exactly key (delete markers included), in any order.
	Versions(ctx context.Context, key string) ([]Version, error)
	// Unlisted are the objects outside the digest prefix under keys not in listed, last modified in
	// [from, end), and how many others were outside that range; ErrCannotList when the archive
	// cannot list them.
	Unlisted(ctx context.Context, listed map[string]bool, from, end time.Time) ([]Unlisted, int, error)
}

// DirArchive is a downloaded copy of the bucket: objects at their keys, as `aws s3 sync` writes
// them (the AWS CLI sets each file's modification time to the object's LastModified).
type DirArchive string

// Read reads the file at key; a copy has one version of it (version is ignored).
func (d DirArchive) Read(_ context.Context, key, _ string) ([]byte, error) {
	data, err := os.ReadFile(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %v", ErrNotFound, err)
	}
	return data, err
}

// Versioned is false: a copy holds only the current version.
func (DirArchive) Versioned() bool { return false }

// Versions is not answered by a copy.
func (DirArchive) Versions(context.Context, string) ([]Version, error) {
	return nil, errors.New("a downloaded copy holds no versions")
}

// Unlisted walks the copy.
func (d DirArchive) Unlisted(_ context.Context, listed map[string]bool, from, end time.Time) ([]Unlisted, int, error) {
	var out []Unlisted
	outside := 0
	root := string(d)
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		key := filepath.ToSlash(rel)
		if e.IsDir() {
			if key+"/" == archivelayout.DigestPrefix {
				return filepath.SkipDir
			}
			return nil
		}
		if listed[key] {
			return nil
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		if t := info.ModTime(); t.Before(from) || !t.Before(end) {
			outside++
			return nil
		}
		out = append(out, Unlisted{Key: key, LastModified: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", root, err)
	}
	return out, outside, nil
}

func (d DirArchive) path(key string) string {
	return filepath.Join(string(d), filepath.FromSlash(key))
}
