package audit

import (
	"strings"
	"testing"
)

// A hostile transcript: what each sequence would do on a terminal, and what Escape must print.
func TestEscapeHostileOutput(t *testing.T) {
	long := "\x1b[" + strings.Repeat("9", 4096) + "A"
	for _, tc := range []struct{ name, in, want string }{
		{"plain text, tabs and line feeds stay", "a\tb\nc\n", "a\tb\nc\n"},
		{"CRLF is one line end", "sh-5.2$ id\r\nuid=0\r\n", "sh-5.2$ id\nuid=0\n"},
		{"OSC title set (BEL ended)", "\x1b]0;pwned\x07ok", `\x1b]0;pwned\x07ok`},
		{"OSC title set (ST ended)", "\x1b]2;pwned\x1b\\ok", `\x1b]2;pwned\x1b\ok`},
		{"cursor up and erase line over the header", "rm -rf /\x1b[1A\x1b[2Kls\n", `rm -rf /\x1b[1A\x1b[2Kls` + "\n"},
		{"lone CR overwrites a line", "evil\rgood\n", `evil\x0dgood` + "\n"},
		{"backspaces hide characters", "rm\b\b\bls", `rm\x08\x08\x08ls`},
		{"CSI with long parameters", long, `\x1b[` + strings.Repeat("9", 4096) + "A"},
		{"C1 CSI and OSC (UTF-8)", "\u009b2J\u009d0;x\u009c", `\u009b2J\u009d0;x\u009c`},
		{"DEL and NUL", "a\x7fb\x00c", `a\x7fb\x00c`},
		{"bytes that are not UTF-8", "a\xff\x9bb", `a\xff\x9bb`},
		{"other text is untouched", "é ü 日本 ✓", "é ü 日本 ✓"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Escape(tc.in)
			if got != tc.want {
				t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
			}
			for _, c := range got {
				if c != '\n' && c != '\t' && (c < 0x20 || c == 0x7f || c >= 0x80 && c <= 0x9f) {
					t.Errorf("Escape(%q) still holds control %U", tc.in, c)
				}
			}
		})
	}
}
