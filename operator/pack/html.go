package pack

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"

	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

//go:embed page.html
var pageHTML string

var page = template.Must(template.New(Page).Funcs(template.FuncMap{
	"f": func(v float64) string { return fmt.Sprintf("%.1f", v) },
	"day": func(s string) string {
		if len(s) == 10 {
			return s[5:]
		}
		return s
	},
}).Parse(pageHTML))

// Summary are the header's numbers and verdicts.
type Summary struct {
	Sessions, People, Accounts, NotLogged, Denied int
	// WithoutRecord are coverage's fail findings of a session (nothing in the archive); Forged
	// its output without a start.
	WithoutRecord, Forged int
	// LedgerEmpty: the ledger held no event for the period (nothing can be said of it).
	LedgerEmpty bool
	// Problems are the validation's fail and warn findings.
	Problems int
	// Verdict is "clean", "warn" (warn findings only) or "fail"; VerdictText says it in words.
	Verdict, VerdictText string
}

// Summarize counts d for the header.
func Summarize(d Data) Summary {
	s := Summary{Sessions: len(d.Sessions), Denied: len(d.Denied)}
	people, accounts := map[string]bool{}, map[string]bool{}
	for _, x := range d.Sessions {
		people[x.Person], accounts[x.Account] = true, true
		if x.Logged == coverage.NotLogged {
			s.NotLogged++
		}
	}
	s.People, s.Accounts = len(people), len(accounts)
	fails, warns := 0, 0
	for _, f := range append(append([]report.Finding{}, d.Coverage...), d.Validation.Findings...) {
		switch f.Severity {
		case report.Fail:
			fails++
		case report.Warn:
			warns++
		}
	}
	for _, f := range d.Coverage {
		switch {
		case f.Check == "coverage.missing":
			s.WithoutRecord++
		case f.Check == "coverage.forged" && f.Severity == report.Fail:
			s.Forged++
		case f.Check == "coverage.ledger":
			s.LedgerEmpty = true
		}
	}
	for _, f := range d.Validation.Findings {
		if f.Severity != report.Info {
			s.Problems++
		}
	}
	switch {
	case fails > 0:
		s.Verdict, s.VerdictText = "fail", fmt.Sprintf("%d finding(s) fail, %d warn", fails, warns)
	case warns > 0:
		s.Verdict, s.VerdictText = "warn", fmt.Sprintf("%d finding(s) warn", warns)
	default:
		s.Verdict, s.VerdictText = "clean", "no findings"
	}
	return s
}

// view is what the template reads.
type view struct {
	Data
	Summary
	Charts   []Chart
	Findings []report.Finding // coverage's fail findings: no record, forged, empty ledger
	Checked  []report.Finding // the validation's findings, failures first
	Unlogged []coverage.Session
}

// HTML renders d as the pack's page: one document, its styles inline, no script, and a Content
// Security Policy that lets it load nothing (so even an altered copy fetches nothing).
func HTML(d Data) ([]byte, error) {
	v := view{Data: d, Summary: Summarize(d), Charts: Charts(d)}
	for _, f := range d.Coverage {
		if f.Severity == report.Fail {
			v.Findings = append(v.Findings, f)
		}
	}
	for _, sev := range []report.Severity{report.Fail, report.Warn, report.Info} {
		for _, f := range d.Validation.Findings {
			if f.Severity == sev {
				v.Checked = append(v.Checked, f)
			}
		}
	}
	for _, s := range d.Sessions {
		if s.Logged == coverage.NotLogged {
			v.Unlogged = append(v.Unlogged, s)
		}
	}
	var b bytes.Buffer
	if err := page.Execute(&b, v); err != nil {
		return nil, err
	}
	return []byte(strings.TrimSpace(b.String()) + "\n"), nil
}
