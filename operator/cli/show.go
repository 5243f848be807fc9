package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sessionaudit/sessionaudit/operator/audit"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// showUsage and playUsage are the two commands' lines in the usage.
const showUsage = `  show       shows session SESSION: show SESSION [-from DAY] [-to DAY] [-json] [-raw] finds it in the
             ledger and reads it from the archive; show SESSION -file PATH reads a downloaded object
             (a transcript .log or a forwarded-output .json.gz; docs/audit.md)
`

// sessionArgs parses `SESSION [flags]` or `[flags] SESSION` into fs and returns SESSION.
func sessionArgs(fs *flag.FlagSet, args []string, stderr io.Writer) (string, bool) {
	setHelp(fs, stderr)
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

func showCommand(ctx context.Context, args []string, d Deps) int {
	fs := flag.NewFlagSet("show", flag.ContinueOnError)
	fs.SetOutput(d.Stderr)
	path := fs.String("file", "", "`PATH` of a downloaded archive object: a transcript (<session ID>.log) or forwarded output (.json.gz)")
	jsonOut := fs.Bool("json", false, "write the header and the output as JSON")
	raw := fs.Bool("raw", false, "pass the recorded terminal control sequences to the terminal (default: shown as \\x1b escapes)")
	fl := addOnlineFlags(fs, d)
	id, ok := sessionArgs(fs, args, d.Stderr)
	if !ok {
		return report.ExitCouldNot
	}
	var s *audit.Session
	var f *found
	code := report.ExitClean
	if *path != "" {
		if s, code = loadSession("show", *path, id, d.Stderr); s == nil {
			return code
		}
	} else if s, f, code = lookupOnline(ctx, "show", id, fl, false, d); f == nil {
		return code
	}
	if *jsonOut {
		if err := writeShowJSON(d.Stdout, s, f, id); err != nil {
			return report.ExitCouldNot
		}
	} else {
		writeShowText(d.Stdout, s, f, id, *raw)
	}
	return onlineFindings("show", f, d.Stderr)
}

// onlineFindings says on stderr what the online lookup found wrong (found.Findings) and returns
// the exit status: 1 with a finding, else 0 (and 0 for an offline run, f nil).
func onlineFindings(name string, f *found, stderr io.Writer) int {
	if f == nil {
		return report.ExitClean
	}
	list := f.Findings()
	for _, m := range list {
		fmt.Fprintf(stderr, "sessionaudit %s: %s\n", name, audit.Escape(m))
	}
	if len(list) > 0 {
		return report.ExitFindings
	}
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

// writeShowText writes the header and the output; the output is escaped (audit.Escape) unless
// raw, and the header always is (its values come from the object too). Online (f set), the
// ledger's way and times are in the header, and s is nil when nothing is recorded.
func writeShowText(w io.Writer, s *audit.Session, f *found, id string, raw bool) {
	if s == nil {
		s = &audit.Session{ID: id, Who: f.Ledger.Principal, Node: f.Ledger.Node, Account: f.Ledger.Account, Region: f.Ledger.Region,
			Name: f.Ledger.Person, Reason: f.Ledger.Reason}
	}
	line := func(label, v string) { fmt.Fprintf(w, "%-8s %s\n", label, audit.Escape(v)) }
	line("session", s.ID)
	who := notShown
	if s.Who != "" {
		who = s.Person() + " (" + s.Who + ")"
	}
	if f != nil && coverage.JustInTime(f.Ledger.Principal) {
		// The person is the access request's requester; the token role is on the request line.
		who = f.Ledger.Person
		if f.Ledger.Requester != "" {
			who += " (" + f.Ledger.Requester + ")"
		}
	}
	line("who", who)
	if f != nil {
		// What only the ledger knows: the access request and its approvers, and the reason.
		for _, l := range ledgerLines(f.Ledger) {
			line(l[0], l[1])
		}
	}
	line("run as", orNot(s.RunAs))
	line("node", orNot(s.Node))
	line("account", orNot(s.Account))
	line("region", orNot(s.Region))
	if f != nil {
		line("way", f.Ledger.Way+" ("+f.Ledger.Logged+")")
		end := "no end in the ledger"
		if f.Ledger.End != "" {
			end = f.Ledger.End + " (" + f.Ledger.Duration + ")"
		}
		line("when", f.Ledger.Start+" … "+end+", by the ledger")
	}
	switch {
	case f != nil && f.Recording != nil:
		line("source", rdpSource(f))
	case f != nil && f.Recorded == recordedNothing:
		line("source", "nothing recorded: "+nothingWhy(f.Ledger))
	case s.Transcript:
		if f == nil {
			line("when", notShown)
			line("source", "transcript (no timing)")
		} else {
			line("source", "transcript "+f.Key+" (no timing)")
		}
	default:
		if f == nil {
			line("when", fmt.Sprintf("%s … %s (%s)", s.Start().Format(time.RFC3339), s.End().Format(time.RFC3339), s.End().Sub(s.Start())))
		}
		line("source", fmt.Sprintf("forwarded output, %d event(s), times to the second", len(s.Events)))
	}
	if f != nil && len(f.Versions) > 1 {
		line("versions", fmt.Sprintf("%d: %s", len(f.Versions), f.versionsLine()))
	}
	fmt.Fprintln(w, "--")
	out := s.Text("\n")
	if !raw {
		out = audit.Escape(out)
	}
	fmt.Fprint(w, out)
	if out != "" && !strings.HasSuffix(out, "\n") {
		fmt.Fprintln(w)
	}
}

// ledgerLines are the header's lines of what the ledger knows beyond the object (label, value):
// for a just-in-time session its access request (the person is its requester, the principal the
// token role) and who approved it, and for every session its reason (its white space folded), or
// that it has none.
func ledgerLines(l coverage.Session) [][2]string {
	var out [][2]string
	if coverage.JustInTime(l.Principal) {
		request, approver := "none in the ledger", "none in the ledger"
		if l.Request != "" {
			request = l.Request + ", by " + l.Requester
		}
		var names []string // names and ARNs, as sessions' table and -json give them
		for _, a := range strings.Fields(l.Approver) {
			names = append(names, coverage.Person(a)+" ("+a+")")
		}
		if len(names) > 0 {
			approver = strings.Join(names, ", ")
		}
		out = append(out, [2]string{"request", request + "; just-in-time, the session ran as " + l.Principal}, [2]string{"approver", approver})
	}
	reason := "none given"
	if l.Reason != "" {
		// One line, as sessions' table folds it: a line break in it would forge a header line.
		reason = strings.Join(strings.Fields(l.Reason), " ")
	}
	return append(out, [2]string{"reason", reason})
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
	// Online only: the session's reason (its own, else its access request's), and for a
	// just-in-time session the request, its requester's ARN and its approvers' ARNs
	// (space-separated), as sessions -json gives them; Person is then the requester's name.
	Reason    string `json:"reason,omitempty"`
	Request   string `json:"request,omitempty"`
	Requester string `json:"requester,omitempty"`
	Approver  string `json:"approver,omitempty"`
	// Online only: what the ledger says (Ledger) and the transcript key's versions.
	Ledger   *coverage.Session `json:"ledger,omitempty"`
	Key      string            `json:"key,omitempty"`
	Versions []versionJSON     `json:"versions,omitempty"`
	// Online, an RDP connection only: its recording as the digests say (Source is then
	// "rdp recording" when found, else "nothing").
	Recording *recordingJSON `json:"recording,omitempty"`
	Findings  []string       `json:"findings,omitempty"`
}

// States of an RDP connection's recording in show -json.
const (
	recordingFound      = "found"
	recordingNotFound   = "not found"
	recordingCannotTell = "cannot tell"
)

// recordingJSON is an RDP connection's recording: its key (found), or the digests of its hours
// the archive does not hold (cannot tell).
type recordingJSON struct {
	State          string   `json:"state"`
	Key            string   `json:"key,omitempty"`
	MissingDigests []string `json:"missingDigests,omitempty"`
}

// versionJSON is one version of the transcript key; Shown marks the one read.
type versionJSON struct {
	ID           string    `json:"versionId"`
	LastModified time.Time `json:"lastModified"`
	DeleteMarker bool      `json:"deleteMarker,omitempty"`
	Shown        bool      `json:"shown,omitempty"`
}

type eventJSON struct {
	Time  time.Time `json:"time"`
	Lines []string  `json:"lines"`
}

func writeShowJSON(w io.Writer, s *audit.Session, f *found, id string) error {
	doc := showJSON{Session: id, Source: "nothing"}
	if s != nil {
		doc = showJSON{Session: s.ID, Who: s.Who, RunAs: s.RunAs, Node: s.Node, Account: s.Account, Region: s.Region, Source: "forwarded"}
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
	}
	if f != nil {
		l := f.Ledger
		doc.Ledger, doc.Key, doc.Findings = &l, f.Key, f.Findings()
		doc.Person, doc.Reason, doc.Request, doc.Requester, doc.Approver = l.Person, l.Reason, l.Request, l.Requester, l.Approver
		if s == nil {
			doc.Who, doc.Node, doc.Account, doc.Region = l.Principal, l.Node, l.Account, l.Region
		}
		if r := f.Recording; r != nil {
			doc.Recording = &recordingJSON{State: recordingNotFound, Key: r.Key}
			switch {
			case r.Key != "":
				doc.Source, doc.Recording.State = "rdp recording", recordingFound
			case len(r.Missing) > 0:
				doc.Recording.State, doc.Recording.MissingDigests = recordingCannotTell, r.Missing
			}
		}
		for i, v := range f.Versions {
			doc.Versions = append(doc.Versions, versionJSON{ID: v.ID, LastModified: v.LastModified.UTC(), DeleteMarker: v.DeleteMarker, Shown: i == f.Shown})
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
