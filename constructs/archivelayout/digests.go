package archivelayout

import "time"

// The signed hourly digests (package evidence, docs/evidence.md): for every hour, the digester
// writes <DigestPrefix><yyyy>/<MM>/<dd>/<HH>.json, listing the objects written to the bucket in
// that hour, and beside it the detached signature <…>.json<DigestSignatureSuffix> (the DER
// signature over the JSON file's bytes, as `openssl dgst -sha256 -verify` reads it). The public
// key of the signing key is <DigestPublicKey>.
const (
	// DigestPrefix holds the digests, their signatures and the public key.
	DigestPrefix = "digests/"
	// DigestSignatureSuffix follows a digest's key to name its signature.
	DigestSignatureSuffix = ".sig"
	// DigestPublicKey is the key of the PEM public key the digests are signed with.
	DigestPublicKey = DigestPrefix + "public-key.pem"
	// DigestHourLayout is the Go time layout of a digest's key below DigestPrefix (UTC).
	DigestHourLayout = "2006/01/02/15"
)

// DigestKey is the key of the digest of the hour that starts at hour (UTC, truncated to the hour).
func DigestKey(hour time.Time) string {
	return DigestPrefix + hour.UTC().Truncate(time.Hour).Format(DigestHourLayout) + ".json"
}
