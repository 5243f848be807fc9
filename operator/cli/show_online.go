package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/audit"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/report"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// lookBackDays is how far before -to (today by default) show and play online search the ledger
// for the session's start when -from is not given.
const lookBackDays = 30

// What the archive holds of a session found online (found.Recorded).
const (
	recordedTranscript = "transcript"
	recordedForwarded  = "forwarded output"
	recordedNothing    = "nothing"
	// recordedRDP: an RDP connection whose recording the digests list (found.Recording.Key).
	recordedRDP = "RDP recording"
)

// connectionARN is the shape of an RDP connection's ID as the ledger and sessions name it:
// StartConnection's responseElements.ConnectionArn
// (arn:aws:ssm-guiconnect:<region>:<account>:connection/<ID>; GUI Connect API reference). It has
// no quote, space or control character, so it too is a plain literal in SQL; it names no S3 key.
var connectionARN = regexp.MustCompile(`^arn:aws[a-z-]{0,16}:ssm-guiconnect:[a-z0-9-]{1,32}:[0-9]{12}:connection/[A-Za-z0-9_-]{1,96}$`)

// onlineFlags are the flags of show and play without -file: where the configuration is, the
// period the ledger is searched, and how the log-archive account is reached.
type onlineFlags struct {
	configPath, from, to *string
	quiet                *bool
	*archiveFlags
}

func addOnlineFlags(fs *flag.FlagSet, d Deps) onlineFlags {
	env := ""
	if d.Getenv != nil {
		env = d.Getenv("SESSIONAUDIT_CONFIG")
	}
	a := &archiveFlags{}
	addArchiveFlags(fs, a)
	return onlineFlags{
		configPath:   fs.String("config", env, "configuration file, without -file (default $SESSIONAUDIT_CONFIG)"),
		from:         fs.String("from", "", "without -file: first day the ledger is searched for the session's start (2026-11-01, or 7d; default: 30 days before -to), UTC"),
		to:           fs.String("to", "", "without -file: last day searched, included (default: today, UTC)"),
		quiet:        fs.Bool("quiet", false, "no progress lines on stderr (the bytes scanned are still said)"),
		archiveFlags: a,
	}
}

// found is what the online lookup learnt of a session besides its output.
type found struct {
	Ledger coverage.Session
	// Recorded is recordedTranscript, recordedForwarded or recordedNothing; Key the transcript's.
	Recorded, Key string
	// Versions are the transcript key's versions and delete markers, oldest first; Shown is the
	// index of the one read (the oldest that is no delete marker).
	Versions []evidence.Version
	Shown    int
	// Foreign counts forwarded events with the session's ID under another account's folder.
	Foreign int
	// Recording is what the digests say of an RDP connection's recording; nil for a session.
	Recording *coverage.Recording
}

// Findings are what makes the lookup exit 1 although output was shown: a rewritten transcript
// (more than one version, or a delete marker), and events of the session's ID forwarded from
// another account.
func (f *found) Findings() []string {
	var out []string
	if len(f.Versions) > 1 {
		out = append(out, fmt.Sprintf("the transcript %s has %d versions: %s", f.Key, len(f.Versions), f.versionsLine()))
	}
	if f.Foreign > 0 {
		out = append(out, fmt.Sprintf("%d forwarded event(s) with this session ID came from accounts other than %s and are not shown", f.Foreign, f.Ledger.Account))
	}
	switch {
	case f.Recording != nil && f.Recording.Key == "" && len(f.Recording.Missing) > 0:
		out = append(out, "cannot tell whether the RDP connection is recorded: no digest "+strings.Join(f.Recording.Missing, ", ")+
			" (sessionaudit validate for those hours)")
	case f.Recording != nil && f.Recording.Key == "":
		out = append(out, rdpNotFound(f.Ledger)+": not recorded, or ssm-guiconnect names its recordings otherwise (docs/proofs.md)")
	case f.Recorded == recordedNothing:
		out = append(out, "nothing of the session is in the archive: "+nothingWhy(f.Ledger))
	}
	return out
}

// versionsLine says which version is shown and when the others were written: the only facts
// ListObjectVersions gives (the Owner of every version is the bucket owner under Object Ownership
// "bucket owner enforced", so the API does not say who wrote one).
func (f *found) versionsLine() string {
	var all []string
	for i, v := range f.Versions {
		what := "written"
		if v.DeleteMarker {
			what = "delete marker"
		}
		if i == f.Shown {
			what = "shown, written"
		}
		all = append(all, fmt.Sprintf("%s %s (version %s)", what, v.LastModified.UTC().Format(time.RFC3339), v.ID))
	}
	return "the first is shown; " + strings.Join(all, ", ")
}

