package doccheck

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// root is the repository, seen from this package's directory.
const root = "../.."

// claim ties the sentences of a document that say "every …" to the tests that prove them.
type claim struct {
	// File is the document, relative to the repository (README.md, docs/x.md).
	File string `json:"file"`
	// Text is a stable part of the sentence, spanning its "every" (whitespace collapsed, as
	// docText renders the file).
	Text string `json:"text"`
	// Proof names what proves it: Go test functions (TestX), a Node test as
	// path/to/x.test.js:name (the start of the name given to test()), or an AWS requirement of
	// the suite (test/requirements_test.go, firstdeploy_test.go) as requirement:<start of its name>.
	Proof []string `json:"proof"`
	// Why says how the proof shows the claim.
	Why string `json:"why"`
}

// everyWord finds the claims: "every", "everything", "everyone", "everywhere", any case.
var everyWord = regexp.MustCompile(`(?i)\bevery`)

// fence is a fenced code block (commands, program output, diagrams): not prose.
var fence = regexp.MustCompile("(?ms)^[ \t]*```.*?^[ \t]*```[ \t]*$")

// space is a run of whitespace, rendered as one space.
var space = regexp.MustCompile(`\s+`)

// docText is a document's prose: fenced code blocks dropped, whitespace collapsed.
func docText(data string) string {
	return space.ReplaceAllString(fence.ReplaceAllString(data, " "), " ")
}

// documents are the files whose sentences are claims: README.md and docs/*.md.
func documents(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil || len(docs) == 0 {
		t.Fatalf("no docs/*.md under %s (%v)", root, err)
	}
	files := []string{"README.md"}
	for _, d := range docs {
		files = append(files, filepath.ToSlash(strings.TrimPrefix(d, root+string(filepath.Separator))))
	}
	return files
}

// loadClaims reads claims.json.
func loadClaims(t *testing.T) []claim {
	t.Helper()
	data, err := os.ReadFile("claims.json")
	if err != nil {
		t.Fatal(err)
	}
	var claims []claim
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&claims); err != nil {
		t.Fatalf("claims.json: %v", err)
	}
	return claims
}

// unclaimed returns, for the prose of one document, the context of each "every" that no claim
// text of that document spans.
func unclaimed(text string, texts []string) []string {
	var covered [][2]int
	for _, c := range texts {
		for off := 0; ; {
			i := strings.Index(text[off:], c)
			if i < 0 || c == "" {
				break
			}
			covered = append(covered, [2]int{off + i, off + i + len(c)})
			off += i + 1
		}
	}
	var out []string
	for _, m := range everyWord.FindAllStringIndex(text, -1) {
		if !slices.ContainsFunc(covered, func(r [2]int) bool { return r[0] <= m[0] && m[1] <= r[1] }) {
			from, to := max(0, m[0]-70), min(len(text), m[1]+70)
			out = append(out, "…"+text[from:to]+"…")
		}
	}
	return out
}

// proofExists says whether a proof names a test of the repository: a Go test function among
// goTests, or a Node test file holding the test's name.
func proofExists(proof string, goTests map[string]bool) error {
	if name, ok := strings.CutPrefix(proof, "requirement:"); ok {
		files, _ := filepath.Glob(filepath.Join(root, "test", "*_test.go"))
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			if strings.Contains(string(data), `{name: "`+name) {
				return nil
			}
		}
		return fmt.Errorf("no requirement named %q… in test/*_test.go", name)
	}
	if file, name, ok := strings.Cut(proof, ".test.js:"); ok {
		data, err := os.ReadFile(filepath.Join(root, file+".test.js"))
		if err != nil {
			return err
		}
		if !slices.ContainsFunc([]string{"test('", "test(`", `test("`}, func(call string) bool { return strings.Contains(string(data), call+name) }) {
			return fmt.Errorf("%s.test.js has no test %q", file, name)
		}
		return nil
	}
	if !goTests[strings.SplitN(proof, "/", 2)[0]] {
		return fmt.Errorf("no func %s in a _test.go file", proof)
	}
	return nil
}

