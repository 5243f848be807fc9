package evidence

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io/fs"
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

// Options say what Validate checks.
type Options struct {
	// PublicKey verifies the signatures.
	PublicKey crypto.PublicKey
	// From and To are the first and last hour checked (inclusive, truncated to the hour).
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
	hours, err := digestHours(o.Dir)
	if err != nil {
		return nil, err
	}
	from, to := o.From, o.To
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
	return Validate(context.Background(), DirArchive(o.Dir), Options{PublicKey: o.PublicKey, From: from, To: to})
}

// Validate checks the digests of the hours From to To in a: every hour has a digest whose
// signature verifies and which chains to the previous one, every listed object version is there
// with its bytes, and no key was written twice; where a can list (a downloaded copy), no object
// written in the range is missing from the digests. It reads the digests by their keys (the hour
// before the range for the first link, the hour after for objects written in the last moments).
// An error means it could not run: a missing answer is never a clean one.
func Validate(ctx context.Context, a Archive, o Options) ([]Problem, error) {
	if o.PublicKey == nil {
		return nil, errors.New("no public key")
	}
	if o.From.IsZero() || o.To.IsZero() {
		return nil, errors.New("no range: pass the first and last hour")
	}
	fp, err := PublicKeySHA256(o.PublicKey)
	if err != nil {
		return nil, err
	}
	from, to := o.From.UTC().Truncate(time.Hour), o.To.UTC().Truncate(time.Hour)
	if to.Before(from) {
		return nil, fmt.Errorf("the range ends (%s) before it starts (%s)", to.Format(time.RFC3339), from.Format(time.RFC3339))
	}
	v := &check{ctx: ctx, a: a, pub: o.PublicKey, fp: fp}
	// The hour before the range anchors its first link; the hour after may list objects written
	// in the last moments of the range.
	type loaded struct {
		d         *Digest
		file, sig []byte
	}
	byHour := map[time.Time]loaded{}
	for h := from.Add(-time.Hour); !h.After(to.Add(time.Hour)); h = h.Add(time.Hour) {
		inRange := !h.Before(from) && !h.After(to)
		d, file, sig, err := v.load(h, inRange)
		if err != nil {
			return nil, err
		}
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

type check struct {
	ctx      context.Context
	a        Archive
	pub      crypto.PublicKey
	fp       string
	problems []Problem
}

func (v *check) add(p Problem) { v.problems = append(v.problems, p) }

// load reads and verifies the digest of hour h; problems are reported only when report is set.
// The digest is nil when it is missing or does not verify; the error says the archive could not
// be read (other than a missing key).
func (v *check) load(h time.Time, report bool) (*Digest, []byte, []byte, error) {
	key := archivelayout.DigestKey(h)
	file, ferr := v.a.Read(v.ctx, key, "")
	sig, serr := v.a.Read(v.ctx, key+archivelayout.DigestSignatureSuffix, "")
	for _, err := range []error{ferr, serr} {
		if err != nil && !errors.Is(err, ErrNotFound) {
			return nil, nil, nil, err
		}
	}
	fail := func(kind, msg string) (*Digest, []byte, []byte, error) {
		if report {
			v.add(Problem{Kind: kind, Subject: key, Message: msg})
		}
		return nil, file, sig, nil
	}
	switch {
	case ferr != nil:
		return fail(MissingHour, "no digest for the hour "+h.Format(time.RFC3339))
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
	return &d, file, sig, nil
}

// objects checks the listed objects against the archive, and the archive's objects of [from, end)
// against the listing.
func (v *check) objects(listed []Object, from, end time.Time) error {
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
		var err error
		if v.a.Versioned() {
			err = v.versionedKey(key, versions[key])
		} else {
			err = v.copiedKey(key, versions[key])
		}
		if err != nil {
			return err
		}
	}
	keys := map[string]bool{}
	for k := range versions {
		keys[k] = true
	}
	unlisted, outside, err := v.a.Unlisted(v.ctx, keys, from, end)
	if errors.Is(err, ErrCannotList) {
		v.add(Problem{Kind: OutsideRange, Info: true, Subject: archivelayout.DigestPrefix, Message: "objects under keys no digest lists are not looked for online (the bucket is not listed): validate a downloaded copy (-dir) to find them"})
		return nil
	}
	if err != nil {
		return err
	}
	for _, u := range unlisted {
		v.add(Problem{Kind: UnlistedObject, Subject: u.Key, Message: fmt.Sprintf("last modified %s, in no digest of the range", u.LastModified.UTC().Format(time.RFC3339))})
	}
	if outside > 0 {
		v.add(Problem{Kind: OutsideRange, Info: true, Subject: fmt.Sprint(v.a), Message: fmt.Sprintf("%d unlisted files last modified outside %s – %s are not judged", outside, from.Format(time.RFC3339), end.Format(time.RFC3339))})
	}
	return nil
}

// copiedKey checks a key of a downloaded copy, which holds its current version only.
func (v *check) copiedKey(key string, vs []Object) error {
	if len(vs) > 1 {
		ids := make([]string, len(vs))
		for i, o := range vs {
			ids[i] = o.VersionID
		}
		v.add(Problem{Kind: ManyVersions, Subject: key, Message: fmt.Sprintf("%d versions written: %s (the first is the record; a later one may replace it)", len(vs), strings.Join(ids, ", "))})
	}
	newest := vs[len(vs)-1]
	data, err := v.a.Read(v.ctx, key, "")
	if errors.Is(err, ErrNotFound) {
		v.add(Problem{Kind: MissingObject, Subject: key, Message: fmt.Sprintf("listed (version %s, %d bytes) but not in the copy: %v", newest.VersionID, newest.Size, err)})
		return nil
	}
	if err != nil {
		return err
	}
	sum := SHA256Hex(data)
	if sum == newest.SHA256 && int64(len(data)) == newest.Size {
		return nil
	}
	msg := fmt.Sprintf("SHA-256 %s, %d bytes; the digest lists version %s with %s, %d bytes", sum, len(data), newest.VersionID, newest.SHA256, newest.Size)
	if i := slices.IndexFunc(vs, func(o Object) bool { return o.SHA256 == sum }); i >= 0 {
		msg += fmt.Sprintf(" (the copy is the earlier version %s: the newer version is missing)", vs[i].VersionID)
	}
	v.add(Problem{Kind: AlteredObject, Subject: key, Message: msg})
	return nil
}

// versionedKey checks every listed version of a key in the bucket by its version ID, then every
// version the bucket holds of the key: more than one is reported (a member may have written a new
// version of its own transcript), naming those no digest of the range lists and delete markers.
func (v *check) versionedKey(key string, vs []Object) error {
	for _, o := range vs {
		data, err := v.a.Read(v.ctx, key, o.VersionID)
		if errors.Is(err, ErrNotFound) {
			v.add(Problem{Kind: MissingObject, Subject: key, Message: fmt.Sprintf("listed version %s (%d bytes) is not in the bucket", o.VersionID, o.Size)})
			continue
		}
		if err != nil {
			return err
		}
		if sum := SHA256Hex(data); sum != o.SHA256 || int64(len(data)) != o.Size {
			v.add(Problem{Kind: AlteredObject, Subject: key, Message: fmt.Sprintf("version %s has SHA-256 %s, %d bytes; the digest lists %s, %d bytes", o.VersionID, sum, len(data), o.SHA256, o.Size)})
		}
	}
	all, err := v.a.Versions(v.ctx, key)
	if err != nil {
		return err
	}
	if len(all) == 0 {
		// The digest lists the key, the bucket had to answer at least its versions or a 404 above:
		// an empty answer is an unknown one.
		return fmt.Errorf("%s: the bucket lists no version of a key the digests list (an incomplete answer)", key)
	}
	if len(all) == 1 && !all[0].DeleteMarker && len(vs) == 1 && all[0].ID == vs[0].VersionID {
		return nil
	}
	slices.SortFunc(all, func(a, b Version) int { return a.LastModified.Compare(b.LastModified) })
	var desc []string
	for _, x := range all {
		d := x.ID
		switch {
		case x.DeleteMarker:
			d += " (delete marker)"
		case !slices.ContainsFunc(vs, func(o Object) bool { return o.VersionID == x.ID }):
			d += " (in no digest of the range)"
		}
		desc = append(desc, d)
	}
	v.add(Problem{Kind: ManyVersions, Subject: key, Message: fmt.Sprintf("%d versions in the bucket: %s (the first is the record; a later one may replace it)", len(all), strings.Join(desc, ", "))})
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
