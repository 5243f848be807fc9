// Package pack is the evidence pack of `sessionaudit report`: one period's sessions, denied
// attempts, coverage and digest validation as a self-contained HTML page (charts as inline SVG,
// no network fetch), the same data as JSON and the sessions as CSV, and SHA256SUMS, a manifest
// that `sha256sum -c SHA256SUMS` checks with coreutils alone. Files is a pure function of the
// data; Write puts the files into a new directory at once (docs/audit.md, "report").
package pack

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// The pack's files; Manifest lists the others with their SHA-256.
const (
	Page     = "index.html"
	JSON     = "report.json"
	CSV      = "sessions.csv"
	Manifest = "SHA256SUMS"
)

// Data is what the pack shows, and report.json as it is written.
type Data struct {
	// Generated is when the pack was made (UTC).
	Generated time.Time `json:"generated"`
	// From and To are the period's first and last day (UTC, both included).
	From         string `json:"from"`
	To           string `json:"to"`
	Organization string `json:"organization"`
	Caller       string `json:"caller"`
	// Source is what the pack was read from: the bucket (s3://…) or a downloaded copy's path.
	Source string `json:"source"`
	// BytesScanned are the bytes Athena scanned for the pack.
	BytesScanned int64 `json:"bytesScanned"`
	// Sessions are sessionaudit sessions' rows of the period.
	Sessions []coverage.Session `json:"sessions"`
	// Denied are the period's refused starts.
	Denied []coverage.Attempt `json:"denied"`
	// Coverage are sessionaudit coverage's findings of the period.
	Coverage []report.Finding `json:"coverage"`
	// Validation is sessionaudit validate's result for the period's hours.
	Validation Validation `json:"validation"`
}

// Validation is the digest validation of the hours From to To (UTC, both included).
type Validation struct {
	From     string           `json:"from"`
	To       string           `json:"to"`
	Hours    int              `json:"hours"`
	Findings []report.Finding `json:"findings"`
}

// Exit is the report's exit status: report.ExitFindings with any fail or warn finding of coverage
// or the validation (an empty ledger is a fail finding of coverage), else report.ExitClean.
func (d Data) Exit() int {
	r := report.Report{Findings: append(append([]report.Finding{}, d.Coverage...), d.Validation.Findings...)}
	return r.ExitCode()
}

// File is one file of the pack.
type File struct {
	Name string
	Data []byte
}

// Files renders the pack: index.html, report.json, sessions.csv (csv, as sessionaudit sessions
// -csv writes it) and the manifest of the three, in that order.
func Files(d Data, csv []byte) ([]File, error) {
	if d.Sessions == nil {
		d.Sessions = []coverage.Session{}
	}
	if d.Denied == nil {
		d.Denied = []coverage.Attempt{}
	}
	if d.Coverage == nil {
		d.Coverage = []report.Finding{}
	}
	if d.Validation.Findings == nil {
		d.Validation.Findings = []report.Finding{}
	}
	page, err := HTML(d)
	if err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	files := []File{{Page, page}, {JSON, append(js, '\n')}, {CSV, csv}}
	return append(files, File{Manifest, Sums(files)}), nil
}

// Sums is the manifest of files in sha256sum's format: "<hex>  <name>" a line, so that
// `sha256sum -c SHA256SUMS` checks them (GNU coreutils, sha256sum: two spaces for text mode).
func Sums(files []File) []byte {
	var b bytes.Buffer
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), f.Name)
	}
	return b.Bytes()
}

// ErrNotEmpty is Write's refusal of a directory that holds files: a pack never replaces evidence.
var ErrNotEmpty = errors.New("exists and is not empty (a pack is never written over files; choose a new directory)")

// Check says whether Write may write into dir: it does not exist, or it is an empty directory.
func Check(dir string) error {
	switch entries, err := os.ReadDir(dir); {
	case err == nil && len(entries) > 0:
		return fmt.Errorf("%s: %w", dir, ErrNotEmpty)
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return nil
}

// Write puts files into dir, which must not exist or be empty: into a new directory next to it
// first, renamed to dir when every file is written, so that dir holds a whole pack or nothing.
func Write(dir string, files []File) error {
	if err := Check(dir); err != nil {
		return err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".partial-")
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			_ = os.RemoveAll(tmp)
		}
	}()
	for _, f := range files {
		if strings.ContainsAny(f.Name, `/\`) {
			return fmt.Errorf("file name %q: not a plain name", f.Name)
		}
		if err := os.WriteFile(filepath.Join(tmp, f.Name), f.Data, 0o644); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	// rename(2) does not replace a directory that exists: an empty one is removed first.
	if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	done = true
	return nil
}
