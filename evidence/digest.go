// Package evidence builds, signs and checks the hourly digests of the archive bucket
// (docs/evidence.md, "Signed digests"): modelled on CloudTrail log file validation, a digest lists
// every object version written to the bucket in one hour (key, version ID, size, SHA-256), names
// the previous hour's digest and the SHA-256 of its file and signature (a chain: a removed digest
// shows), and is signed with an asymmetric KMS key (ECC_NIST_P256, ECDSA_SHA_256). The signature
// is detached and covers the digest file's bytes exactly, so that
//
//	openssl dgst -sha256 -verify public-key.pem -signature HH.json.sig HH.json
//
// checks it without this package. The file is laid out one object per line, so that the objects'
// hashes can be read out with grep and sed and checked with sha256sum -c (docs/evidence.md).
package evidence

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
)

// FormatVersion is the digest format this package writes and reads.
const FormatVersion = 1

// SigningAlgorithm is the KMS signing algorithm of the digests: ECDSA on NIST P-256 with SHA-256,
// the DER-encoded signature KMS Sign returns and openssl reads (AWS KMS Developer Guide, "Asymmetric
// key specs": ECC_NIST_P256 signs with ECDSA_SHA_256; KMS API reference, Sign: "the signature is
// DER-encoded" for ECDSA).
const SigningAlgorithm = "ECDSA_SHA_256"

// Object is one object version written to the bucket.
type Object struct {
	// SHA256 is the lowercase hex SHA-256 of the object's bytes (as sha256sum prints it).
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	VersionID string `json:"versionId"`
	Key       string `json:"key"`
}

// Digest is one hour's digest.
type Digest struct {
	Version int    `json:"version"`
	Bucket  string `json:"bucket"`
	// Hour is the start of the hour the digest covers (UTC, RFC 3339).
	Hour time.Time `json:"hour"`
	// Key is the digest's own key (archivelayout.DigestKey(Hour)).
	Key string `json:"key"`
	// SigningAlgorithm is SigningAlgorithm.
	SigningAlgorithm string `json:"signingAlgorithm"`
	// PublicKeySHA256 is the hex SHA-256 of the signing key's DER SubjectPublicKeyInfo (what
	// `openssl pkey -pubin -outform DER | sha256sum` prints): which key signed.
	PublicKeySHA256 string `json:"publicKeySha256"`
	// PreviousKey is the previous hour's digest key; empty for the first digest of the chain.
	PreviousKey string `json:"previousKey"`
	// PreviousSHA256 and PreviousSignatureSHA256 are the hex SHA-256 of the previous digest's file
	// and of its signature file.
	PreviousSHA256          string `json:"previousSha256"`
	PreviousSignatureSHA256 string `json:"previousSignatureSha256"`
	// Objects are the object versions written in the hour, in the order they were written.
	Objects []Object `json:"objects"`
}

// Signer signs the SHA-256 of a message (KMS Sign with MessageType DIGEST, or a local key in
// tests): the result is what signing the message itself gives, for ECDSA_SHA_256 and RSA PKCS#1
// v1.5 SHA-256 alike.
type Signer interface {
	// SignDigest returns the DER (ECDSA) or PKCS#1 v1.5 (RSA) signature of the SHA-256 sum.
	SignDigest(ctx context.Context, sum [sha256.Size]byte) ([]byte, error)
}

// KeySigner is a Signer with a private key in memory (tests, and a digester outside AWS).
type KeySigner struct{ Key crypto.Signer }

// SignDigest implements Signer.
func (s KeySigner) SignDigest(_ context.Context, sum [sha256.Size]byte) ([]byte, error) {
	return s.Key.Sign(rand.Reader, sum[:], crypto.SHA256)
}

