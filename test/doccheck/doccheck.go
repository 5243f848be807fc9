// Package doccheck holds the tests that keep the documentation's claims tied to what proves them:
// the "every …" sentences (claims.json), the one first-rollout procedure and the configuration
// matrix table. It reads files only: nothing here synthesizes, so the tests take milliseconds.
package doccheck
