package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/operator/report"
)

// coverageCases are the cases constructs/coveragecheck/check.test.js runs on the daily check's
// comparison: sessionaudit coverage must classify each the same way.
type coverageCases struct {
	Day     string   `json:"day"`
	Regions []string `json:"regions"`
	Cases   []struct {
		Name        string     `json:"name"`
		Phase       string     `json:"phase"`
		Ledger      [][]string `json:"ledger"`
		Forwarded   [][]string `json:"forwarded"`
		Transcripts []string   `json:"transcripts"`
		Check       string     `json:"check"`
		Gap         bool       `json:"gap"`
		Want        string     `json:"want"`
	} `json:"cases"`
}

// The daily check (constructs/coveragecheck) and coverage agree on every shared case: the
// finding's check, whether it is a gap (a failure) and its cause.
func TestCoverageSharedCases(t *testing.T) {
	b, err := os.ReadFile("../../constructs/coveragecheck/testdata/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var all coverageCases
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatalf("cases.json: %v", err)
	}
	if len(all.Cases) == 0 {
		t.Fatal("cases.json: no case")
	}
	for _, tc := range all.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			change := func(m map[string]any) {
				m["regions"] = all.Regions
				if tc.Phase != "" {
					m["rollout"] = map[string]any{"phase": tc.Phase}
				}
			}
			// The day's digests, empty: an RDP connection's recording is looked up and not found
			// (the daily check, which reads no digest, says it is not looked up: a warning too).
			day, err := time.Parse("2006-01-02", all.Day)
			if err != nil {
				t.Fatalf("cases.json: day %q: %v", all.Day, err)
			}
			f := newFake(t, 1, change, both(cannedCoverage(tc.Ledger, tc.Forwarded, tc.Transcripts...), dayDigests(t, day)))
			code, r := f.runJSON("coverage", "-from", all.Day, "-to", all.Day, "-poll", "1ms")
			got := findings(r, tc.Check)
			if r.Fatal != "" || len(got) == 0 {
				t.Fatalf("exit %d, fatal %q, no %s finding:\n%s", code, r.Fatal, tc.Check, failing(r))
			}
			if gap := got[0].Severity == report.Fail; gap != tc.Gap {
				t.Errorf("%s is a gap: %v, want %v (%+v)", tc.Check, gap, tc.Gap, got[0])
			}
			if !strings.Contains(got[0].Message+" "+got[0].Meaning, tc.Want) {
				t.Errorf("%s: %q, want %q in it", tc.Check, got[0].Message+" "+got[0].Meaning, tc.Want)
			}
		})
	}
}
