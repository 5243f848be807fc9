// Package audit reads one session out of a downloaded archive object (docs/audit.md): a transcript
// as the SSM agent uploads it (session-manager/<account>/<region>/<session ID>.log, see
// constructs/archivelayout) or a forwarded-output object as Firehose writes it (GZIP, one log
// event per line, the events of several sessions interleaved with foreign lines).
package audit

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// ErrNotFound is returned (wrapped) when the object holds nothing of the session.
var ErrNotFound = errors.New("session not in the file")

// Event is one Session Manager streaming event: the output lines the agent uploaded at Time.
type Event struct {
	Time  time.Time
	Lines []string
}

// Session is what an archive object shows of one session.
type Session struct {
	ID string
	// Transcript is true for a transcript object: Output holds its bytes, there are no Events.
	Transcript bool
	Output     []byte
	Events     []Event
	// Who is the requester's ARN (userIdentity.arn), Account the account in it or in the key.
	Who, Account, Region, Node, RunAs string
	// Name and Reason are what the ledger knows beyond the object (online only): the person
	// (a just-in-time session's requester, not the name in Who) and the session's reason.
	Name, Reason string
}

// Skipped counts what Read passed over: lines that are no Session Manager event, and the events
// of other sessions by session ID.
type Skipped struct {
	Foreign int
	Others  map[string]int
}

// streamed is a Session Manager event as the SSM agent streams it to CloudWatch Logs
// (amazon-ssm-agent, agent/agentlogstocloudwatch/cloudwatchlogspublisher/cloudwatchlogsservice.go,
// CloudWatchMessage).
type streamed struct {
	EventVersion string `json:"eventVersion"`
	EventTime    string `json:"eventTime"`
	AwsRegion    string `json:"awsRegion"`
	Target       struct {
		ID string `json:"id"`
	} `json:"target"`
	UserIdentity struct {
		Arn string `json:"arn"`
	} `json:"userIdentity"`
	RunAsUser   string          `json:"runAsUser"`
	SessionID   string          `json:"sessionId"`
	SessionData json.RawMessage `json:"sessionData"`
}

// Read reads session id out of the object data named name (its path: a transcript is recognised
// by its name, <session ID>.log; a GZIP object or any other name is read as forwarded output).
func Read(data []byte, name, id string) (*Session, Skipped, error) {
	sk := Skipped{Others: map[string]int{}}
	if len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, sk, fmt.Errorf("%s: not readable GZIP: %v", name, err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			return nil, sk, fmt.Errorf("%s: not readable GZIP: %v", name, err)
		}
		return readForwarded(plain, name, id, sk)
	}
	if base := filepath.Base(name); strings.HasSuffix(base, ".log") {
		return readTranscript(data, name, strings.TrimSuffix(base, ".log"), id, sk)
	}
	return readForwarded(data, name, id, sk)
}

// readTranscript takes the account and region from the archive key
// (session-manager/<account>/<region>/<session ID>.log) where the path still has it.
func readTranscript(data []byte, name, fileID, id string, sk Skipped) (*Session, Skipped, error) {
	if fileID != id {
		return nil, sk, fmt.Errorf("%s is the transcript of session %s, not %s: %w", name, fileID, id, ErrNotFound)
	}
	s := &Session{ID: id, Transcript: true, Output: data}
	parts := strings.Split(filepath.ToSlash(name), "/")
	if n := len(parts); n >= 3 && isAccount(parts[n-3]) {
		s.Account, s.Region = parts[n-3], parts[n-2]
	}
	return s, sk, nil
}

func readForwarded(data []byte, name, id string, sk Skipped) (*Session, Skipped, error) {
	s := &Session{ID: id}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var e streamed
		if json.Unmarshal(line, &e) != nil || e.SessionID == "" || e.EventTime == "" || e.SessionData == nil {
			sk.Foreign++
			continue
		}
		if e.SessionID != id {
			sk.Others[e.SessionID]++
			continue
		}
		// An event of the session that cannot be read is no skip: its output would be missing.
		var lines []string
		if err := json.Unmarshal(e.SessionData, &lines); err != nil {
			return nil, sk, fmt.Errorf("%s line %d: sessionData of session %s is not a list of strings: %v", name, n, id, err)
		}
		// eventTime is time.RFC3339 in the agent (whole seconds, UTC).
		t, err := time.Parse(time.RFC3339, e.EventTime)
		if err != nil {
			return nil, sk, fmt.Errorf("%s line %d: eventTime of session %s is not RFC 3339 (got %q)", name, n, id, e.EventTime)
		}
		s.Events = append(s.Events, Event{Time: t, Lines: lines})
		if s.Who == "" {
			s.Who, s.Region, s.Node, s.RunAs = e.UserIdentity.Arn, e.AwsRegion, e.Target.ID, e.RunAsUser
			if p := strings.Split(s.Who, ":"); len(p) > 4 && isAccount(p[4]) {
				s.Account = p[4]
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, sk, fmt.Errorf("%s: %v", name, err)
	}
	if len(s.Events) == 0 && len(sk.Others) == 0 {
		// Not one Session Manager event: not a forwarded-output object (or an empty one), so
		// whether the session is in the archive cannot be told from it.
		return nil, sk, fmt.Errorf("%s holds no Session Manager event (%d other line(s)): not a forwarded-output object of sessions", name, sk.Foreign)
	}
	if len(s.Events) == 0 {
		return nil, sk, fmt.Errorf("%s holds no event of session %s: %w", name, id, ErrNotFound)
	}
	// Batches of a stream may reach an object out of order; events of the same second keep the
	// object's order.
	sort.SliceStable(s.Events, func(i, j int) bool { return s.Events[i].Time.Before(s.Events[j].Time) })
	return s, sk, nil
}

func isAccount(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Start and End are the times of the first and last event (zero for a transcript).
func (s *Session) Start() time.Time {
	if len(s.Events) == 0 {
		return time.Time{}
	}
	return s.Events[0].Time
}

// End is the time of the last event.
func (s *Session) End() time.Time {
	if len(s.Events) == 0 {
		return time.Time{}
	}
	return s.Events[len(s.Events)-1].Time
}

// Person is Name when set, else the name in the requester's ARN: the role session name of an
// assumed role (an IAM Identity Center user's e-mail), the user name of an IAM user.
func (s *Session) Person() string {
	if s.Name != "" {
		return s.Name
	}
	if i := strings.LastIndex(s.Who, "/"); i >= 0 {
		return s.Who[i+1:]
	}
	return s.Who
}

// Text is the session's output: a transcript's bytes, or each event's lines, each ended by eol
// (the agent removed CR and split on LF; whether the last line of an event had its LF is not in
// the event).
func (s *Session) Text(eol string) string {
	if s.Transcript {
		return string(s.Output)
	}
	var b strings.Builder
	for _, e := range s.Events {
		b.WriteString(eventData(e, eol))
	}
	return b.String()
}

func eventData(e Event, eol string) string {
	var b strings.Builder
	for _, l := range e.Lines {
		b.WriteString(l)
		b.WriteString(eol)
	}
	return b.String()
}
