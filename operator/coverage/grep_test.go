package coverage

import (
	"strings"
	"testing"
)

// CheckGrep accepts the syntax Go (RE2) and Athena (Java patterns) read alike and refuses the rest.
func TestCheckGrep(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{`sudo rm -rf`, ""},
		{`(?i)password`, ""},
		{`(?i:pass)word`, ""},
		{`^\s*curl .*\| *sh$`, ""},
		{`[a-z0-9]{2,3}\.(?:com|net)`, ""},
		{`\[:x\]`, ""},
		{`\\1`, ""},
		{"", "empty"},
		{strings.Repeat("a", MaxGrepLength+1), "longer"},
		{`a(b`, "missing closing"},
		{`(?=x)`, "invalid"},
		{`(a)\1`, `\1`},
		{`\0`, `\0`},
		{`\pL`, `\p`},
		{`\P{Greek}`, `\P`},
		{`\C`, `\C`},
		{`\Qa.b\E`, `\Q`},
		{`[[:digit:]]`, "POSIX"},
		{`[:]`, "POSIX"},
		{`(?P<n>x)`, "(?:…)"},
		{`(?U)a+`, "(?:…)"},
		{`(?m)^a`, "(?:…)"},
		{`(?is)a`, "(?:…)"},
	} {
		got := CheckGrep(tc.expr)
		if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
			t.Errorf("CheckGrep(%q) = %q, want %q", tc.expr, got, tc.want)
		}
	}
}
