package test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// markdownLink is a link of a Markdown file: [text](target).
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// The README is a front door: short, and every document of docs/ is linked from it; every
// relative link of the README and of docs/ resolves to a file of the repository.
func TestDocsLinks(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(readme), "\n"); n >= 300 {
		t.Errorf("README.md has %d lines; keep it under 300 and move references to docs/", n)
	}
	docs, _ := filepath.Glob("../docs/*.md")
	if len(docs) == 0 {
		t.Fatal("no docs/*.md")
	}
	linkedFromReadme := map[string]bool{}
	for _, file := range append([]string{"../README.md"}, docs...) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range markdownLink.FindAllStringSubmatch(string(data), -1) {
			target := strings.SplitN(m[1], "#", 2)[0]
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path := filepath.Clean(filepath.Join(filepath.Dir(file), target))
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s links to %s, which does not exist", file, m[1])
			}
			if file == "../README.md" {
				linkedFromReadme[path] = true
			}
		}
	}
	for _, d := range docs {
		if !linkedFromReadme[filepath.Clean(d)] {
			t.Errorf("%s is not linked from README.md", d)
		}
	}
	// The link checker itself can fail: a link to a missing file is found.
	if !slices.ContainsFunc(markdownLink.FindAllStringSubmatch("see [x](missing.md)", -1), func(m []string) bool { return m[1] == "missing.md" }) {
		t.Error("the link pattern finds no link")
	}
}