// Marshal is the digest's file: the header fields on one line each, then one object per line,
// every line valid JSON in the fixed field order of the types (docs/evidence.md relies on it).
func Marshal(d Digest) ([]byte, error) {
	var b bytes.Buffer
	field := func(name string, v any, last bool) error {
		j, err := encode(v)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		fmt.Fprintf(&b, "  %q: %s", name, j)
		if !last {
			b.WriteString(",")
		}
		b.WriteString("\n")
		return nil
	}
	b.WriteString("{\n")
	for _, f := range []struct {
		name string
		v    any
	}{{"version", d.Version}, {"bucket", d.Bucket}, {"hour", d.Hour.UTC().Format(time.RFC3339)}, {"key", d.Key},
		{"signingAlgorithm", d.SigningAlgorithm}, {"publicKeySha256", d.PublicKeySHA256}, {"previousKey", d.PreviousKey},
		{"previousSha256", d.PreviousSHA256}, {"previousSignatureSha256", d.PreviousSignatureSHA256}} {
		if err := field(f.name, f.v, false); err != nil {
			return nil, err
		}
	}
	b.WriteString("  \"objects\": [\n")
	for i, o := range d.Objects {
		j, err := encode(o)
		if err != nil {
			return nil, fmt.Errorf("objects[%d]: %w", i, err)
		}
		b.WriteString("    ")
		b.Write(j)
		if i < len(d.Objects)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("  ]\n}\n")
	return b.Bytes(), nil
}

// encode is v as one line of JSON without HTML escaping (a key's & stays &).
func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// Parse reads a digest file; it refuses another format version.
func Parse(data []byte) (Digest, error) {
	var d Digest
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return d, err
	}
	if d.Version != FormatVersion {
		return d, fmt.Errorf("version: format %d is not %d (got %d)", d.Version, FormatVersion, d.Version)
	}
	return d, nil
}

// Previous is the previous digest as a new one names it.
type Previous struct {
	Key             string
	File, Signature []byte
}

// Build makes the digest of the hour starting at hour with objects, chained to prev (nil for the
// first digest), for the signing key pub; it returns the file and its signature.
func Build(ctx context.Context, bucket string, hour time.Time, objects []Object, prev *Previous, pub crypto.PublicKey, s Signer) (file, sig []byte, err error) {
	fp, err := PublicKeySHA256(pub)
	if err != nil {
		return nil, nil, err
	}
	hour = hour.UTC().Truncate(time.Hour)
	d := Digest{Version: FormatVersion, Bucket: bucket, Hour: hour, Key: archivelayout.DigestKey(hour),
		SigningAlgorithm: SigningAlgorithm, PublicKeySHA256: fp, Objects: objects}
	if d.Objects == nil {
		d.Objects = []Object{}
	}
	if prev != nil {
		d.PreviousKey, d.PreviousSHA256, d.PreviousSignatureSHA256 = prev.Key, SHA256Hex(prev.File), SHA256Hex(prev.Signature)
	}
	if file, err = Marshal(d); err != nil {
		return nil, nil, err
	}
	if sig, err = s.SignDigest(ctx, sha256.Sum256(file)); err != nil {
		return nil, nil, fmt.Errorf("signing %s: %w", d.Key, err)
	}
	return file, sig, nil
}

// SHA256Hex is the lowercase hex SHA-256 of data.
func SHA256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// PublicKeySHA256 is the hex SHA-256 of pub's DER SubjectPublicKeyInfo (KMS GetPublicKey returns
// that DER: KMS API reference, GetPublicKey, PublicKey).
func PublicKeySHA256(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	return SHA256Hex(der), nil
}

// ParsePublicKey reads a PEM ("PUBLIC KEY") or DER SubjectPublicKeyInfo: an ECDSA or RSA key.
func ParsePublicKey(data []byte) (crypto.PublicKey, error) {
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != "PUBLIC KEY" {
			return nil, fmt.Errorf("PEM block %q is not a PUBLIC KEY", block.Type)
		}
		data = block.Bytes
	}
	pub, err := x509.ParsePKIXPublicKey(data)
	if err != nil {
		return nil, err
	}
	switch pub.(type) {
	case *ecdsa.PublicKey, *rsa.PublicKey:
		return pub, nil
	}
	return nil, fmt.Errorf("public key of type %T: neither ECDSA nor RSA", pub)
}

// Verify reports whether sig is pub's signature of file (SHA-256; ECDSA DER or RSA PKCS#1 v1.5).
func Verify(pub crypto.PublicKey, file, sig []byte) error {
	sum := sha256.Sum256(file)
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(k, sum[:], sig) {
			return errors.New("the ECDSA signature does not verify")
		}
		return nil
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], sig)
	}
	return fmt.Errorf("public key of type %T: neither ECDSA nor RSA", pub)
}
