package cli

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/operator/fakeaws"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// retentionFinding is the one finding of check in r that names want (Message, Meaning or
// Subject), or nil.
func retentionFinding(r *report.Report, check, want string) *report.Finding {
	for _, g := range findings(r, check) {
		if strings.Contains(g.Message+" "+g.Meaning+" "+g.Subject, want) {
			return &g
		}
	}
	return nil
}

func setRetention(days int, mode string) func(map[string]any) {
	return func(m map[string]any) {
		ret := m["retention"].(map[string]any)
		if days > 0 {
			ret["archiveDays"], ret["cloudWatchDays"] = days, min(days, 365)
		}
		if mode != "" {
			ret["objectLockMode"] = mode
		}
	}
}

// forwardedAt replaces every forwarded object by one of each region on the day daysAgo.
func forwardedAt(daysAgo int) func(*fakeaws.Org) {
	return func(o *fakeaws.Org) {
		for k := range o.Objects {
			delete(o.Objects, k)
		}
		day := time.Now().UTC().AddDate(0, 0, -daysAgo)
		for _, r := range o.Regions {
			o.Objects[fmt.Sprintf("%s%s/%s/old.json.gz", archivelayout.ForwardedPrefix+r+"/", day.Format("2006/01/02"), fakeaws.AccountID(0))] = day
		}
	}
}

// verify reports the bucket's Object Lock, lifecycle and oldest forwarded day against
// retention.archiveDays (docs/evidence.md, "Retention").
func TestVerifyRetention(t *testing.T) {
	cases := []struct {
		name     string
		change   func(map[string]any)
		mutate   func(*fakeaws.Org)
		check    string
		severity report.Severity
		contains string
	}{
		{"healthy lock", nil, nil, "s3.object-lock", report.Info, "GOVERNANCE, 2557 days"},
		{"healthy lifecycle", nil, nil, "s3.lifecycle", report.Info, "expire after 2557 days"},
		{"healthy oldest day", nil, nil, "s3.oldest", report.Info, "oldest forwarded day 2024-01-03"},
		{"healthy compliance", setRetention(0, "COMPLIANCE"), nil, "s3.object-lock", report.Info, "COMPLIANCE, 2557 days"},
		{"governance where compliance is configured", setRetention(0, "COMPLIANCE"), func(o *fakeaws.Org) { o.BucketLock.Mode = "GOVERNANCE" },
			"s3.object-lock", report.Fail, "BypassGovernanceRetention"},
		{"compliance where governance is configured", nil, func(o *fakeaws.Org) { o.BucketLock.Mode = "COMPLIANCE" }, "s3.object-lock", report.Warn, "differs"},
		{"fewer lock days", nil, func(o *fakeaws.Org) { o.BucketLock.Days = 365 }, "s3.object-lock", report.Fail, "365 days"},
		{"more lock days", nil, func(o *fakeaws.Org) { o.BucketLock.Days = 3000 }, "s3.object-lock", report.Warn, "3000 days"},
		{"lock in years", nil, func(o *fakeaws.Org) { o.BucketLock.Years = 1 }, "s3.object-lock", report.Fail, "365 days (from years)"},
		{"no Object Lock", nil, func(o *fakeaws.Org) { o.BucketLock = nil }, "s3.object-lock", report.Fail, "not enabled"},
		{"lock without default retention", nil, func(o *fakeaws.Org) { o.BucketLock.Mode = "" }, "s3.object-lock", report.Fail, "no default retention"},
		{"NONE configured", setRetention(0, "NONE"), nil, "s3.object-lock", report.Info, "NONE"},
		{"no lifecycle", nil, func(o *fakeaws.Org) { o.Lifecycle = nil }, "s3.lifecycle", report.Warn, "no enabled rule"},
		{"expiry rule disabled", nil, func(o *fakeaws.Org) { o.Lifecycle[0].Disabled = true }, "s3.lifecycle", report.Warn, "no enabled rule"},
		{"expiry on a prefix only", nil, func(o *fakeaws.Org) { o.Lifecycle[0].Prefix = "cloudwatch/" }, "s3.lifecycle", report.Warn, "no enabled rule"},
		{"early expiry", nil, func(o *fakeaws.Org) { o.Lifecycle[0].ExpireDays = 30 }, "s3.lifecycle", report.Fail, "after 30 days"},
		{"late expiry", nil, func(o *fakeaws.Org) { o.Lifecycle[0].ExpireDays = 3650 }, "s3.lifecycle", report.Warn, "after 3650 days"},
		{"objects past retention", setRetention(400, ""), forwardedAt(500), "s3.oldest", report.Warn, "does not expire"},
		{"objects removed early", setRetention(400, ""), forwardedAt(100), "s3.oldest", report.Warn, "removed early"},
		{"within retention after it was reached", setRetention(400, ""), forwardedAt(399), "s3.oldest", report.Info, "399 days old"},
		{"nothing forwarded", nil, forwardedAt(-1000), "s3.oldest", report.Info, "no forwarded object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, 2, tc.change, tc.mutate)
			f.now = time.Now()
			code, r := f.runJSON("verify", "-sample", "1")
			g := retentionFinding(r, tc.check, tc.contains)
			if g == nil || g.Severity != tc.severity {
				t.Fatalf("exit %d, want a %s %s finding with %q; fatal %q, findings:\n%s", code, tc.severity, tc.check, tc.contains, r.Fatal, allFindings(r))
			}
			if g.Meaning == "" || g.Fix == "" {
				t.Errorf("finding without meaning or fix: %+v", *g)
			}
		})
	}
}

// A retention check that cannot read is a finding, never a clean report.
func TestVerifyRetentionUnreadable(t *testing.T) {
	for _, op := range []string{"GetObjectLockConfiguration", "GetBucketLifecycleConfiguration", "ListObjectsV2"} {
		t.Run(op, func(t *testing.T) {
			f := newFake(t, 2, nil, nil)
			f.srv.Inject = func(r *fakeaws.Request) *fakeaws.APIError {
				if r.Operation == op && (op != "ListObjectsV2" || r.Query.Get("delimiter") == "/") {
					return &fakeaws.APIError{Status: 403, Code: "AccessDenied", Message: "Access Denied"}
				}
				return nil
			}
			code, r := f.runJSON("verify", "-sample", "1")
			if code == report.ExitClean {
				t.Fatalf("exit clean although %s was denied", op)
			}
			if len(findings(r, "access.denied")) == 0 {
				t.Errorf("no access.denied finding for %s:\n%s", op, allFindings(r))
			}
		})
	}
}

func allFindings(r *report.Report) string {
	var b strings.Builder
	for _, g := range r.Findings {
		fmt.Fprintf(&b, "  %s %s %s: %s (%s)\n", g.Severity, g.Check, g.Subject, g.Message, g.Meaning)
	}
	return b.String()
}
