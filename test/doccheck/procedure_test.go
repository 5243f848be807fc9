package doccheck

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// readDoc reads a file of the repository.
func readDoc(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// section is the part of a Markdown document under the heading (through the next heading of the
// same or a higher level), or "" without it.
func section(doc, heading string) string {
	level := strings.Count(strings.SplitN(heading, " ", 2)[0], "#")
	lines := strings.Split(doc, "\n")
	for i, l := range lines {
		if l != heading {
			continue
		}
		end := len(lines)
		for j := i + 1; j < len(lines); j++ {
			if h := strings.SplitN(lines[j], " ", 2)[0]; strings.Trim(h, "#") == "" && len(h) > 0 && len(h) <= level {
				end = j
				break
			}
		}
		return strings.Join(lines[i+1:end], "\n")
	}
	return ""
}

// numberedSteps are the top-level numbered items of a Markdown list, by number, each with its
// continuation lines.
func numberedSteps(text string) map[int]string {
	item := regexp.MustCompile(`^(\d+)\. `)
	steps := map[int]string{}
	current := -1
	for _, l := range strings.Split(text, "\n") {
		if m := item.FindStringSubmatch(l); m != nil {
			current, _ = strconv.Atoi(m[1])
			steps[current] = l
			continue
		}
		if current >= 0 && (strings.HasPrefix(l, " ") || l == "") {
			steps[current] += "\n" + l
		} else {
			current = -1
		}
	}
	return steps
}

// stackNames are the SessionAudit-* stack names a text mentions, in order, each once.
func stackNames(text string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`SessionAudit-[A-Za-z]+`).FindAllString(text, -1) {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// phases are rollout.phase's values in their order (config.PhasePermissions, PhaseLogging,
// PhaseEnforced).
var phases = []string{"permissions", "logging", "enforced"}

// The first rollout is written once, in docs/rollout.md: the README's "Deploy order at a glance"
// has the same steps, each naming what the procedure's step deploys (stacks and phases), and the
// operator's findings that cite a step ("Deploy order", step N) name a stack that step deploys.
// No other document writes a first rollout of its own.
func TestDeployOrderStepsAgree(t *testing.T) {
	procedure := numberedSteps(section(readDoc(t, "docs/rollout.md"), "## First rollout"))
	summary := numberedSteps(section(readDoc(t, "README.md"), "## Deploy order at a glance"))
	if len(procedure) < 5 {
		t.Fatalf("docs/rollout.md \"## First rollout\" has %d numbered steps", len(procedure))
	}
	for n, step := range procedure {
		if _, ok := summary[n]; !ok {
			t.Errorf("README \"Deploy order at a glance\" has no step %d (docs/rollout.md: %.60q)", n, step)
		}
	}
	for n, line := range summary {
		step, ok := procedure[n]
		if n == 0 {
			continue // the preflight before step 1, said in the procedure's introduction
		}
		if !ok {
			t.Errorf("README step %d is not a step of docs/rollout.md \"## First rollout\"", n)
			continue
		}
		for _, s := range stackNames(line) {
			if !strings.Contains(step, s) {
				t.Errorf("README step %d names %s; docs/rollout.md step %d does not deploy it", n, s, n)
			}
		}
		for _, p := range phases {
			if strings.Contains(line, "`"+p+"`") && !strings.Contains(step, `"`+p+`"`) && !strings.Contains(step, "`"+p+"`") {
				t.Errorf("README step %d names phase %s; docs/rollout.md step %d does not", n, p, n)
			}
		}
	}
	// The phases appear in the procedure in their order.
	whole := section(readDoc(t, "docs/rollout.md"), "## First rollout")
	last := -1
	for _, p := range phases {
		i := strings.Index(whole, `"`+p+`"`)
		if i < 0 {
			i = strings.Index(whole, "`"+p+"`")
		}
		if i < last {
			t.Errorf("docs/rollout.md's first rollout reaches phase %s before the one preceding it", p)
		}
		last = max(last, i)
	}
	// The operator's findings cite steps by number.
	cite := regexp.MustCompile(`Deploy order\\?", steps? (\d+)[^"]*?(SessionAudit-[A-Za-z]+)`)
	cited := 0
	files, _ := filepath.Glob(filepath.Join(root, "operator", "check", "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range cite.FindAllStringSubmatch(string(data), -1) {
			cited++
			n, _ := strconv.Atoi(m[1])
			if !strings.Contains(procedure[n], m[2]) {
				t.Errorf("%s cites \"Deploy order\", step %s for %s; docs/rollout.md step %s does not deploy it", f, m[1], m[2], m[1])
			}
		}
	}
	if cited < 3 {
		t.Errorf("only %d step citations found in operator/check", cited)
	}
	// One procedure: no other document describes a first rollout without pointing to it.
	for _, file := range documents(t) {
		if file == "docs/rollout.md" {
			continue
		}
		for _, para := range strings.Split(readDoc(t, file), "\n\n") {
			if strings.Contains(strings.ToLower(para), "first rollout") && !strings.Contains(para, "rollout.md#first-rollout") {
				t.Errorf("%s describes a first rollout without linking docs/rollout.md#first-rollout: %.120q", file, para)
			}
		}
	}
}

// The step reader can fail: a step named in the summary but deployed by another step is found.
func TestDeployOrderCheckCanFail(t *testing.T) {
	procedure := numberedSteps("1. **A**: `make cdk ARGS='deploy SessionAudit-LogArchive'`\n   more\n2. deploy SessionAudit-MemberStackSet\n")
	summary := numberedSteps("1. SessionAudit-MemberStackSet\n2. SessionAudit-LogArchive\n")
	if len(procedure) != 2 || !strings.Contains(procedure[1], "more") {
		t.Fatalf("steps %v", procedure)
	}
	for n, line := range summary {
		for _, s := range stackNames(line) {
			if strings.Contains(procedure[n], s) {
				t.Errorf("step %d: %s found in the wrong step", n, s)
			}
		}
	}
	if got := section("# T\n## A\nx\n### B\ny\n## C\nz", "## A"); got != "x\n### B\ny" {
		t.Errorf("section = %q", got)
	}
}

// docs/testing.md's matrix table lists exactly the Makefile's CONFIG_MATRIX, and each file exists.
func TestConfigMatrixTable(t *testing.T) {
	m := regexp.MustCompile(`(?m)^CONFIG_MATRIX := (.+)$`).FindStringSubmatch(readDoc(t, "Makefile"))
	if m == nil {
		t.Fatal("Makefile has no CONFIG_MATRIX")
	}
	matrix := strings.Fields(m[1])
	var rows []string
	for _, r := range regexp.MustCompile("(?m)^\\| `(test/testdata/[^`]+\\.json)` \\|").FindAllStringSubmatch(readDoc(t, "docs/testing.md"), -1) {
		rows = append(rows, r[1])
	}
	for _, f := range matrix {
		if !slices.Contains(rows, f) {
			t.Errorf("CONFIG_MATRIX runs %s; docs/testing.md's table has no row for it", f)
		}
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Errorf("CONFIG_MATRIX: %v", err)
		}
	}
	for _, r := range rows {
		if !slices.Contains(matrix, r) {
			t.Errorf("docs/testing.md's table has a row for %s, which CONFIG_MATRIX does not run", r)
		}
	}
	if len(matrix) < 2 {
		t.Errorf("CONFIG_MATRIX has %d files", len(matrix))
	}
}

// The README's Quick start is exactly two commands, make synth and make test.
func TestQuickStartIsTwoCommands(t *testing.T) {
	quick := section(readDoc(t, "README.md"), "## Quick start")
	m := regexp.MustCompile("(?s)```\\n(.*?)```").FindStringSubmatch(quick)
	if m == nil {
		t.Fatal("README.md: no code block under \"## Quick start\"")
	}
	if got := strings.Fields(strings.ReplaceAll(m[1], "\n", " ; ")); strings.Join(got, " ") != "make synth ; make test ;" {
		t.Errorf("README.md Quick start runs %q, want make synth and make test", m[1])
	}
}
