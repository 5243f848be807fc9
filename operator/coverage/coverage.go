// Package coverage answers an auditor's "is it complete?": every session and connection the
// ledger saw start in a period, with what the archive holds of it (forwarded output, a
// transcript) and, where nothing is held, the likely cause; and forwarded output of a session the
// ledger never saw start (forged lines). `sessionaudit coverage` runs it (docs/evidence.md,
// "Coverage").
package coverage

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/permissions"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// LedgerSQL lists every ledger event of the arrival days given (first, last; yyyy/MM/dd), with the
// session it names: archivesearch.CoverageLedgerSQL, the one text the daily coverage check
// (constructs/coveragecheck) runs too.
var LedgerSQL = archivesearch.CoverageLedgerSQL

// ForwardedSQL lists each session's forwarded output (lines, first and last event) of the days
// given: archivesearch.CoverageForwardedSQL.
var ForwardedSQL = archivesearch.CoverageForwardedSQL

// Events of the ledger that start a Session Manager session (a transcript and forwarded output
// are expected), an RDP connection (a recording is expected), or another way in (Session Manager
// logs none of them: the ledger entry is their only record).
var (
	SessionStarts    = []string{"StartSession", "ResumeSession"}
	ConnectionStarts = []string{"StartConnection"}
	OtherWays        = []string{"SendSSHPublicKey", "OpenTunnel", "SendSerialConsoleSSHPublicKey", "SendCommand", "ExecuteCommand"}
)

// LedgerLookBack is how many days before the period the ledger is read, so that the output of a
// session started shortly before it is not taken for forged output.
const LedgerLookBack = 7

// ProbePrefix starts the session ID of verify -probe's test event (check.ProbeMarkerPrefix).
const ProbePrefix = permissions.ProbeStreamPrefix

// Input is one coverage run.
type Input struct {
	Config   config.Config
	Athena   *athena.Client
	S3       *s3.Client
	Bucket   string
	From, To time.Time // [From, To), UTC days
	Poll     time.Duration
	Timeout  time.Duration
	Report   *report.Report
	// Progress receives a line per step (stderr); nil for none.
	Progress io.Writer
	// Recordings looks up RDP connections' recordings in the digests (recording.go).
	Recordings *Recordings
	// Ledger, when not nil, receives the ledger rows Run read (sessionaudit report lists the
	// sessions and denied starts of the same rows).
	Ledger func([]Row)
	// Offline, when not nil, answers the queries and the transcripts' presence from a downloaded
	// copy of the bucket (offline.go): Athena and S3 are not called.
	Offline *Dir
}

type forwarded struct {
	account, region string
	events          int
	first           string
}

// Run adds a finding for each session started in the period and for each forged one; an error
// means coverage could not see (exit status 2).
func Run(ctx context.Context, in Input) error {
	day := func(t time.Time) string { return t.UTC().Format("2006/01/02") }
	last := in.To.Add(-time.Nanosecond)
	// The ledger's day is the arrival day: a day either side catches late arrivals and the starts
	// of sessions whose output is in the period.
	progress(in, "coverage: the ledger, %s to %s", day(in.From.AddDate(0, 0, -LedgerLookBack)), day(last.AddDate(0, 0, 1)))
	ledger, err := in.query(ctx, LedgerSQL, []string{day(in.From.AddDate(0, 0, -LedgerLookBack)), day(last.AddDate(0, 0, 1))},
		[]string{"time", "account", "region", "event", "session", "principal", "target", "document", "error"})
	if err != nil {
		return err
	}
	if in.Ledger != nil {
		in.Ledger(ledger)
	}
	// Output of a session may arrive the day after its start.
	progress(in, "coverage: %d ledger event(s); forwarded output, %s to %s", len(ledger), day(in.From.AddDate(0, 0, -1)), day(last.AddDate(0, 0, 1)))
	out, err := in.query(ctx, ForwardedSQL, []string{day(in.From.AddDate(0, 0, -1)), day(last.AddDate(0, 0, 1))},
		[]string{"account", "region", "sessionid", "events", "first_event"})
	if err != nil {
		return err
	}
	output := map[string]forwarded{}
	for _, r := range out {
		n, _ := strconv.Atoi(r["events"])
		output[r["sessionid"]] = forwarded{r["account"], r["region"], n, r["first_event"]}
	}
	started, terminated := map[string]bool{}, map[string]string{}
	var inPeriod []Row
	for _, r := range ledger {
		if r["error"] != "" {
			continue // denied: nothing started
		}
		if r["event"] == "TerminateSession" {
			terminated[r["session"]] = r["time"]
			continue
		}
		if !slices.Contains(SessionStarts, r["event"]) && !slices.Contains(ConnectionStarts, r["event"]) && !slices.Contains(OtherWays, r["event"]) {
			continue
		}
		started[r["session"]] = true
		t, err := time.Parse(time.RFC3339, r["time"])
		if err != nil {
			return fmt.Errorf("ledger event %s: time %q is not RFC 3339", r["session"], r["time"])
		}
		if !t.Before(in.From) && t.Before(in.To) {
			inPeriod = append(inPeriod, r)
		}
	}
	if len(ledger) == 0 {
		in.Report.Add(report.Finding{Check: "coverage.ledger", Severity: report.Fail, Subject: day(in.From) + " to " + day(last),
			Message: "the ledger holds no event at all for the period",
			Meaning: "nothing can be said of the period's sessions: the ledger stream did not deliver (or the period is before the ledger was deployed); an empty ledger is never clean",
			Fix:     "sessionaudit verify (the ledger's stream and its errors prefix " + archivelayout.LedgerErrorPrefix + "); run coverage for a period after the ledger was deployed"})
	}
	seen := map[string]bool{}
	for _, r := range inPeriod {
		if seen[r["session"]] {
			continue // a resumed session is one session
		}
		seen[r["session"]] = true
		f, err := classify(ctx, in, r, output[r["session"]], terminated[r["session"]])
		if err != nil {
			return err
		}
		in.Report.Add(f)
	}
	for _, id := range slices.Sorted(maps.Keys(output)) {
		o := output[id]
		if t, err := time.Parse(time.RFC3339, o.first); started[id] || err == nil && (t.Before(in.From) || !t.Before(in.To)) {
			continue // an unreadable time is looked at, not skipped
		}
		f := report.Finding{Check: "coverage.forged", Severity: report.Fail, Account: o.account, Region: o.region, Subject: id,
			Message: fmt.Sprintf("%d forwarded line(s) of session %s, which the ledger never saw start", o.events, id),
			Meaning: "output in the archive without a start: lines written into the account's session log group by someone with logs:PutLogEvents there (forged), or a start the ledger lost",
			Fix:     "read the lines (docs/search.md, sessions of one person) and the account's CloudTrail for logs:PutLogEvents on the session log group; sessionaudit validate for the ledger's hours"}
		if strings.HasPrefix(id, ProbePrefix) {
			f.Severity, f.Message = report.Info, "the test event of sessionaudit verify -probe ("+id+")"
			f.Meaning, f.Fix = "written by the probe itself, not a session", "nothing to do"
		}
		in.Report.Add(f)
	}
	return nil
}

