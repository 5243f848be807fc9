package coverage

import (
	"context"
	_ "embed"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	athenatypes "github.com/aws/aws-sdk-go-v2/service/athena/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
)

// WaySession and WayRDP name the two ways in that are not in sessiondocs.AllWays: a Session
// Manager session and an RDP connection (Fleet Manager's ssm-guiconnect).
const (
	WaySession = "session"
	WayRDP     = "rdp"
)

// WayOf maps a ledger start event to its way in; the other ways use sessiondocs' names.
var WayOf = map[string]string{
	"StartSession": WaySession, "ResumeSession": WaySession, "StartConnection": WayRDP,
	"SendSSHPublicKey": sessiondocs.WayInstanceConnect, "OpenTunnel": sessiondocs.WayInstanceConnectEndpoint,
	"SendSerialConsoleSSHPublicKey": sessiondocs.WaySerialConsole, "SendCommand": sessiondocs.WayRunCommand,
	"ExecuteCommand": sessiondocs.WayECSExec,
}

// Ways lists every way in, in the order sessions prints and accepts them.
var Ways = append([]string{WaySession, WayRDP}, sessiondocs.AllWays...)

// LedgerColumns are the columns of LedgerSQL that coverage and sessions read.
var LedgerColumns = []string{"time", "account", "region", "event", "session", "principal", "target", "document", "error"}

// SessionsSQL is LedgerSQL's rows with, for each, the session's own reason and, for a
// just-in-time session, the access request it ran under (its ID, requester, reason and
// approvers), joined in the query. Parameters: the first and last arrival day read (yyyy/MM/dd;
// the first is LedgerLookBack days before the period, for the requests), and the period's first
// day (the sessions). test/search/sessions.test.js runs it on objects laid out as the ledger
// writes them.
//
// Sources: StartSession's Reason ("The reason for connecting to the instance", SSM API reference,
// StartSession) and StartAccessRequest's Reason, Targets and AccessRequestId (SSM API reference,
// StartAccessRequest), as CloudTrail records them (requestParameters, responseElements, with
// lower-case first letters: CloudTrail user guide, "CloudTrail record contents"). AWS documents
// no field that ties a just-in-time session to its request: the query takes the latest successful
// request of the same account and region that names the session's node before the session
// started. The approvers come from SendAutomationSignal (signalType Approve) joined through the
// "Requester Access Request Status Update" event's OpsItemId and ExecutionId, which AWS documents
// only by example (AWS Samples; docs/proofs.md).
//
//go:embed sessions.sql
var SessionsSQL string

// SessionsColumns are the columns of SessionsSQL that sessions reads.
var SessionsColumns = append(slices.Clone(LedgerColumns), "reason", "request", "requester", "request_reason", "approver")

// JustInTimeRole is the role a just-in-time node access session runs as (the default
// accessTokenRole of the approval policies); the person is the requester of the access request.
const JustInTimeRole = "SSM-JustInTimeAccessTokenRole"

// JustInTime says whether a principal ARN is a session of JustInTimeRole.
func JustInTime(principal string) bool {
	return strings.Contains(principal, ":assumed-role/"+JustInTimeRole+"/")
}

// NoRequest is the person of a just-in-time session whose access request the ledger does not hold.
const NoRequest = "unknown (just-in-time: no access request in the ledger)"

// Logging states of a session.
const (
	Logged    = "logged"
	NotLogged = "NOT LOGGED"
	// RecordingUnknown: an RDP connection whose recording was not looked up (yet): Sessions
	// does not read the digests; LookUpRecordings (recording.go) does.
	RecordingUnknown = "recording not looked up"
)

// Recorded says where a session's record is, by its logging state (Session.Logged).
func Recorded(s Session) string {
	switch s.Logged {
	case Logged:
		return "transcript " + archivelayout.TranscriptKeyPrefix(s.Account, s.Region) + "/" + s.ID + ".log, forwarded output"
	case RecordingUnknown:
		return "RDP recording not looked up"
	}
	return NotLogged
}

// Session is one session or connection of the ledger.
type Session struct {
	ID        string `json:"id"`
	Start     string `json:"start"`
	End       string `json:"end,omitempty"`
	Duration  string `json:"duration,omitempty"`
	Person    string `json:"person"`
	Principal string `json:"principal"`
	Account   string `json:"account"`
	Region    string `json:"region"`
	Node      string `json:"node"`
	Way       string `json:"way"`
	Document  string `json:"document,omitempty"`
	// Reason is the session's own (StartSession's Reason), else its access request's.
	Reason string `json:"reason,omitempty"`
	// Request is the just-in-time access request the session ran under (oi-…); Requester its
	// requester's ARN.
	Request   string `json:"request,omitempty"`
	Requester string `json:"requester,omitempty"`
	// Approver is the ARNs of who approved the request, space-separated.
	Approver string `json:"approver,omitempty"`
	Logged   string `json:"logged"`
	// Recorded says where the session's record is expected (Recorded), or NOT LOGGED.
	Recorded string `json:"recorded"`
	// Matched says the session's forwarded output matches -grep.
	Matched bool `json:"matched,omitempty"`
}

