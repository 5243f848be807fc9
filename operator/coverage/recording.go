package coverage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// RDP recordings are found in the hourly signed digests (docs/evidence.md, "Signed digests"), not
// by listing the bucket: each digest lists every object version written in its hour, found from
// the bucket's event notifications. Where ssm-guiconnect writes a recording is not documented
// (the GUI Connect API's recording preferences name a bucket, never a key: docs/proofs.md), so a
// recording is taken to be an object, written from the connection's start hour to RecordingMargin
// after its end, whose key contains the connection's ID. That a recording's key contains the
// connection ID is an assumption (docs/proofs.md): a key found is reported as the recording, and
// none found is a warning, never proof of absence.

// RecordingMargin is how long after a connection's end (or its start, when the ledger holds no
// end) the digests are read: a connection's recording is written when it ends, and the ledger
// row of a StartConnection names no end.
const RecordingMargin = 2 * time.Hour

// DigestReader reads an object of the archive by key (evidence.Archive's Read: the online
// validate's reader of the bucket); evidence.ErrNotFound when the archive does not hold it.
type DigestReader interface {
	Read(ctx context.Context, key, version string) ([]byte, error)
}

// Recordings looks up RDP recordings in the digests, reading each hour's digest at most once
// (GetObject of archivelayout.DigestKey; never a listing) and keeping it for the other
// connections of the same hours: a run reads one digest per distinct hour, whatever the number of
// connections.
type Recordings struct {
	Archive DigestReader
	// Due is the last hour whose digest is surely written by now; a later hour's digest is not
	// read, and the connection's recording cannot be told yet. Zero: every hour is read.
	Due   time.Time
	hours map[time.Time]*evidence.Digest // nil: the archive does not hold the hour's digest
	// Reads counts the digests read (GetObject calls).
	Reads int
}

// NewRecordings looks up recordings in the digests a reads.
func NewRecordings(a DigestReader) *Recordings {
	return &Recordings{Archive: a, hours: map[time.Time]*evidence.Digest{}}
}

// Recording is what the digests say of one connection's recording.
type Recording struct {
	// Key is the object whose key names the connection; empty when none is listed.
	Key string
	// Missing are the digest keys of the connection's hours the archive does not hold (or not
	// yet: after Recordings.Due): when Key is empty, whether the connection is recorded cannot be
	// told.
	Missing []string
}

// ConnectionID is the ID of an RDP connection in a ledger row's session: the last part of the
// connection's ARN (arn:aws:ssm-guiconnect:<region>:<account>:connection/<ID>, StartConnection's
// responseElements.ConnectionArn as CloudTrail records it), else the session itself.
func ConnectionID(session string) string {
	return session[strings.LastIndex(session, "/")+1:]
}

// RecordingHours are the hours whose digests may list the recording of a connection that started
// at start and ended at end (zero when the ledger holds no end): from the start's hour to the hour
// RecordingMargin after the end.
func RecordingHours(start, end time.Time) []time.Time {
	if end.Before(start) {
		end = start
	}
	var out []time.Time
	for h := start.UTC().Truncate(time.Hour); !h.After(end.Add(RecordingMargin)); h = h.Add(time.Hour) {
		out = append(out, h)
	}
	return out
}

// Find looks for the recording of the connection session (a ledger row's session) in the digests
// of RecordingHours(start, end). An error means a digest could not be read or parsed.
func (r *Recordings) Find(ctx context.Context, session string, start, end time.Time) (Recording, error) {
	var out Recording
	id := ConnectionID(session)
	if id == "" {
		return out, fmt.Errorf("RDP connection %q: no connection ID", session)
	}
	for _, h := range RecordingHours(start, end) {
		if !r.Due.IsZero() && h.After(r.Due) {
			out.Missing = append(out.Missing, archivelayout.DigestKey(h)+" (not written yet)")
			continue
		}
		d, err := r.digest(ctx, h)
		if err != nil {
			return out, err
		}
		if d == nil {
			out.Missing = append(out.Missing, archivelayout.DigestKey(h))
			continue
		}
		for _, o := range d.Objects {
			if out.Key == "" && strings.Contains(o.Key, id) && !strings.HasPrefix(o.Key, archivelayout.DigestPrefix) &&
				!strings.HasPrefix(o.Key, archivelayout.LedgerPrefix) {
				out.Key = o.Key
			}
		}
	}
	if out.Key != "" {
		out.Missing = nil
	}
	return out, nil
}

