// Package bench holds the test of make test's runner, steps.sh (the bench itself is bench.sh).
package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fakeMake is what steps.sh runs as $MAKE: `fakemake --no-print-directory <step>`. A step named
// wait* waits (10 s at most, then fails) until the step go has run, so it ends only if it ran beside
// it; slow* sleeps and then writes a file (so that a stopped step shows); fail* fails; burn* uses
// CPU time.
const fakeMake = `#!/usr/bin/env bash
step=$2
echo "output of $step"
case $step in
  wait*) for i in $(seq 100); do [ -e "$OUT/go" ] && break; sleep 0.1; done
         [ -e "$OUT/go" ] || { echo "$step: go did not run beside it" >&2; exit 4; }
         sleep 0.5 ;;
  go*) touch "$OUT/go" ;;
  slow*) sleep 3; touch "$OUT/$step.finished" ;;
  fail*) echo "$step went wrong" >&2; exit 3 ;;
  burn*) awk 'BEGIN { for (i = 0; i < 2e7; i++) x += i }' ;;
esac
echo "end of $step"
`

// runSteps runs steps.sh with the fake make and returns its output and exit status.
func runSteps(t *testing.T, beside string, steps ...string) (string, int, string) {
	t.Helper()
	dir := t.TempDir()
	mk := filepath.Join(dir, "fakemake")
	if err := os.WriteFile(mk, []byte(fakeMake), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", append([]string{"steps.sh"}, steps...)...)
	cmd.Env = append(os.Environ(), "MAKE="+mk, "BESIDE="+beside, "OUT="+dir)
	out, err := cmd.CombinedOutput()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("steps.sh: %v", err)
	}
	return string(out), code, dir
}

var stepLine = regexp.MustCompile(`(?m)^==> (\S+(?: test)?) +([0-9.]+) s  \(CPU ([0-9.]+) s\)(  FAILED)?$`)

// lines returns the steps' names in the order their lines were printed, and each step's line
// fields.
func lines(out string) (order []string, fields map[string][]string) {
	fields = map[string][]string{}
	for _, m := range stepLine.FindAllStringSubmatch(out, -1) {
		order = append(order, m[1])
		fields[m[1]] = m
	}
	return order, fields
}

func TestStepsRunBesideAndKeepOutputTogether(t *testing.T) {
	for _, tt := range []struct {
		name   string
		beside string
		steps  []string
		order  []string // of the lines printed
	}{
		{"beside", "wait", []string{"wait", "a", "burn", "go"}, []string{"a", "burn", "go", "wait", "make test"}},
		{"in order without BESIDE", "", []string{"a", "go", "wait", "burn"}, []string{"a", "go", "wait", "burn", "make test"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out, code, _ := runSteps(t, tt.beside, tt.steps...)
			if code != 0 {
				t.Fatalf("exit %d, want 0:\n%s", code, out)
			}
			order, fields := lines(out)
			if strings.Join(order, ",") != strings.Join(tt.order, ",") {
				t.Errorf("lines in the order %v, want %v:\n%s", order, tt.order, out)
			}
			// Each step's output is together, right above its line.
			for _, s := range tt.steps {
				want := "output of " + s + "\nend of " + s + "\n==> " + s + " "
				if !strings.Contains(out, want) {
					t.Errorf("the output of %s is not together above its line:\n%s", s, out)
				}
			}
			if cpu, err := strconv.ParseFloat(fields["burn"][3], 64); err != nil || cpu < 0.2 {
				t.Errorf("burn: CPU %v s, want its awk's CPU time (> 0.2 s):\n%s", fields["burn"][3], out)
			}
			if wall, _ := strconv.ParseFloat(fields["wait"][2], 64); wall < 0.5 {
				t.Errorf("wait: %.1f s, want at least its 0.5 s sleep", wall)
			}
		})
	}
}

func TestStepsStopAtTheFirstFailure(t *testing.T) {
	out, code, dir := runSteps(t, "slow", "slow", "a", "fail", "b")
	if code != 1 {
		t.Errorf("exit %d, want 1:\n%s", code, out)
	}
	order, fields := lines(out)
	if strings.Join(order, ",") != "a,fail" || fields["fail"][4] == "" {
		t.Errorf("lines %v, want a, then fail marked FAILED:\n%s", order, out)
	}
	if !strings.Contains(out, "fail went wrong\n==> fail ") {
		t.Errorf("the failed step's output is not above its line:\n%s", out)
	}
	time.Sleep(3500 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(dir, "slow.finished")); err == nil {
		t.Errorf("the step beside was not stopped when another failed")
	}
}