func progress(in Input, format string, a ...any) {
	if in.Progress != nil {
		fmt.Fprintf(in.Progress, format+"\n", a...)
	}
}

// classify says what the archive holds of one started session and why something is missing.
func classify(ctx context.Context, in Input, r Row, out forwarded, ended string) (report.Finding, error) {
	c := in.Config
	id, account, region := r["session"], r["account"], r["region"]
	f := report.Finding{Check: "coverage.session", Severity: report.Info, Account: account, Region: region, Subject: id}
	who := fmt.Sprintf("%s by %s at %s on %s", r["event"], r["principal"], r["time"], r["target"])
	governed := slices.Contains(c.Regions, region)
	switch {
	case slices.Contains(OtherWays, r["event"]):
		f.Check, f.Severity = "coverage.unlogged-way", report.Warn
		f.Message = who + ": the ledger entry is the only record"
		f.Meaning = "unlogged way in: Session Manager logs none of the other ways into a node, so nothing of what was done is archived"
		f.Fix = "deny the way (guardrails.ways, docs/guardrails.md) or accept it; the ledger keeps who, when and where"
		return f, nil
	case slices.Contains(ConnectionStarts, r["event"]):
		return recordingFinding(ctx, in, f, r, who)
	}
	transcript := false
	if governed && in.Offline != nil {
		var err error
		if transcript, err = in.Offline.Transcript(ctx, archivelayout.TranscriptKeyPrefix(account, region)+"/"+id+".log"); err != nil {
			return f, err
		}
	} else if governed {
		key := archivelayout.TranscriptKeyPrefix(account, region) + "/" + id + ".log"
		list, err := in.S3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(in.Bucket), Prefix: aws.String(key)})
		if err != nil {
			return f, awsapi.Classify(err, "s3:ListBucket", in.Config.LogArchiveAccountID, in.Config.HomeRegion)
		}
		for _, o := range list.Contents {
			transcript = transcript || aws.ToString(o.Key) == key
		}
	}
	held := []string{}
	if out.events > 0 {
		held = append(held, fmt.Sprintf("forwarded output (%d lines)", out.events))
	}
	if transcript {
		held = append(held, "transcript")
	}
	switch {
	case len(held) == 2:
		f.Message = who + ": " + strings.Join(held, " and ")
		f.Meaning, f.Fix = "recorded", "nothing to do"
		return f, nil
	case out.events > 0:
		f.Check, f.Severity = "coverage.transcript", report.Warn
		f.Message = who + ": forwarded output but no transcript"
		f.Meaning = "transcript never uploaded: the agent uploads it when the session ends; the session is still open, or the agent could not write to the bucket"
		f.Fix = "if the session has ended (TerminateSession in the ledger), the node's agent log (/var/log/amazon/ssm/errors.log) says why the upload failed"
		return f, nil
	case transcript:
		f.Message = who + ": transcript, no forwarded output"
		f.Meaning, f.Fix = "recorded (the transcript); streaming was off or the session printed nothing", "nothing to do"
		return f, nil
	}
	f.Check, f.Severity = "coverage.missing", report.Fail
	f.Message = who + ": nothing in the archive"
	f.Fix = "the session's notice and the ledger are its only records; see the cause"
	switch {
	case !governed:
		f.Meaning = "ungoverned region: " + region + " is not in the configuration's regions, so nothing there is logged"
		f.Fix = "add the region to regions, or deny it (guardrails)"
	case !sessiondocs.IsLogged(r["document"], account):
		f.Meaning = "unlogged document: " + r["document"] + " is not a logged session document (port forwarding and custom documents stream nothing)"
		f.Fix = "deny the document (guardrails) or accept it"
	case c.Rollout.Phase == config.PhasePermissions:
		f.Meaning = "permissions phase: rollout.phase is \"permissions\", sessions are not logged yet"
		f.Fix = "move to the logging phase (docs/rollout.md)"
	case ended != "":
		f.Meaning = "no output after start: the session ended (" + ended + ") with no output streamed and no transcript"
	default:
		f.Meaning = "no output after start: the agent streamed nothing and uploaded nothing (agent killed, instance stopped, or the stream is broken)"
		f.Fix = "sessionaudit verify for the account and region; the node's agent log"
	}
	return f, nil
}