// Person is the name in a principal ARN, the simple version of the notice formatter's
// (constructs/loginnotifier/formatter.js): an assumed role's session name (an SSO user's name, or
// the name the caller chose), an IAM user's name, "root"; else the ARN itself.
func Person(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return arn
	}
	res := parts[5]
	switch {
	case res == "root":
		return "root"
	case strings.HasPrefix(res, "assumed-role/"):
		if p := strings.Split(res, "/"); len(p) == 3 {
			return p[2]
		}
	case strings.HasPrefix(res, "user/"):
		return res[strings.LastIndex(res, "/")+1:]
	}
	return arn
}

// Filter selects sessions; empty fields select all. Who is a glob (* and ?) on the person or the
// principal ARN.
type Filter struct {
	Who, Account, Node, Way string
	// Grep, when not nil, keeps only these sessions (the IDs whose forwarded output matches).
	Grep map[string]bool
	// Regions are the governed regions: a session elsewhere is not logged.
	Regions []string
}

// Glob compiles a -who pattern: * any text (slashes too), ? one character, the rest literal.
func Glob(pattern string) *regexp.Regexp {
	var b strings.Builder
	for _, r := range pattern {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	return regexp.MustCompile("^(?:" + b.String() + ")$")
}

// Sessions are the sessions and connections of ledger rows (LedgerSQL) started in [from, to) that
// match f, in start order; a resumed session is one session, its end the TerminateSession.
func Sessions(rows []Row, from, to time.Time, f Filter) ([]Session, error) {
	ended := map[string]string{}
	for _, r := range rows {
		if r["error"] == "" && r["event"] == "TerminateSession" {
			ended[r["session"]] = r["time"]
		}
	}
	var who *regexp.Regexp
	if f.Who != "" {
		who = Glob(f.Who)
	}
	seen := map[string]bool{}
	var out []Session
	for _, r := range rows {
		way, ok := WayOf[r["event"]]
		if !ok || r["error"] != "" || seen[r["session"]] {
			continue // not a start, or denied: nothing started
		}
		t, err := time.Parse(time.RFC3339, r["time"])
		if err != nil {
			return nil, fmt.Errorf("ledger event %s: time %q is not RFC 3339", r["session"], r["time"])
		}
		if t.Before(from) || !t.Before(to) {
			continue
		}
		seen[r["session"]] = true
		s := Session{ID: r["session"], Start: r["time"], Person: Person(r["principal"]), Principal: r["principal"], Account: r["account"],
			Region: r["region"], Node: r["target"], Way: way, Document: r["document"], Logged: NotLogged,
			Reason: r["reason"], Request: r["request"], Requester: r["requester"], Approver: r["approver"]}
		if s.Reason == "" {
			s.Reason = r["request_reason"]
		}
		if JustInTime(s.Principal) {
			// The token role's session name is not documented to be the requester's: the person
			// is the request's requester, or unknown.
			s.Person = NoRequest
			if s.Requester != "" {
				s.Person = Person(s.Requester)
			}
		}
		if who != nil && !who.MatchString(s.Person) && !who.MatchString(s.Principal) && (s.Requester == "" || !who.MatchString(s.Requester)) ||
			f.Account != "" && s.Account != f.Account || f.Node != "" && s.Node != f.Node || f.Way != "" && s.Way != f.Way ||
			f.Grep != nil && !f.Grep[s.ID] {
			continue
		}
		switch {
		case way == WayRDP:
			s.Logged = RecordingUnknown
		case way == WaySession && slices.Contains(f.Regions, s.Region) && sessiondocs.IsLogged(s.Document, s.Account):
			s.Logged = Logged
		}
		s.Recorded = Recorded(s)
		s.Matched = f.Grep != nil
		if e := ended[s.ID]; e != "" {
			s.End = e
			if et, err := time.Parse(time.RFC3339, e); err == nil && !et.Before(t) {
				s.Duration = et.Sub(t).String()
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// PricePerTB is Athena's price of SQL queries in US dollars per terabyte (10^12 bytes) scanned
// (https://aws.amazon.com/athena/pricing/: "$5.00 per TB of data scanned", billed per query
// rounded up to the megabyte with a 10 MB minimum; the price differs in some regions).
const PricePerTB = 5.0

// Scanned counts the bytes Athena says its queries scanned (GetQueryExecution's
// QueryExecution.Statistics.DataScannedInBytes of each succeeded query) on a client made with
// Option. Athena API reference, QueryExecutionStatistics.
type Scanned struct {
	mu    sync.Mutex
	bytes map[string]int64
}

// Option installs the counter on an Athena client (athena.NewFromConfig(cfg, s.Option)).
func (s *Scanned) Option(o *athena.Options) {
	o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("sessionaudit-scanned",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				if q, ok := out.Result.(*athena.GetQueryExecutionOutput); ok && err == nil && q.QueryExecution != nil &&
					q.QueryExecution.Status != nil && q.QueryExecution.Status.State == athenatypes.QueryExecutionStateSucceeded && q.QueryExecution.Statistics != nil {
					s.mu.Lock()
					if s.bytes == nil {
						s.bytes = map[string]int64{}
					}
					s.bytes[aws.ToString(q.QueryExecution.QueryExecutionId)] = aws.ToInt64(q.QueryExecution.Statistics.DataScannedInBytes)
					s.mu.Unlock()
				}
				return out, md, err
			}), middleware.After)
	})
}

// Bytes is the sum over the succeeded queries seen.
func (s *Scanned) Bytes() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, b := range s.bytes {
		n += b
	}
	return n
}

// Price is the list price of scanning n bytes at PricePerTB (without the per-query minimum).
func Price(n int64) float64 { return float64(n) / 1e12 * PricePerTB }
