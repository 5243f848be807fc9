package cost

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// The daily check bills one run a day: Athena at least 10 MB per query, more with the ledger and
// the forwarded output of more accounts; a LIST per session; at most one message a day; nothing
// without the check in the templates.
func TestCoverageCheck(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	g := Governed{Home: "us-east-1", Count: 4}
	plan := Plan{LedgerBufferSeconds: 300, CoverageCheckMemoryMiB: 128, CoverageCheckArch: "arm64", Emails: 2}
	ledgerDay := p.assume("ledgerEventsPerAccount") / daysPerMonth * p.assume("ledgerEventKB") * 1000 * p.assume("gzipRatio")
	forwardedDay := p.assume("sessionsPerAccountDay") * p.assume("transcriptKB") * 1000 * p.assume("cloudwatchEnvelope") * p.assume("gzipRatio")
	for _, tt := range []struct {
		name     string
		plan     Plan
		accounts int
		scanned  float64 // bytes a day; -1: no lines
	}{
		{"no check (notifications.dailyCoverage false)", Plan{LedgerBufferSeconds: 300}, 1000, -1},
		{"no account: Athena's 10 MB minimum per query", plan, 0, 2 * athenaMinBytes},
		{"10 accounts: still the minimum", plan, 10, 2 * athenaMinBytes},
		{"1,000 accounts: nine days of ledger, three of output", plan, 1000, 1000 * (9*ledgerDay + 3*forwardedDay)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lines := CoverageCheck(p, tt.plan, g, tt.accounts)
			if tt.scanned < 0 {
				if len(lines) != 0 {
					t.Fatalf("want no lines, got %+v", lines)
				}
				return
			}
			sessions := float64(tt.accounts) * p.assume("sessionsPerAccountDay") * daysPerMonth
			want := map[string]float64{
				"Athena":             tt.scanned * daysPerMonth / 1e12,
				"S3 LIST":            sessions,
				"S3 PUT":             5 * daysPerMonth,
				"SNS":                daysPerMonth,
				"e-mail deliveries":  2 * daysPerMonth,
				"Lambda invocations": daysPerMonth,
				"Lambda duration":    daysPerMonth * p.assume("coverageCheckMillis") / 1000 * 128 / 1024,
			}
			seen := 0
			for _, l := range lines {
				for prefix, w := range want {
					if strings.HasPrefix(l.What, prefix) {
						seen++
						if math.Abs(l.Count-w) > 1e-9*math.Max(1, w) {
							t.Errorf("%s: %v %s, want %v", l.What, l.Count, l.Unit, w)
						}
					}
				}
				if l.Where != "coverage check" || l.Region != "us-east-1" || math.Abs(l.USD-l.Count*l.Each) > 1e-12 {
					t.Errorf("line %+v", l)
				}
			}
			if seen != len(want) {
				t.Errorf("%d of %d expected lines in %+v", seen, len(want), lines)
			}
		})
	}
	// At 1,000 accounts the check costs a few dollars a month at most (its S3 reads and their decrypts).
	if total := Total(CoverageCheck(p, plan, g, 1000)); total <= 0 || total > 5 {
		t.Errorf("at 1,000 accounts: $%.4f a month", total)
	}
	var b bytes.Buffer
	if lines := coverageCheckReport(&b, p, plan, g, []int{10, 1000}); len(lines) == 0 || !strings.Contains(b.String(), "| 1000 | $") {
		t.Errorf("the report: %s", b.String())
	}
	b.Reset()
	if lines := coverageCheckReport(&b, p, Plan{}, g, []int{10}); lines != nil || !strings.Contains(b.String(), "No daily coverage check") {
		t.Errorf("without the check: %v\n%s", lines, b.String())
	}
}
