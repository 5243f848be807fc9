package evidence

import (
	"crypto"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
)

// Kinds of problems the validation reports (docs/evidence.md lists them).
const (
	MissingHour      = "digest.missing-hour"  // an hour in the range has no digest or no signature
	BadSignature     = "digest.bad-signature" // a digest's signature does not verify, or it is unreadable
	BrokenChain      = "digest.broken-chain"  // a digest does not name the previous digest as it is
	MissingObject    = "object.missing"       // a listed object is not there
	AlteredObject    = "object.altered"       // a listed object's bytes are not the listed ones
	UnlistedObject   = "object.unlisted"      // an object written in the range is in no digest
	ManyVersions     = "object.many-versions" // a key was written more than once (a newer version may replace what was recorded)
	ChainStart       = "digest.chain-start"   // informational: the chain starts in the range
	OutsideRange     = "object.outside-range" // informational: objects last modified outside the range
	UnknownSignerKey = "digest.unknown-key"   // a digest names another signing key
)

// Problem is one thing the validation found.
type Problem struct {
	Kind    string
	Subject string
	Message string
	// Info marks what is worth knowing but no failure.
	Info bool
}

// DirOptions say what to validate in a downloaded copy of the bucket.
type DirOptions struct {
	// Dir holds the bucket's objects at their keys, as `aws s3 sync s3://<bucket> <dir>` writes them
	// (the AWS CLI sets each file's modification time to the object's LastModified).
	Dir string
	// PublicKey verifies the signatures.
	PublicKey crypto.PublicKey
	// From and To are the first and last hour checked (inclusive, truncated to the hour); zero: the
	// first and last hour of the digests in Dir.
	From, To time.Time
}

