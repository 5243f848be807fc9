package coverage

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/evidence"
)

func TestConnectionID(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:ssm-guiconnect:us-east-1:111122223333:connection/fcb810cd-241f-4aae-9ee4-02d5900e1a2b": "fcb810cd-241f-4aae-9ee4-02d5900e1a2b",
		"c-rdp": "c-rdp",
		"arn:aws:ssm-guiconnect:us-east-1:111122223333:connection/": "",
	} {
		if got := ConnectionID(in); got != want {
			t.Errorf("ConnectionID(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRecordingHours(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		start, end string
		want       int
	}{
		{"2026-11-02T10:00:00Z", "", 3},                     // 10, 11, 12
		{"2026-11-02T10:59:59Z", "", 3},                     // 10, 11, 12
		{"2026-11-02T10:05:00Z", "2026-11-02T13:30:00Z", 6}, // 10 … 15
		{"2026-11-02T23:30:00Z", "", 3},                     // across midnight
	} {
		var end time.Time
		if tc.end != "" {
			end = at(tc.end)
		}
		got := RecordingHours(at(tc.start), end)
		if len(got) != tc.want || !got[0].Equal(at(tc.start).Truncate(time.Hour)) {
			t.Errorf("RecordingHours(%s, %s) = %v, want %d hours from the start's", tc.start, tc.end, got, tc.want)
		}
	}
}

type stubArchive map[string][]byte

func (s stubArchive) Read(_ context.Context, key, _ string) ([]byte, error) {
	b, ok := s[key]
	switch {
	case !ok:
		return nil, evidence.ErrNotFound
	case string(b) == "denied":
		return nil, errors.New("AccessDenied")
	}
	return b, nil
}

// A digest that cannot be read, or is not a digest: an error (exit 2), never "not found".
func TestRecordingUnreadableDigest(t *testing.T) {
	h := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	for name, body := range map[string]string{"denied": "denied", "not a digest": "{"} {
		t.Run(name, func(t *testing.T) {
			r := NewRecordings(stubArchive{archivelayout.DigestKey(h): []byte(body)})
			if rec, err := r.Find(context.Background(), "connection/abc", h, time.Time{}); err == nil || !strings.Contains(err.Error(), archivelayout.DigestKey(h)) {
				t.Errorf("Find = %+v, %v; want an error naming the digest", rec, err)
			}
		})
	}
	r := NewRecordings(stubArchive{})
	rec, err := r.Find(context.Background(), "connection/abc", h, time.Time{})
	if err != nil || rec.Key != "" || len(rec.Missing) != 3 || r.Reads != 3 {
		t.Errorf("no digest: %+v, %v, %d reads; want three missing, three reads", rec, err, r.Reads)
	}
	if _, err := r.Find(context.Background(), "connection/def", h, time.Time{}); err != nil || r.Reads != 3 {
		t.Errorf("a missing digest is read again: %d reads", r.Reads)
	}
}
