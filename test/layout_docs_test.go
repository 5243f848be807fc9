package test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
)

// Wherever the code's comments and the docs spell the bucket layout, they spell the one
// constructs/archivelayout defines: forwarded logs by region first, transcripts by account first,
// the ledger by date.
func TestBucketLayoutIsSpelledOneWay(t *testing.T) {
	first := map[string]*regexp.Regexp{
		archivelayout.ForwardedPrefix:  regexp.MustCompile(`^(<(source )?region>|\$\{region\}|\$\(|<home>)`),
		archivelayout.TranscriptPrefix: regexp.MustCompile(`^(<account>|\$\{account\}|<owner>)`),
		archivelayout.LedgerPrefix:     regexp.MustCompile(`^(<yyyy>|\$\{day\})`),
		archivelayout.DigestPrefix:     regexp.MustCompile(`^<yyyy>$`),
	}
	mention := regexp.MustCompile(`(cloudwatch/|session-manager/|\bledger/|\bdigests/)(<[^>]+>|\$\{[a-z]+\})`)
	var files []string
	_ = filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil || (d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), "cdk.out") || strings.HasPrefix(d.Name(), "."))) {
			if d != nil && d.IsDir() && path != ".." {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, ".md") || (strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go")) {
			files = append(files, path)
		}
		return nil
	})
	if len(files) < 20 {
		t.Fatalf("found only %d files to check", len(files))
	}
	checked := 0
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mention.FindAllStringSubmatch(string(data), -1) {
			checked++
			if !first[m[1]].MatchString(m[2]) {
				t.Errorf("%s spells the layout %s%s…; constructs/archivelayout has %s<%s>/…", file, m[1], m[2], m[1],
					map[string]string{archivelayout.ForwardedPrefix: "region", archivelayout.TranscriptPrefix: "account", archivelayout.LedgerPrefix: "yyyy", archivelayout.DigestPrefix: "yyyy"}[m[1]])
			}
		}
	}
	if checked < 5 {
		t.Errorf("only %d layout mentions checked", checked)
	}
	// The check can fail: the older layout is refused.
	if first[archivelayout.ForwardedPrefix].MatchString("<source account>") {
		t.Error("the check accepts the account first")
	}
}