// rdpNotFound says that the digests of the connection's hours list no object naming it.
func rdpNotFound(s coverage.Session) string {
	span := ""
	if start, err := time.Parse(time.RFC3339, s.Start); err == nil {
		end, _ := time.Parse(time.RFC3339, s.End) // no end: the zero time, as LookUpRecordings
		h := coverage.RecordingHours(start, end)
		span = " (" + h[0].Format(time.RFC3339) + " to " + h[len(h)-1].Add(time.Hour).Format(time.RFC3339) + ")"
	}
	return "RDP recording not found in the digests of its hours" + span
}

// rdpSource is the header's source line of an RDP connection (f.Recording set).
func rdpSource(f *found) string {
	switch {
	case f.Recording.Key != "":
		return "RDP recording " + f.Recording.Key + " (listed in the signed digests) — a video, not terminal output: " +
			"download the object from the archive bucket to watch it"
	case len(f.Recording.Missing) > 0:
		return "RDP recording: cannot tell, no digest " + strings.Join(f.Recording.Missing, ", ")
	}
	return rdpNotFound(f.Ledger)
}

func nothingWhy(s coverage.Session) string {
	if s.Logged != coverage.Logged {
		return "the ledger's line is its only record (" + s.Logged + ": " + s.Way + ")"
	}
	return "no transcript and no forwarded output (`sessionaudit coverage` says why)"
}

