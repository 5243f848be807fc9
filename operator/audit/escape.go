package audit

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Escape makes recorded output safe to print on a terminal: it keeps line feeds and tabs, turns
// CRLF into LF, and writes every other C0 control (ESC, BEL, a lone CR, BS ...), DEL and every C1
// control (U+0080 to U+009F, among them the one-character CSI and OSC) as a visible \xHH or \u00HH
// escape, and a byte that is not UTF-8 as \xHH. What is left cannot set the terminal's title, move
// the cursor, erase or hide lines, or answer queries: a terminal acts on control characters only
// (ECMA-48), and a printed backslash is text.
func Escape(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\r' && i+1 < len(s) && s[i+1] == '\n':
			// CRLF as a terminal receives it: one line end.
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r <= 0x9f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
