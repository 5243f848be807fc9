package report

import (
	"os"
	"strings"
	"testing"
)

// docs/performance.md's tables are make bench's output: rendered again from the measurements the
// block records, they are what is committed, with the date and commit of the measurement.
func TestPerformanceDocIsBenchOutput(t *testing.T) {
	if os.Getenv(BenchRunning) != "" {
		t.Skipf("%s is set: make bench is measuring and rewrites docs/performance.md afterwards", BenchRunning)
	}
	doc, err := os.ReadFile("../../../docs/performance.md")
	if err != nil {
		t.Fatal(err)
	}
	if err := Check(string(doc)); err != nil {
		t.Errorf("docs/performance.md: %v", err)
	}
}

func sample() Results {
	return Results{
		Date: "2026-12-06", Commit: "664b241", Cores: 2, Go: "go1.26.8", Node: "v20.20.2", Load: 0.5, Runs: 7,
		Reference: Synth{Seconds: 0.6, PeakMiB: 115, Stacks: 1}, Default: Synth{Seconds: 1.3, PeakMiB: 146, Stacks: 8},
		Large: Synth{Seconds: 3.5, PeakMiB: 180, Stacks: 40}, LargeLabel: "50 OUs × 33 Regions",
		MakeTest: Timed{Seconds: 80, PeakMiB: 700}, Steps: []Step{{"test-go", 30, 55}, {"synth", 20, 21}},
		Templates: []Size{{"SessionAudit-Member", 40000, 40000}, {"SessionAudit-SignIn", 900, 0}}, Receivers: 33,
		Operator: [][]string{{"preflight", "3.70", "19103 calls"}}, OperatorAll: Timed{Seconds: 4.5, PeakMiB: 146},
	}
}

// Check passes on a freshly rendered block and fails on each way a committed block can stop being
// make bench's output.
func TestCheck(t *testing.T) {
	block, err := Render(sample())
	if err != nil {
		t.Fatal(err)
	}
	doc := "# Performance\n\nintro\n\n" + block + "\nafter\n"
	if err := Check(doc); err != nil {
		t.Fatalf("a rendered block fails: %v", err)
	}
	for _, tc := range []struct {
		name, doc, want string
	}{
		{"number edited by hand", strings.Replace(doc, "| 80.0 |", "| 18.9 |", 1), "line"},
		{"header of an older format", strings.Replace(doc, "| measure | seconds |", "| what | seconds |", 1), "line"},
		{"no block", "# Performance\n", "exactly one block"},
		{"two blocks", doc + block, "exactly one block"},
		{"no measurements", strings.Replace(doc, "<!-- measurements:", "<!-- m:", 1), "records no measurements"},
		{"no date", strings.Replace(doc, `"date":"2026-12-06",`, "", 1), "date: must be YYYY-MM-DD"},
		{"no commit", strings.Replace(doc, `"commit":"664b241"`, `"commit":""`, 1), "commit: must be a commit hash"},
		{"unknown field (another format)", strings.Replace(doc, `"cores":2`, `"cores":2,"cpus":2`, 1), "unknown field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check(tc.doc)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Check = %v, want an error with %q", err, tc.want)
			}
		})
	}
}

// Validate reports every missing measurement at once.
func TestValidateReportsAllProblems(t *testing.T) {
	err := Results{}.Validate()
	if err == nil {
		t.Fatal("empty results are valid")
	}
	for _, want := range []string{"date:", "commit:", "cores:", "runs:", "reference:", "default:", "large:", "makeTest.seconds:", "steps:", "templates:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("no problem for %s in:\n%v", want, err)
		}
	}
}

// Replace swaps the block and keeps the rest of the document.
func TestReplace(t *testing.T) {
	doc := "a\n" + Begin + "\nold\n" + End + "\nb\n"
	got, err := Replace(doc, Begin+"\nnew\n"+End+"\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := "a\n" + Begin + "\nnew\n" + End + "\nb\n"; got != want {
		t.Errorf("Replace = %q, want %q", got, want)
	}
}