// lookupOnline finds session id through the ledger and reads its output from the archive: the
// transcript's first version (show) or the forwarded output (play, for its timing), the other when
// the first is absent; for an RDP connection, only its recording in the digests (lookUpRecording:
// a video, so the session is nil). It returns the session (nil when nothing is recorded), what it
// found, and the exit status when it could not go on (0 when it could). It never lists the bucket:
// the ledger gives the account and region, which give the transcript's key.
func lookupOnline(ctx context.Context, name, id string, fl onlineFlags, preferForwarded bool, d Deps) (*audit.Session, *found, int) {
	fail := func(code int, format string, a ...any) (*audit.Session, *found, int) {
		fmt.Fprintf(d.Stderr, "sessionaudit %s: "+format+"\n", append([]any{name}, a...)...)
		return nil, nil, code
	}
	if !coverage.SessionIDPattern.MatchString(id) && !connectionARN.MatchString(id) {
		return fail(report.ExitCouldNot, "SESSION: not a session ID (letters, digits and _+=,.@-, at most 96) nor an RDP connection's ARN (got %q)", id)
	}
	if *fl.configPath == "" {
		return fail(report.ExitCouldNot, "give -file PATH (a downloaded archive object), or -config <file> (or SESSIONAUDIT_CONFIG) to read the archive")
	}
	c, err := config.LoadFile(*fl.configPath)
	if err != nil {
		return fail(report.ExitCouldNot, "configuration %s: %v", *fl.configPath, err)
	}
	now := d.Now()
	from := *fl.from
	if from == "" {
		from = fmt.Sprintf("%dd", lookBackDays)
		if t, err := time.Parse("2006-01-02", *fl.to); err == nil {
			from = t.AddDate(0, 0, -lookBackDays).Format("2006-01-02")
		}
	}
	first, last, problem := period(from, *fl.to, now, now.UTC().Truncate(24*time.Hour))
	if problem != "" {
		return fail(report.ExitCouldNot, "%s", problem)
	}
	progress := d.Stderr
	if *fl.quiet {
		progress = io.Discard
	}
	acfg, _, err := archiveConfig(ctx, d, c, 10, fl.role, fl.archiveRole)
	if err != nil {
		return fail(report.ExitCouldNot, "%v", err)
	}
	var scanned coverage.Scanned
	// Said even with -quiet, as sessions does: the run's cost.
	defer func() {
		n := scanned.Bytes()
		fmt.Fprintf(d.Stderr, "%s: %d bytes scanned, $%.6f at $%.2f per TB scanned (https://aws.amazon.com/athena/pricing/)\n", name, n, coverage.Price(n), coverage.PricePerTB)
	}()
	ath := athena.NewFromConfig(acfg, scanned.Option)
	day := func(t time.Time) string { return t.UTC().Format("2006/01/02") }
	// The ledger's day is the arrival day: the day after the period catches a late start. The
	// access request of a just-in-time session is read from coverage.LedgerLookBack days before,
	// as sessions reads it (the same query, for one session).
	fmt.Fprintf(progress, "%s: the ledger, %s to %s (access requests from %s), for session %s\n", name, day(first), day(last.AddDate(0, 0, 1)),
		day(first.AddDate(0, 0, -coverage.LedgerLookBack)), id)
	rows, err := coverage.Query(ctx, ath, c.LogArchiveAccountID, coverage.SessionLedgerSQL,
		[]string{day(first.AddDate(0, 0, -coverage.LedgerLookBack)), day(last.AddDate(0, 0, 1)), day(first), id}, coverage.SessionsColumns, fl.poll, fl.timeout)
	if err != nil {
		return fail(report.ExitCouldNot, "%v", err)
	}
	list, err := coverage.Sessions(rows, first, last.AddDate(0, 0, 1), coverage.Filter{Regions: c.Regions})
	if err != nil {
		return fail(report.ExitCouldNot, "%v", err)
	}
	i := slices.IndexFunc(list, func(s coverage.Session) bool { return s.ID == id })
	if i < 0 {
		return fail(report.ExitFindings, "session %s did not start between %s and %s by the ledger (%d ledger event(s) name it; widen -from/-to)",
			id, first.Format("2006-01-02"), last.Format("2006-01-02"), len(rows))
	}
	f := &found{Ledger: list[i], Recorded: recordedNothing}
	if f.Ledger.Way == coverage.WayRDP {
		if err := lookUpRecording(ctx, f, recordings(acfg, c, now), d.Stderr, name); err != nil {
			return fail(report.ExitCouldNot, "%v", err)
		}
		return nil, f, report.ExitClean // no terminal output: the recording is a video
	}
	if f.Ledger.Way != coverage.WaySession || !slices.Contains(c.Regions, f.Ledger.Region) {
		return nil, f, report.ExitClean // Session Manager logs nothing of it (f.Ledger.Logged)
	}
	b := &bucketArchive{client: s3.NewFromConfig(acfg, awsapi.S3Options(acfg)), bucket: stacks.CentralBucketName(c), account: c.LogArchiveAccountID, region: c.HomeRegion}
	read := []func() (*audit.Session, error){
		func() (*audit.Session, error) { return readTranscript(ctx, b, id, f, progress, name) },
		func() (*audit.Session, error) {
			return readForwarded(ctx, ath, c.LogArchiveAccountID, id, f, last, fl, progress, name)
		},
	}
	if preferForwarded {
		read[0], read[1] = read[1], read[0]
	}
	for _, r := range read {
		s, err := r()
		if err != nil {
			return fail(report.ExitCouldNot, "%v", err)
		}
		if s != nil {
			s.Who, s.Node, s.Account, s.Region = f.Ledger.Principal, f.Ledger.Node, f.Ledger.Account, f.Ledger.Region
			// The person as sessions names them: a just-in-time session's requester, never the
			// token role's session name; play's asciicast title says it and the reason.
			s.Name, s.Reason = f.Ledger.Person, f.Ledger.Reason
			return s, f, report.ExitClean
		}
	}
	return nil, f, report.ExitClean
}

// lookUpRecording finds the recording of the RDP connection f.Ledger in the digests of its hours,
// as sessions does (coverage.LookUpRecordings, which also sets the ledger's logging state), and
// says on stderr how many digests it read. An error means a digest could not be read.
func lookUpRecording(ctx context.Context, f *found, r *coverage.Recordings, stderr io.Writer, name string) error {
	one := []coverage.Session{f.Ledger}
	err := coverage.LookUpRecordings(ctx, one, r)
	sayDigestReads(stderr, name, r) // said even with -quiet, as the bytes scanned
	if err != nil {
		return err
	}
	f.Ledger = one[0]
	start, _ := time.Parse(time.RFC3339, f.Ledger.Start) // LookUpRecordings checked it
	end, _ := time.Parse(time.RFC3339, f.Ledger.End)
	rec, err := r.Find(ctx, f.Ledger.ID, start, end) // the digests read above, kept: no new read
	if err != nil {
		return err
	}
	f.Recording = &rec
	if rec.Key != "" {
		f.Recorded = recordedRDP
	}
	return nil
}

