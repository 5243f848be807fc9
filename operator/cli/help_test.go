package cli

import (
	"regexp"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/operator/report"
)

// Each auditor command's -h says how to call it, what it does (a sentence that starts with a
// verb), its flags (each one its synopsis names) and what each exit status means, and exits 0; a
// bad flag prints the same help and exits 2.
func TestCommandHelp(t *testing.T) {
	synopsisFlag := regexp.MustCompile(`\[?(-[a-z-]+)`)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"sessions", []string{"sessions", "-h"}},
		{"show", []string{"show", "-h"}},
		{"show", []string{"show", "alice-0a1b2c3d4e5f60001", "--help"}},
		{"play", []string{"play", "-help"}},
		{"coverage", []string{"coverage", "-h"}},
		{"validate", []string{"validate", "-h"}},
		{"report", []string{"report", "-h"}},
		{"policy", []string{"policy", "-h"}},
		{"preflight", []string{"preflight", "-h"}},
		{"verify", []string{"verify", "-h"}},
		{"cost", []string{"cost", "-h"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, help := run(t, tc.args...)
			if code != report.ExitClean || out != "" {
				t.Errorf("exit %d, stdout %q; want 0 and nothing on stdout", code, out)
			}
			if !strings.HasPrefix(help, "usage: sessionaudit "+tc.name+" ") {
				t.Fatalf("the help does not start with the synopsis:\n%s", help)
			}
			synopsis, rest, _ := strings.Cut(help, "\n\n")
			about, flags, _ := strings.Cut(rest, "\n\nflags:\n")
			flags, exits, _ := strings.Cut(flags, "\nexit status:\n")
			if first, _, _ := strings.Cut(about, " "); !strings.HasSuffix(first, "s") || first == "Sessions" || !strings.HasSuffix(about, ".") {
				t.Errorf("what it does is not a sentence that starts with a verb: %q", about)
			}
			for _, m := range synopsisFlag.FindAllStringSubmatch(synopsis, -1) {
				if !strings.Contains(flags, "  "+m[1]+" ") && !strings.Contains(flags, "  "+m[1]+"\n") {
					t.Errorf("the synopsis names %s, the flags do not:\n%s", m[1], flags)
				}
			}
			for _, status := range []string{"  0  ", "  2  "} {
				if !strings.Contains(exits, status) {
					t.Errorf("exit status %q is not explained:\n%s", strings.TrimSpace(status), exits)
				}
			}
			if !strings.Contains(exits, "See docs/") {
				t.Errorf("the help names no page:\n%s", exits)
			}
			if code, _, bad := run(t, tc.name, "-no-such-flag"); code != report.ExitCouldNot || !strings.Contains(bad, synopsis) {
				t.Errorf("a bad flag: exit %d, want 2 with the help:\n%s", code, bad)
			}
		})
	}
}

// sessionaudit -h (or help) prints the command list and exits 0; without a command it exits 2.
func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
	}{
		{nil, report.ExitCouldNot},
		{[]string{"-h"}, report.ExitClean},
		{[]string{"--help"}, report.ExitClean},
		{[]string{"help"}, report.ExitClean},
	} {
		code, out, usage := run(t, tc.args...)
		if code != tc.code || out != "" || !strings.HasPrefix(usage, "usage: sessionaudit <command>") {
			t.Errorf("sessionaudit %v: exit %d (want %d), stdout %q, stderr:\n%s", tc.args, code, tc.code, out, usage)
		}
	}
}
