package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// probe runs verify -probe with a short poll and the given deadline.
func (f *fake) probe(deadline string, args ...string) (int, *report.Report) {
	f.t.Helper()
	return f.runJSON(append([]string{"verify", "-probe", "-probe-poll", "10ms", "-probe-deadline", deadline}, args...)...)
}

func hops(r *report.Report) string {
	var b strings.Builder
	for _, h := range r.Hops {
		b.WriteString(h.Name + " " + h.Duration.String() + " " + h.Detail + "\n")
	}
	return b.String()
}

// The marked line is written in the first sampled account, appears in the central bucket under
// its region's prefix after the delivery delay, and the saved query finds it: every hop timed.
func TestProbeEndToEnd(t *testing.T) {
	f := newFake(t, 4, nil, func(o *fakeaws.Org) { o.DeliveryDelay = 150 * time.Millisecond; o.QueryPolls = 2 })
	member := fakeaws.AccountID(1)
	code, r := f.probe("10s", "-probe-account", member, "-probe-region", "us-east-1")
	if code != report.ExitClean || r.Fatal != "" {
		t.Fatalf("exit %d, fatal %q:\n%s%s", code, r.Fatal, failing(r), hops(r))
	}
	if len(r.Hops) != 3 {
		t.Fatalf("hops:\n%s", hops(r))
	}
	for _, h := range r.Hops {
		if !h.OK || h.Duration <= 0 {
			t.Errorf("hop %q: ok %v, %s", h.Name, h.OK, h.Duration)
		}
	}
	if d := r.Hops[1].Duration; d < 150*time.Millisecond {
		t.Errorf("delivery hop took %s, less than the delivery delay", d)
	}
	prefix := archivelayout.ForwardedPrefix + "us-east-1/" + time.Now().UTC().Format("2006/01/02") + "/" + member + "/"
	if !strings.Contains(r.Hops[1].Detail, prefix) || !strings.Contains(r.Hops[2].Name, "output lines matching a pattern") {
		t.Errorf("hops:\n%s", hops(r))
	}
	// The one write: a stream sessionaudit-probe-<random> in the member's session log group.
	wrote := findings(r, "probe.write")
	if len(wrote) != 1 || wrote[0].Severity != report.Info || wrote[0].Account != member || !strings.Contains(wrote[0].Subject, sessionprefs.LogGroupNamePrefix+member+":sessionaudit-probe-") {
		t.Errorf("probe.write: %+v", wrote)
	}
	if f.srv.Calls("logs", "PutLogEvents") != 1 || f.srv.Calls("athena", "StartQueryExecution") != 1 || f.srv.Calls("athena", "GetQueryExecution") < 3 {
		t.Errorf("calls: PutLogEvents %d, StartQueryExecution %d, GetQueryExecution %d", f.srv.Calls("logs", "PutLogEvents"),
			f.srv.Calls("athena", "StartQueryExecution"), f.srv.Calls("athena", "GetQueryExecution"))
	}
	// The human report prints each hop with its time.
	code, out, _ := f.run("verify", "-probe", "-probe-poll", "10ms", "-probe-deadline", "10s")
	if code != report.ExitClean || strings.Count(out, "probe hop ") != 3 || !strings.Contains(out, "delivery to the central bucket") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

// A line that never reaches the bucket is a finding when the deadline passes, naming what breaks
// it; with Firehose error objects, the error object.
func TestProbeDeliveryTimesOut(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mutate   func(*fakeaws.Org)
		contains string
	}{
		{"slower than the deadline", func(o *fakeaws.Org) { o.DeliveryDelay = time.Hour }, "subscription filter"},
		{"record processor fails", func(o *fakeaws.Org) { o.DeliveryBroken = true }, archivelayout.ForwardedErrorPrefix + "processing-failed/<home region>/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, 2, nil, tc.mutate)
			tc.contains = strings.ReplaceAll(tc.contains, "<home region>", f.cfg.HomeRegion)
			start := time.Now()
			code, r := f.probe("300ms")
			got := findings(r, "probe.delivery")
			if code != report.ExitFindings || r.Fatal != "" || len(got) != 1 || got[0].Severity != report.Fail || got[0].Fix == "" ||
				!strings.Contains(got[0].Message+got[0].Meaning+got[0].Fix, tc.contains) {
				t.Fatalf("exit %d, fatal %q, want one probe.delivery finding with %q:\n%s", code, r.Fatal, tc.contains, failing(r))
			}
			if len(r.Hops) != 2 || r.Hops[1].OK || r.Hops[1].Duration < 300*time.Millisecond {
				t.Errorf("hops:\n%s", hops(r))
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("the probe took %s with a 300 ms deadline", time.Since(start))
			}
			if f.srv.Calls("s3", "ListObjectsV2") < 5 || f.srv.Calls("athena", "StartQueryExecution") != 0 {
				t.Errorf("ListObjectsV2 %d (polls), StartQueryExecution %d", f.srv.Calls("s3", "ListObjectsV2"), f.srv.Calls("athena", "StartQueryExecution"))
			}
		})
	}
}

// The Athena hop: a query that never finishes, one that fails, and one that finds nothing are
// findings of probe.search.
func TestProbeSearchFindings(t *testing.T) {
	for _, tc := range []struct {
		name     string
		mutate   func(*fakeaws.Org)
		contains string
	}{
		{"never finishes", func(o *fakeaws.Org) { o.QueryPolls = 1 << 30 }, "at the deadline"},
		{"fails", func(o *fakeaws.Org) { o.QueryFails = "Access denied when writing output to url" }, "Access denied when writing output"},
		{"does not read the layout", func(o *fakeaws.Org) { o.SearchBroken = true }, "partition projection"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, 2, nil, tc.mutate)
			code, r := f.probe("400ms")
			got := findings(r, "probe.search")
			if code != report.ExitFindings || len(got) != 1 || !strings.Contains(got[0].Message+got[0].Meaning, tc.contains) || got[0].Fix == "" {
				t.Fatalf("exit %d, fatal %q, want one probe.search finding with %q:\n%s%s", code, r.Fatal, tc.contains, failing(r), hops(r))
			}
			if len(r.Hops) != 3 || !r.Hops[1].OK || r.Hops[2].OK {
				t.Errorf("hops:\n%s", hops(r))
			}
		})
	}
}

// Access denied on the write: exit 2, the permission named, nothing polled.
func TestProbeWriteDenied(t *testing.T) {
	f := newFake(t, 2, nil, nil)
	f.srv.Inject = func(r *fakeaws.Request) *fakeaws.APIError {
		if r.Operation == "CreateLogStream" {
			return fakeaws.Denied(r.Service, "logs:CreateLogStream")
		}
		return nil
	}
	code, out, errOut := f.run("verify", "-probe", "-probe-poll", "10ms", "-probe-deadline", "1s")
	if code != report.ExitCouldNot || !strings.Contains(out, "access denied: logs:CreateLogStream in") || strings.Contains(out+errOut, "goroutine") {
		t.Fatalf("exit %d, want 2 naming logs:CreateLogStream:\n%s%s", code, out, errOut)
	}
	if f.srv.Calls("logs", "PutLogEvents") != 0 || f.srv.Calls("athena", "StartQueryExecution") != 0 {
		t.Errorf("the probe went on after the denied write")
	}
}