func (r *Recordings) digest(ctx context.Context, h time.Time) (*evidence.Digest, error) {
	if d, ok := r.hours[h]; ok {
		return d, nil
	}
	key := archivelayout.DigestKey(h)
	r.Reads++
	data, err := r.Archive.Read(ctx, key, "")
	if errors.Is(err, evidence.ErrNotFound) {
		r.hours[h] = nil
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("the digest %s (RDP recordings): %w", key, err)
	}
	d, err := evidence.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("the digest %s (RDP recordings): %w (sessionaudit validate checks it)", key, err)
	}
	r.hours[h] = &d
	return &d, nil
}

// Says of a connection's recording, as sessions' RECORDED column shows them.
const (
	RecordingNotFound = "RDP recording not found in the digests"
	recordingPrefix   = "RDP recording "
)

// Logging states of an RDP connection after LookUpRecordings.
const (
	// RecordingAbsent: no object naming the connection in the digests of its hours.
	RecordingAbsent = "recording not found"
	// RecordingCannotTell: a digest of the connection's hours is missing.
	RecordingCannotTell = "recording cannot tell"
)

// LookUpRecordings fills the logging state and RECORDED of each RDP connection of list from the
// digests (r caches them across connections); an error means a digest could not be read.
func LookUpRecordings(ctx context.Context, list []Session, r *Recordings) error {
	for i, s := range list {
		if s.Way != WayRDP {
			continue
		}
		start, err := time.Parse(time.RFC3339, s.Start)
		if err != nil {
			return fmt.Errorf("RDP connection %s: start %q is not RFC 3339", s.ID, s.Start)
		}
		end, _ := time.Parse(time.RFC3339, s.End) // no end: the zero time
		rec, err := r.Find(ctx, s.ID, start, end)
		if err != nil {
			return err
		}
		switch {
		case rec.Key != "":
			list[i].Logged, list[i].Recorded = Logged, recordingPrefix+rec.Key
		case len(rec.Missing) > 0:
			list[i].Logged = RecordingCannotTell
			list[i].Recorded = "RDP recording: cannot tell, no digest " + strings.Join(rec.Missing, " ")
		default:
			list[i].Logged, list[i].Recorded = RecordingAbsent, RecordingNotFound
		}
	}
	return nil
}

// recordingFinding is coverage's finding of one RDP connection (f, of ledger row r): its
// recording found in the digests (info), not found (a warning: the key layout is undocumented, so
// absence is no proof), or a digest of its hours missing (a failure: the archive cannot tell).
func recordingFinding(ctx context.Context, in Input, f report.Finding, r Row, who string) (report.Finding, error) {
	if in.Recordings == nil {
		return f, errors.New("coverage: RDP connections need the digests' reader (Input.Recordings)")
	}
	start, err := time.Parse(time.RFC3339, r["time"])
	if err != nil {
		return f, fmt.Errorf("ledger event %s: time %q is not RFC 3339", r["session"], r["time"])
	}
	rec, err := in.Recordings.Find(ctx, r["session"], start, time.Time{})
	if err != nil {
		return f, err
	}
	hours := RecordingHours(start, time.Time{})
	span := hours[0].Format(time.RFC3339) + " to " + hours[len(hours)-1].Add(time.Hour).Format(time.RFC3339)
	switch {
	case rec.Key != "":
		f.Message = who + ": " + recordingPrefix + rec.Key
		f.Meaning = "recorded: the digests list an object whose key names the connection (" + ConnectionID(r["session"]) + ")"
		f.Fix = "nothing to do"
	case len(rec.Missing) > 0:
		f.Check, f.Severity = "coverage.recording", report.Fail
		f.Message = who + ": RDP connection; cannot tell whether it is recorded: no digest " + strings.Join(rec.Missing, ", ")
		f.Meaning = "the recording is looked up in the hourly digests of " + span + ", and the archive does not hold all of them: a removed or never written digest"
		f.Fix = "sessionaudit validate for those hours (a missing hour is its finding too); the digester's errors"
	default:
		f.Check, f.Severity = "coverage.recording", report.Warn
		f.Message = who + ": RDP connection; no object naming the connection in the digests of its hours (" + span + ")"
		f.Meaning = "no recording found: the connection was not recorded, or ssm-guiconnect names its recordings otherwise (where it writes them is not documented: docs/proofs.md), or the connection lasted longer than the hours read"
		f.Fix = "the recording preferences' bucket (GetConnectionRecordingPreferences) and the node's region; the Fleet Manager console's recordings of the connection " + ConnectionID(r["session"])
	}
	return f, nil
}
