package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
)

// signingKey is a new P-256 key, as the digests' KMS key is.
func signingKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// signedHours builds the signed, chained digests of len(lists) hours from first, the i-th listing
// lists[i], as the digester writes them, and hands each digest and its signature to put (written
// an hour after its hour); the hours in skip are chained but not put (a removed digest).
func signedHours(t *testing.T, k *ecdsa.PrivateKey, first time.Time, lists [][]evidence.Object, put func(key string, body []byte, written time.Time), skip ...int) {
	t.Helper()
	var prev *evidence.Previous
	for i, list := range lists {
		h := first.Add(time.Duration(i) * time.Hour)
		file, sig, err := evidence.Build(context.Background(), "archive", h, list, prev, &k.PublicKey, evidence.KeySigner{Key: k})
		if err != nil {
			t.Fatal(err)
		}
		key := archivelayout.DigestKey(h)
		prev = &evidence.Previous{Key: key, File: file, Signature: sig}
		if slices.Contains(skip, i) {
			continue
		}
		put(key, file, h.Add(time.Hour))
		put(key+archivelayout.DigestSignatureSuffix, sig, h.Add(time.Hour))
	}
}

// inFake is signedHours' put for the fake's bucket: version d1 of a digest, s1 of a signature.
func inFake(o *fakeaws.Org) func(key string, body []byte, written time.Time) {
	return func(key string, body []byte, written time.Time) {
		id := "d1"
		if strings.HasSuffix(key, archivelayout.DigestSignatureSuffix) {
			id = "s1"
		}
		o.PutVersion(key, fakeaws.ObjectVersion{ID: id, Body: body, LastModified: written})
	}
}
