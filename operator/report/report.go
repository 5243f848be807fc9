// Package report is the result of an operator command (preflight, verify): findings that each say
// what was found, what it means and the exact fix, written for a person (grouped, with the fix
// once per kind of finding) or as JSON for CI, and the command's exit status.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// Severity of a finding.
type Severity string

// Severities. Fail and Warn make the exit status 1; Info is what the operator should know (what a
// deploy will change) and leaves it 0.
const (
	Fail Severity = "fail"
	Warn Severity = "warn"
	Info Severity = "info"
)

// Exit statuses of the operator commands.
const (
	ExitClean    = 0
	ExitFindings = 1
	ExitCouldNot = 2
)

// Finding is one thing a check found.
type Finding struct {
	// Check names the check ("organizations.trusted-access"); docs/preflight-verify.md lists them.
	Check    string   `json:"check"`
	Severity Severity `json:"severity"`
	Account  string   `json:"account,omitempty"`
	Region   string   `json:"region,omitempty"`
	// Subject is what the finding is about (an OU, a role, a VPC, a stack instance).
	Subject string `json:"subject,omitempty"`
	// Message says what was found.
	Message string `json:"message"`
	// Meaning says what it means for sessionaudit.
	Meaning string `json:"meaning"`
	// Fix is the exact fix: a command or a docs section.
	Fix string `json:"fix"`
}

// Report collects the findings of one run; Add is safe for concurrent use.
type Report struct {
	Command      string        `json:"command"`
	Organization string        `json:"organization"`
	Caller       string        `json:"caller"`
	Accounts     int           `json:"accountsChecked"`
	Regions      []string      `json:"regions"`
	Duration     time.Duration `json:"durationNs"`
	Findings     []Finding     `json:"findings"`
	// Fatal is why the command could not run (exit status 2); empty when it ran.
	Fatal string `json:"fatal,omitempty"`
	// Hops are the probe's timings (verify --probe), when it ran.
	Hops []Hop `json:"hops,omitempty"`

	mu sync.Mutex
}

// Hop is one step of the end-to-end probe and how long it took.
type Hop struct {
	Name     string        `json:"name"`
	Duration time.Duration `json:"durationNs"`
	OK       bool          `json:"ok"`
	Detail   string        `json:"detail,omitempty"`
}

// Add records findings.
func (r *Report) Add(f ...Finding) {
	r.mu.Lock()
	r.Findings = append(r.Findings, f...)
	r.mu.Unlock()
}

// Count is the number of findings of a severity.
func (r *Report) Count(s Severity) int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity == s {
			n++
		}
	}
	return n
}

// ExitCode is 2 when the command could not run, 1 with any fail or warn finding, else 0.
func (r *Report) ExitCode() int {
	switch {
	case r.Fatal != "":
		return ExitCouldNot
	case r.Count(Fail)+r.Count(Warn) > 0:
		return ExitFindings
	}
	return ExitClean
}

// Sort orders findings by severity, check, account, region and subject (stable output).
func (r *Report) Sort() {
	rank := map[Severity]int{Fail: 0, Warn: 1, Info: 2}
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if rank[a.Severity] != rank[b.Severity] {
			return rank[a.Severity] < rank[b.Severity]
		}
		for _, p := range [][2]string{{a.Check, b.Check}, {a.Account, b.Account}, {a.Region, b.Region}, {a.Subject, b.Subject}, {a.Message, b.Message}} {
			if p[0] != p[1] {
				return p[0] < p[1]
			}
		}
		return false
	})
}

// WriteJSON writes the report as one JSON object (findings sorted).
func (r *Report) WriteJSON(w io.Writer) error {
	r.Sort()
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// MaxListed is how many places a human report lists under one kind of finding.
const MaxListed = 15

// WriteHuman writes the report for a person: findings grouped by check, meaning and fix (so that a
// finding in 400 accounts is explained once), then a summary line with the exit status.
func (r *Report) WriteHuman(w io.Writer) error {
	r.Sort()
	var b strings.Builder
	if r.Fatal != "" {
		fmt.Fprintf(&b, "sessionaudit %s could not run: %s\n", r.Command, r.Fatal)
	}
	type group struct {
		f     Finding
		where []string
	}
	var groups []*group
	index := map[string]*group{}
	for _, f := range r.Findings {
		key := string(f.Severity) + "\x00" + f.Check + "\x00" + f.Meaning + "\x00" + f.Fix
		g, ok := index[key]
		if !ok {
			g = &group{f: f}
			index[key] = g
			groups = append(groups, g)
		}
		g.where = append(g.where, where(f))
	}
	for _, g := range groups {
		fmt.Fprintf(&b, "\n%-4s %s (%d)\n", strings.ToUpper(string(g.f.Severity)), g.f.Check, len(g.where))
		for i, w := range g.where {
			if i == MaxListed {
				fmt.Fprintf(&b, "     … and %d more (--json lists every one)\n", len(g.where)-MaxListed)
				break
			}
			fmt.Fprintf(&b, "     - %s\n", w)
		}
		fmt.Fprintf(&b, "     means: %s\n", g.f.Meaning)
		fmt.Fprintf(&b, "     fix:   %s\n", g.f.Fix)
	}
	if len(r.Hops) > 0 {
		b.WriteString("\nprobe (verify -probe): each hop and the time it took\n")
	}
	for _, h := range r.Hops {
		status := "ok"
		if !h.OK {
			status = "FAILED"
		}
		fmt.Fprintf(&b, "probe hop %-40s %8s %s %s\n", h.Name, h.Duration.Round(time.Millisecond), status, h.Detail)
	}
	if r.Organization == "" && r.Caller == "" {
		// A command that reads no organization (validate -dir reads a downloaded copy).
		fmt.Fprintf(&b, "\nsessionaudit %s: %s\n", r.Command, r.Duration.Round(time.Millisecond))
	} else {
		fmt.Fprintf(&b, "\nsessionaudit %s: organization %s, %d accounts, regions %s, caller %s, %s\n", r.Command, r.Organization, r.Accounts, strings.Join(r.Regions, " "), r.Caller, r.Duration.Round(time.Millisecond))
	}
	fmt.Fprintf(&b, "%d fail, %d warn, %d info; exit status %d (%s)\n", r.Count(Fail), r.Count(Warn), r.Count(Info), r.ExitCode(), exitMeaning(r.ExitCode()))
	_, err := io.WriteString(w, b.String())
	return err
}

func where(f Finding) string {
	var parts []string
	for _, p := range []string{f.Account, f.Region, f.Subject} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return f.Message
	}
	return strings.Join(parts, " ") + ": " + f.Message
}

func exitMeaning(code int) string {
	switch code {
	case ExitClean:
		return "clean"
	case ExitFindings:
		return "findings to fix"
	}
	return "could not run"
}
