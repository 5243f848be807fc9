package coverage

import (
	"testing"
	"time"
)

func TestDenied(t *testing.T) {
	from, to := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	row := func(tm, event, errCode string) Row {
		return Row{"time": tm, "event": event, "error": errCode, "session": "s", "principal": "arn:aws:iam::111122223333:user/bob",
			"account": "111122223333", "region": "us-east-1", "target": "i-1"}
	}
	rows := []Row{
		row("2026-11-01T10:00:00Z", "StartSession", "AccessDenied"),
		row("2026-11-01T11:00:00Z", "StartSession", ""),                            // started: a session, not an attempt
		row("2026-11-01T12:00:00Z", "TerminateSession", "AccessDenied"),            // not a start
		row("2026-10-31T23:59:59Z", "SendSSHPublicKey", "AccessDenied"),            // before the period
		row("2026-11-02T00:00:00Z", "SendSSHPublicKey", "AccessDenied"),            // after it
		row("2026-11-01T13:00:00Z", "SendSerialConsoleSSHPublicKey", "Throttling"), // refused too
	}
	got, err := Denied(rows, from, to)
	if err != nil || len(got) != 2 || got[0].Way != WaySession || got[0].Person != "bob" || got[0].Error != "AccessDenied" || got[1].Way != "serialConsole" {
		t.Fatalf("Denied = %+v, %v", got, err)
	}
	if _, err := Denied([]Row{row("yesterday", "StartSession", "AccessDenied")}, from, to); err == nil {
		t.Error("an unreadable time is no error")
	}
	if got, err := Denied(nil, from, to); err != nil || got != nil {
		t.Errorf("no rows: %+v, %v", got, err)
	}
}