// ValidateDir checks the digests of a downloaded copy: every hour of the range has a digest whose
// signature verifies and which chains to the previous one, every listed object is there with its
// bytes, no object written in the range is missing from the digests, and no key was written twice.
// An error means it could not run (no digests, an unreadable directory).
func ValidateDir(o DirOptions) ([]Problem, error) {
	if o.PublicKey == nil {
		return nil, errors.New("no public key")
	}
	fp, err := PublicKeySHA256(o.PublicKey)
	if err != nil {
		return nil, err
	}
	hours, err := digestHours(o.Dir)
	if err != nil {
		return nil, err
	}
	from, to := o.From.UTC().Truncate(time.Hour), o.To.UTC().Truncate(time.Hour)
	if o.From.IsZero() || o.To.IsZero() {
		if len(hours) == 0 {
			return nil, fmt.Errorf("%s: no digests under %s (download the bucket with aws s3 sync, or pass -from and -to)", o.Dir, archivelayout.DigestPrefix)
		}
		if o.From.IsZero() {
			from = hours[0]
		}
		if o.To.IsZero() {
			to = hours[len(hours)-1]
		}
	}
	if to.Before(from) {
		return nil, fmt.Errorf("the range ends (%s) before it starts (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	v := &dirCheck{dir: o.Dir, pub: o.PublicKey, fp: fp}
	// The hour before the range anchors its first link; the hour after may list objects written
	// in the last moments of the range.
	type loaded struct {
		d         *Digest
		file, sig []byte
	}
	byHour := map[time.Time]loaded{}
	for h := from.Add(-time.Hour); !h.After(to.Add(time.Hour)); h = h.Add(time.Hour) {
		inRange := !h.Before(from) && !h.After(to)
		d, file, sig := v.load(h, inRange)
		byHour[h] = loaded{d, file, sig}
	}
	var listed []Object
	for h := from; !h.After(to); h = h.Add(time.Hour) {
		cur := byHour[h]
		if cur.d == nil {
			continue
		}
		listed = append(listed, cur.d.Objects...)
		prev := byHour[h.Add(-time.Hour)]
		key := archivelayout.DigestKey(h)
		switch {
		case cur.d.PreviousKey == "":
			v.add(Problem{Kind: ChainStart, Subject: key, Info: true, Message: "the chain starts here: the digest names no previous digest"})
			if prev.file != nil {
				v.add(Problem{Kind: BrokenChain, Subject: key, Message: "the digest names no previous digest, but " + archivelayout.DigestKey(h.Add(-time.Hour)) + " exists"})
			}
		case cur.d.PreviousKey != archivelayout.DigestKey(h.Add(-time.Hour)):
			v.add(Problem{Kind: BrokenChain, Subject: key, Message: fmt.Sprintf("the digest names %s as the previous digest, not the previous hour's %s", cur.d.PreviousKey, archivelayout.DigestKey(h.Add(-time.Hour)))})
		case prev.file == nil || prev.sig == nil:
			if h.Equal(from) {
				v.add(Problem{Kind: ChainStart, Subject: key, Info: true, Message: "the previous digest " + cur.d.PreviousKey + " is not in the copy: the first link is not checked"})
			} // within the range, the missing hour is reported already
		case SHA256Hex(prev.file) != cur.d.PreviousSHA256:
			v.add(Problem{Kind: BrokenChain, Subject: key, Message: fmt.Sprintf("the previous digest %s has SHA-256 %s, the digest recorded %s", cur.d.PreviousKey, SHA256Hex(prev.file), cur.d.PreviousSHA256)})
		case SHA256Hex(prev.sig) != cur.d.PreviousSignatureSHA256:
			v.add(Problem{Kind: BrokenChain, Subject: key, Message: fmt.Sprintf("the previous digest's signature has SHA-256 %s, the digest recorded %s", SHA256Hex(prev.sig), cur.d.PreviousSignatureSHA256)})
		}
	}
	if next := byHour[to.Add(time.Hour)]; next.d != nil {
		listed = append(listed, next.d.Objects...)
	}
	if err := v.objects(listed, from, to.Add(time.Hour)); err != nil {
		return nil, err
	}
	return v.problems, nil
}

type dirCheck struct {
	dir      string
	pub      crypto.PublicKey
	fp       string
	problems []Problem
}

func (v *dirCheck) add(p Problem) { v.problems = append(v.problems, p) }

// load reads and verifies the digest of hour h; problems are reported only when report is set.
// The digest is nil when it is missing or does not verify.
func (v *dirCheck) load(h time.Time, report bool) (*Digest, []byte, []byte) {
	key := archivelayout.DigestKey(h)
	file, ferr := os.ReadFile(v.path(key))
	sig, serr := os.ReadFile(v.path(key + archivelayout.DigestSignatureSuffix))
	fail := func(kind, msg string) (*Digest, []byte, []byte) {
		if report {
			v.add(Problem{Kind: kind, Subject: key, Message: msg})
		}
		return nil, file, sig
	}
	switch {
	case ferr != nil && errors.Is(ferr, fs.ErrNotExist):
		return fail(MissingHour, "no digest for the hour "+h.Format(time.RFC3339))
	case ferr != nil:
		return fail(MissingHour, ferr.Error())
	case serr != nil:
		return fail(MissingHour, "the digest has no signature "+key+archivelayout.DigestSignatureSuffix+": "+serr.Error())
	}
	if err := Verify(v.pub, file, sig); err != nil {
		return fail(BadSignature, "the signature does not verify with the public key: "+err.Error())
	}
	d, err := Parse(file)
	if err != nil {
		return fail(BadSignature, "the signed digest cannot be read: "+err.Error())
	}
	if d.PublicKeySHA256 != v.fp {
		return fail(UnknownSignerKey, fmt.Sprintf("the digest names the signing key %s, the public key given is %s", d.PublicKeySHA256, v.fp))
	}
	if d.Key != key || !d.Hour.Equal(h) {
		return fail(BrokenChain, fmt.Sprintf("the digest at %s says it is %s for the hour %s", key, d.Key, d.Hour.Format(time.RFC3339)))
	}
	return &d, file, sig
}

func (v *dirCheck) path(key string) string { return filepath.Join(v.dir, filepath.FromSlash(key)) }

// objects checks the listed objects against the copy, and the copy's files of [from, end) against
// the listing.
func (v *dirCheck) objects(listed []Object, from, end time.Time) error {
	versions := map[string][]Object{}
	var order []string
	for _, o := range listed {
		if _, seen := versions[o.Key]; !seen {
			order = append(order, o.Key)
		}
		if !slices.ContainsFunc(versions[o.Key], func(p Object) bool { return p.VersionID == o.VersionID }) {
			versions[o.Key] = append(versions[o.Key], o)
		}
	}
	for _, key := range order {
		vs := versions[key]
		if len(vs) > 1 {
			ids := make([]string, len(vs))
			for i, o := range vs {
				ids[i] = o.VersionID
			}
			v.add(Problem{Kind: ManyVersions, Subject: key, Message: fmt.Sprintf("%d versions written: %s (the first is the record; a later one may replace it)", len(vs), strings.Join(ids, ", "))})
		}
		newest := vs[len(vs)-1]
		data, err := os.ReadFile(v.path(key))
		if err != nil {
			v.add(Problem{Kind: MissingObject, Subject: key, Message: fmt.Sprintf("listed (version %s, %d bytes) but not in the copy: %v", newest.VersionID, newest.Size, err)})
			continue
		}
		sum := SHA256Hex(data)
		if sum == newest.SHA256 && int64(len(data)) == newest.Size {
			continue
		}
		msg := fmt.Sprintf("SHA-256 %s, %d bytes; the digest lists version %s with %s, %d bytes", sum, len(data), newest.VersionID, newest.SHA256, newest.Size)
		if i := slices.IndexFunc(vs, func(o Object) bool { return o.SHA256 == sum }); i >= 0 {
			msg += fmt.Sprintf(" (the copy is the earlier version %s: the newer version is missing)", vs[i].VersionID)
		}
		v.add(Problem{Kind: AlteredObject, Subject: key, Message: msg})
	}
	outside := 0
	err := filepath.WalkDir(v.dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(v.dir, path)
		key := filepath.ToSlash(rel)
		if e.IsDir() {
			if key+"/" == archivelayout.DigestPrefix {
				return filepath.SkipDir
			}
			return nil
		}
		if _, ok := versions[key]; ok {
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
		v.add(Problem{Kind: UnlistedObject, Subject: key, Message: fmt.Sprintf("last modified %s, in no digest of the range", info.ModTime().UTC().Format(time.RFC3339))})
		return nil
	})
	if err != nil {
		return fmt.Errorf("reading %s: %w", v.dir, err)
	}
	if outside > 0 {
		v.add(Problem{Kind: OutsideRange, Info: true, Subject: v.dir, Message: fmt.Sprintf("%d unlisted files last modified outside %s – %s are not judged", outside, from.Format(time.RFC3339), end.Format(time.RFC3339))})
	}
	return nil
}

// digestHours are the hours of the digests under dir, in order.
func digestHours(dir string) ([]time.Time, error) {
	root := filepath.Join(dir, filepath.FromSlash(archivelayout.DigestPrefix))
	var hours []time.Time
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == root {
				return nil
			}
			return err
		}
		rel, _ := filepath.Rel(root, path)
		name := strings.TrimSuffix(filepath.ToSlash(rel), ".json")
		if e.IsDir() || !strings.HasSuffix(rel, ".json") {
			return nil
		}
		if h, err := time.Parse(archivelayout.DigestHourLayout, name); err == nil {
			hours = append(hours, h)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", root, err)
	}
	slices.SortFunc(hours, func(a, b time.Time) int { return a.Compare(b) })
	return hours, nil
}
