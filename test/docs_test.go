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

// The version the README and the constructs' install line name is the latest release of the
// changelog, so that nobody installs a version the changelog does not describe.
func TestInstallLineNamesTheCurrentVersion(t *testing.T) {
	changelog, err := os.ReadFile("../CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^## \[(v\d+\.\d+\.\d+)\]`).FindStringSubmatch(string(changelog))
	if m == nil {
		t.Fatal("CHANGELOG.md has no released version")
	}
	for _, file := range []string{"../README.md", "../docs/constructs.md", "../docs/versioning.md"} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range regexp.MustCompile(`sessionaudit@(v[\w.]+)`).FindAllStringSubmatch(string(data), -1) {
			if got[1] != m[1] {
				t.Errorf("%s installs %s, the changelog's latest release is %s", file, got[1], m[1])
			}
		}
		if !strings.Contains(string(data), "sessionaudit@"+m[1]) {
			t.Errorf("%s names no install line for %s", file, m[1])
		}
	}
}
