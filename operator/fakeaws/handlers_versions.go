package fakeaws

import (
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
)

// ObjectVersion is one version of a key of the central bucket (Org.Versions): its version ID,
// bytes and LastModified, or a delete marker.
type ObjectVersion struct {
	ID           string
	Body         []byte
	DeleteMarker bool
	LastModified time.Time
}

// PutVersion adds a version of key to the versioned model of the central bucket (oldest first).
func (o *Org) PutVersion(key string, v ObjectVersion) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.Versions == nil {
		o.Versions = map[string][]ObjectVersion{}
	}
	o.Versions[key] = append(o.Versions[key], v)
}

// getVersion answers GetObject for a key of the versioned model (ok false: not one): with
// versionId, that version or 404 NoSuchVersion, a delete marker 405 MethodNotAllowed; without,
// the newest version, or 404 NoSuchKey when it is a delete marker (S3 API reference, GetObject:
// "If the current version of the object is a delete marker, Amazon S3 behaves as if the object was
// deleted"; "If the specified version is a delete marker, the response returns a 405 Method Not
// Allowed error"; "List of error codes": NoSuchVersion 404). Called with o.mu held.
func (o *Org) getVersion(r *Request, key string) (out any, ok bool, err error) {
	vs, found := o.Versions[key]
	if !found {
		return nil, false, nil
	}
	if r.Account != o.LogArchive || o.DeniedKeys[key] {
		return nil, true, Denied("s3", "s3:GetObject")
	}
	id := r.Query.Get("versionId")
	if id == "" {
		last := vs[len(vs)-1]
		if last.DeleteMarker {
			return nil, true, &APIError{404, "NoSuchKey", "The specified key does not exist."}
		}
		return RawBody{ContentType: "application/octet-stream", Data: last.Body}, true, nil
	}
	i := slices.IndexFunc(vs, func(v ObjectVersion) bool { return v.ID == id })
	switch {
	case i < 0:
		return nil, true, &APIError{404, "NoSuchVersion", "The specified version does not exist."}
	case vs[i].DeleteMarker:
		return nil, true, &APIError{http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource."}
	}
	return RawBody{ContentType: "application/octet-stream", Data: vs[i].Body}, true, nil
}

// serveVersions answers ListObjectVersions of the versioned model in the shape of the S3 API
// reference (ListVersionsResult: Version and DeleteMarker entries in key order, newest first
// within a key, IsLatest on the newest; MaxKeys counts both; a truncated page names
// NextKeyMarker and NextVersionIdMarker, and the next request starts after that key and version
// with key-marker and version-id-marker).
func (o *Org) serveVersions(s *Server) {
	s.Handle("s3", "ListObjectVersions", func(r *Request) (any, error) {
		o.mu.Lock()
		defer o.mu.Unlock()
		if r.Account != o.LogArchive {
			return nil, Denied("s3", "s3:ListBucketVersions")
		}
		bucket := strings.SplitN(strings.TrimPrefix(r.Path, "/"), "/", 2)[0]
		prefix := r.Query.Get("prefix")
		type entry struct {
			key string
			v   ObjectVersion
			// latest marks the newest version of its key.
			latest bool
		}
		var all []entry
		for _, k := range slices.Sorted(maps.Keys(o.Versions)) {
			if !strings.HasPrefix(k, prefix) {
				continue
			}
			vs := o.Versions[k]
			for i := len(vs) - 1; i >= 0; i-- {
				all = append(all, entry{k, vs[i], i == len(vs)-1})
			}
		}
		start := 0
		if km := r.Query.Get("key-marker"); km != "" {
			vm := r.Query.Get("version-id-marker")
			start = len(all)
			for i, e := range all {
				if vm != "" && e.key == km && e.v.ID == vm {
					start = i + 1
					break
				}
				if e.key > km {
					start = i
					break
				}
			}
		}
		size := o.PageSize
		if size <= 0 {
			size = 1000
		}
		if n, _ := strconv.Atoi(r.Query.Get("max-keys")); n > 0 && n < size {
			size = n
		}
		end := min(start+size, len(all))
		body := map[string]any{"Name": bucket, "Prefix": prefix, "KeyMarker": r.Query.Get("key-marker"), "VersionIdMarker": r.Query.Get("version-id-marker"),
			"MaxKeys": size, "IsTruncated": end < len(all)}
		var versions, markers []any
		for _, e := range all[start:end] {
			m := map[string]any{"Key": e.key, "VersionId": e.v.ID, "IsLatest": e.latest, "LastModified": e.v.LastModified,
				"Owner": map[string]any{"ID": "fake-owner"}}
			if e.v.DeleteMarker {
				markers = append(markers, m)
				continue
			}
			m["ETag"], m["Size"], m["StorageClass"] = `"fake"`, len(e.v.Body), "STANDARD"
			versions = append(versions, m)
		}
		body["Version"], body["DeleteMarker"] = versions, markers
		if end < len(all) {
			body["NextKeyMarker"], body["NextVersionIdMarker"] = all[end-1].key, all[end-1].v.ID
		}
		return XMLDoc{Root: "ListVersionsResult", Body: body}, nil
	})
}

// healthyDigests puts the digests of the last three full hours before now (with their
// signatures) into the versioned bucket, as the hourly digester writes them; their bytes are
// placeholders, not signed digests (verify reads only whether they are there).
func (o *Org) healthyDigests(now time.Time) {
	last := now.UTC().Truncate(time.Hour).Add(-time.Hour)
	for i := 2; i >= 0; i-- {
		h := last.Add(-time.Duration(i) * time.Hour)
		key := archivelayout.DigestKey(h)
		o.PutVersion(key, ObjectVersion{ID: "digest-" + h.Format("15"), Body: []byte(`{"version":1}`), LastModified: h.Add(time.Hour + 5*time.Minute)})
		o.PutVersion(key+archivelayout.DigestSignatureSuffix, ObjectVersion{ID: "sig-" + h.Format("15"), Body: []byte("sig"), LastModified: h.Add(time.Hour + 5*time.Minute)})
	}
}