// goTestNames are the Go test functions of the repository (func TestX(t *testing.T)). The
// assemblies (cdk.out, cdk.out.matrix: make test writes them while this runs) are skipped.
func goTestNames(t *testing.T) map[string]bool {
	t.Helper()
	decl := regexp.MustCompile(`(?m)^func (Test\w+)\(`)
	names := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), "cdk.out") || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if strings.HasSuffix(path, "_test.go") {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range decl.FindAllStringSubmatch(string(data), -1) {
				names[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 50 {
		t.Fatalf("found only %d Go tests under %s", len(names), root)
	}
	return names
}

// Each "every …" of README.md and docs/*.md is a claim: claims.json ties it to the tests that
// prove it, or the sentence says what holds without "every". An entry whose text left its
// document, or whose proof names no test, fails too.
func TestEveryClaimIsProved(t *testing.T) {
	claims := loadClaims(t)
	goTests := goTestNames(t)
	byFile := map[string][]string{}
	for i, c := range claims {
		where := fmt.Sprintf("claims.json[%d] (%s: %q)", i, c.File, c.Text)
		if !everyWord.MatchString(c.Text) {
			t.Errorf("%s: the text holds no \"every\"", where)
		}
		if len(c.Proof) == 0 || strings.TrimSpace(c.Why) == "" {
			t.Errorf("%s: needs a proof and a why", where)
		}
		for _, p := range c.Proof {
			if err := proofExists(p, goTests); err != nil {
				t.Errorf("%s: proof %s: %v", where, p, err)
			}
		}
		byFile[c.File] = append(byFile[c.File], c.Text)
	}
	files := documents(t)
	for file := range byFile {
		if !slices.Contains(files, file) {
			t.Errorf("claims.json names %s, which is not a document (README.md, docs/*.md)", file)
		}
	}
	found := 0
	for _, file := range files {
		data, err := os.ReadFile(filepath.Join(root, file))
		if err != nil {
			t.Fatal(err)
		}
		text := docText(string(data))
		found += len(everyWord.FindAllStringIndex(text, -1))
		for _, c := range byFile[file] {
			if !strings.Contains(text, c) {
				t.Errorf("claims.json: %s no longer says %q: remove the entry or correct its text", file, c)
			}
		}
		for _, ctx := range unclaimed(text, byFile[file]) {
			t.Errorf("%s: %q is not in test/doccheck/claims.json: name the test that proves it, or say what holds without \"every\"", file, ctx)
		}
	}
	if found < 20 {
		t.Errorf("only %d \"every\" found in the documents: the scan reads nothing", found)
	}
}

// The claim check itself can fail: an unregistered "every" is found, a registered one is not,
// fenced code is not prose, and a proof that names no test is refused.
func TestClaimCheckCanFail(t *testing.T) {
	text := docText("Every key rotates.\n\n```\nevery line of code\n```\nSome are\nannounced; everything else is not.")
	tests := []struct {
		name   string
		claims []string
		want   int
	}{
		{"none registered", nil, 2},
		{"one registered", []string{"Every key rotates."}, 1},
		{"both registered, across a line break", []string{"Every key rotates.", "everything else is not"}, 0},
		{"a text that spans no every", []string{"key rotates"}, 2},
	}
	for _, tt := range tests {
		if got := unclaimed(text, tt.claims); len(got) != tt.want {
			t.Errorf("%s: %d unclaimed (%q), want %d", tt.name, len(got), got, tt.want)
		}
	}
	goTests := map[string]bool{"TestReal": true}
	for proof, ok := range map[string]bool{
		"TestReal": true, "TestReal/subtest": true, "TestMissing": false,
		"test/security/access.test.js:no such test name anywhere": false,
		"test/security/access.test.js:the access matrix has":      true,
		"test/security/access.test.js:access matrix has":          false,
		"test/security/missing.test.js:x":                         false,
	} {
		if err := proofExists(proof, goTests); (err == nil) != ok {
			t.Errorf("proofExists(%q) = %v, want ok=%v", proof, err, ok)
		}
	}
}
