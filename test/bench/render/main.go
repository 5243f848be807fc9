// Command render prints make bench's tables from its measurements (JSON on stdin, report.Results)
// and, with -write, puts them into a document between report.Begin and report.End.
//
//	go run ./test/bench/render -write docs/performance.md < results.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/sessionaudit/sessionaudit/test/bench/report"
)

func main() {
	write := flag.String("write", "", "document whose generated block is replaced (docs/performance.md)")
	flag.Parse()
	if err := run(os.Stdin, os.Stdout, *write); err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer, doc string) error {
	var r report.Results
	dec := json.NewDecoder(in)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return fmt.Errorf("measurements: %w", err)
	}
	block, err := report.Render(r)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(out, block); err != nil {
		return err
	}
	if doc == "" {
		return nil
	}
	data, err := os.ReadFile(doc)
	if err != nil {
		return err
	}
	updated, err := report.Replace(string(data), block)
	if err != nil {
		return fmt.Errorf("%s: %w", doc, err)
	}
	return os.WriteFile(doc, []byte(updated), 0o644)
}
