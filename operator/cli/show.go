package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sessionaudit/sessionaudit/operator/audit"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// showUsage and playUsage are the two commands' lines in the usage.
const showUsage = `  show       shows session SESSION of a downloaded archive object: show SESSION -file PATH [-json]
             (a transcript .log or a forwarded-output .json.gz; docs/audit.md)
`

// sessionArgs parses `SESSION [flags]` or `[flags] SESSION` into fs and returns SESSION.
func sessionArgs(fs *flag.FlagSet, args []string, stderr io.Writer) (string, bool) {
	id := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		id, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return "", false
	}
	if id == "" && fs.NArg() == 1 {
		return fs.Arg(0), true
	}
	if id == "" || fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sessionaudit %s: give one SESSION (got %q)\n", fs.Name(), append([]string{id}, fs.Args()...))
		return "", false
	}
	return id, true
}

// loadSession reads SESSION out of the file at path and says what it skipped on stderr; the
// exit status is 1 when the file holds nothing of the session, 2 when it could not be read.
func loadSession(name, path, id string, stderr io.Writer) (*audit.Session, int) {
	if path == "" {
		fmt.Fprintf(stderr, "sessionaudit %s: -file PATH is required (a downloaded transcript or forwarded-output object)\n", name)
		return nil, report.ExitCouldNot
	}
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(stderr, "sessionaudit %s: %v\n", name, err)
		return nil, report.ExitCouldNot
	}
	s, sk, err := audit.Read(data, path, id)
	if sk.Foreign > 0 {
		fmt.Fprintf(stderr, "sessionaudit %s: skipped %d line(s) of %s that are no Session Manager event\n", name, sk.Foreign, path)
	}
	if n := len(sk.Others); n > 0 {
		events := 0
		for _, c := range sk.Others {
			events += c
		}
		fmt.Fprintf(stderr, "sessionaudit %s: skipped %d event(s) of %d other session(s)\n", name, events, n)
	}
	if errors.Is(err, audit.ErrNotFound) {
		fmt.Fprintf(stderr, "sessionaudit %s: %v\n", name, err)
		return nil, report.ExitFindings
	}
	if err != nil {
		fmt.Fprintf(stderr, "sessionaudit %s: %v\n", name, err)
		return nil, report.ExitCouldNot
	}
	return s, report.ExitClean
}

func showCommand(args []string, d Deps) int {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	fs.SetOutput(d.Stderr)
	path := fs.String("file", "", "`PATH` of a downloaded archive object: a transcript (<session ID>.log) or forwarded output (.json.gz)")
	jsonOut := fs.Bool("json", false, "write the header and the output as JSON")
	id, ok := sessionArgs(fs, args, d.Stderr)
	if !ok {
		return report.ExitCouldNot
	}
	s, code := loadSession("show", *path, id, d.Stderr)
	if s == nil {
		return code
	}
	if *jsonOut {
		if err := writeShowJSON(d.Stdout, s); err != nil {
			return report.ExitCouldNot
		}
		return report.ExitClean
	}
	writeShowText(d.Stdout, s)
	return report.ExitClean
}

// notShown is what the header says of a field the object does not hold.
const notShown = "(not in the object)"

func orNot(v string) string {
	if v == "" {
		return notShown
	}
	return v
}

func writeShowText(w io.Writer, s *audit.Session) {
	fmt.Fprintf(w, "session  %s\n", s.ID)
	who := notShown
	if s.Who != "" {
		who = s.Person() + " (" + s.Who + ")"
	}
	fmt.Fprintf(w, "who      %s\n", who)
	fmt.Fprintf(w, "run as   %s\n", orNot(s.RunAs))
	fmt.Fprintf(w, "node     %s\n", orNot(s.Node))
	fmt.Fprintf(w, "account  %s\n", orNot(s.Account))
	fmt.Fprintf(w, "region   %s\n", orNot(s.Region))
	if s.Transcript {
		fmt.Fprintf(w, "when     %s\n", notShown)
		fmt.Fprintf(w, "source   transcript (no timing)\n")
	} else {
		fmt.Fprintf(w, "when     %s … %s (%s)\n", s.Start().Format(time.RFC3339), s.End().Format(time.RFC3339), s.End().Sub(s.Start()))
		fmt.Fprintf(w, "source   forwarded output, %d event(s), times to the second\n", len(s.Events))
	}
	fmt.Fprintln(w, "--")
	out := s.Text("\n")
	fmt.Fprint(w, out)
	if out != "" && !strings.HasSuffix(out, "\n") {
		fmt.Fprintln(w)
	}
}

// showJSON is show -json's document.
type showJSON struct {
	Session    string      `json:"session"`
	Who        string      `json:"who,omitempty"`
	Person     string      `json:"person,omitempty"`
	RunAs      string      `json:"runAs,omitempty"`
	Node       string      `json:"node,omitempty"`
	Account    string      `json:"account,omitempty"`
	Region     string      `json:"region,omitempty"`
	Source     string      `json:"source"`
	Start      *time.Time  `json:"start,omitempty"`
	End        *time.Time  `json:"end,omitempty"`
	Events     []eventJSON `json:"events,omitempty"`
	Transcript *string     `json:"transcript,omitempty"`
}

type eventJSON struct {
	Time  time.Time `json:"time"`
	Lines []string  `json:"lines"`
}

func writeShowJSON(w io.Writer, s *audit.Session) error {
	doc := showJSON{Session: s.ID, Who: s.Who, RunAs: s.RunAs, Node: s.Node, Account: s.Account, Region: s.Region, Source: "forwarded"}
	if s.Who != "" {
		doc.Person = s.Person()
	}
	if s.Transcript {
		doc.Source = "transcript"
		t := string(s.Output)
		doc.Transcript = &t
	} else {
		start, end := s.Start(), s.End()
		doc.Start, doc.End = &start, &end
		for _, e := range s.Events {
			doc.Events = append(doc.Events, eventJSON{Time: e.Time, Lines: e.Lines})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