// readTranscript reads the first version of the session's transcript key (nil when the key has
// no version). A member account can write its own transcript prefix (the central bucket's
// policy), so a later version may be a rewrite: the first is what the agent uploaded.
// ListObjectVersions lists a key's versions in the order they were stored, the most recent first
// (S3 user guide, "Retrieving object versions from a versioning-enabled bucket"; the API
// reference's second example; the SDK for .NET's ListVersions: "versions are sorted from most to
// least recent"). The list is reversed to oldest first, then ordered by LastModified, stably, so
// that versions of the same second keep the stored order (delete markers included, for the report).
func readTranscript(ctx context.Context, b *bucketArchive, id string, f *found, progress io.Writer, name string) (*audit.Session, error) {
	f.Key = archivelayout.TranscriptKeyPrefix(f.Ledger.Account, f.Ledger.Region) + "/" + id + ".log"
	fmt.Fprintf(progress, "%s: the versions of %s/%s\n", name, b, f.Key)
	vs, err := b.Versions(ctx, f.Key)
	if err != nil {
		return nil, err
	}
	slices.Reverse(vs)
	slices.SortStableFunc(vs, func(x, y evidence.Version) int { return x.LastModified.Compare(y.LastModified) })
	f.Versions = vs
	f.Shown = slices.IndexFunc(vs, func(v evidence.Version) bool { return !v.DeleteMarker })
	if f.Shown < 0 {
		return nil, nil
	}
	data, err := b.Read(ctx, f.Key, vs[f.Shown].ID)
	if err != nil {
		return nil, err
	}
	s, _, err := audit.Read(data, f.Key, id)
	if err != nil {
		return nil, err
	}
	f.Recorded = recordedTranscript
	return s, nil
}

// readForwarded reads the session's forwarded events with SessionOutputSQL, from the day of its
// start to the day after its end (or after the period, when the ledger has no end), and builds the
// session from them with the offline reader (nil when there are none). Events under another
// account's folder are counted, not shown.
func readForwarded(ctx context.Context, ath *athena.Client, archive, id string, f *found, last time.Time, fl onlineFlags, progress io.Writer, name string) (*audit.Session, error) {
	start, err := time.Parse(time.RFC3339, f.Ledger.Start)
	if err != nil {
		return nil, fmt.Errorf("ledger start of %s: %q is not RFC 3339", id, f.Ledger.Start)
	}
	end := last
	if t, err := time.Parse(time.RFC3339, f.Ledger.End); err == nil {
		end = t
	}
	day := func(t time.Time) string { return t.UTC().Format("2006/01/02") }
	fmt.Fprintf(progress, "%s: forwarded output of %s, %s to %s\n", name, f.Ledger.Region, day(start), day(end.AddDate(0, 0, 1)))
	rows, err := coverage.Query(ctx, ath, archive, coverage.SessionOutputSQL,
		[]string{f.Ledger.Region, day(start), day(end.AddDate(0, 0, 1)), id}, coverage.SessionOutputColumns, fl.poll, fl.timeout)
	if err != nil {
		return nil, err
	}
	var lines []byte
	for n, r := range rows {
		if r["account"] != f.Ledger.Account {
			f.Foreign++
			continue
		}
		if !json.Valid([]byte(r["sessiondata"])) {
			return nil, fmt.Errorf("forwarded event %d of %s (%s): sessiondata is not JSON (got %q)", n+1, id, r["object"], r["sessiondata"])
		}
		line, _ := json.Marshal(map[string]any{"eventTime": r["eventtime"], "awsRegion": r["awsregion"], "target": map[string]string{"id": r["node"]},
			"userIdentity": map[string]string{"arn": r["principal"]}, "runAsUser": r["runasuser"], "sessionId": id, "sessionData": json.RawMessage(r["sessiondata"])})
		lines = append(append(lines, line...), '\n')
	}
	if len(lines) == 0 {
		return nil, nil
	}
	s, sk, err := audit.Read(lines, "the forwarded output", id)
	if err != nil {
		return nil, err
	}
	if sk.Foreign > 0 {
		return nil, fmt.Errorf("the forwarded output of %s: %d row(s) are no Session Manager event (an empty eventTime or sessiondata)", id, sk.Foreign)
	}
	f.Recorded = recordedForwarded
	return s, nil
}
