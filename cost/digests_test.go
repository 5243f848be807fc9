package cost

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// The digester bills per object (an SQS event in, a tenth of a receive and a delete, a GET, a
// LogKey decrypt, hashing time) and per hourly run (a KMS Sign and GetPublicKey, three GETs, two
// PUTs, an invocation); nothing without a digester in the templates.
func TestDigests(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	g := Governed{Home: "us-east-1", Count: 4}
	plan := Plan{RetentionDays: 2557, LedgerBufferSeconds: 300, DigesterMemoryMiB: 128, DigesterArch: "arm64"}
	perAccount := p.assume("archivedObjectsPerAccount")
	for _, tt := range []struct {
		name     string
		plan     Plan
		accounts int
		objects  float64 // -1: no lines
	}{
		{"no digester", Plan{RetentionDays: 2557}, 1000, -1},
		{"no account: an hourly digest all the same", plan, 0, 0},
		{"one account: every ledger event its own object", plan, 1, perAccount + p.assume("ledgerEventsPerAccount")},
		{"1,000 accounts: the ledger's objects capped by its buffer", plan, 1000, 1000*perAccount + secondsPerMonth/300},
		{"no ledger", func() Plan { q := plan; q.LedgerBufferSeconds = 0; return q }(), 1000, 1000 * perAccount},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lines := Digests(p, tt.plan, g, tt.accounts)
			if tt.objects < 0 {
				if len(lines) != 0 {
					t.Fatalf("want no lines, got %+v", lines)
				}
				return
			}
			if len(lines) != 7 {
				t.Fatalf("want 7 lines, got %+v", lines)
			}
			runs := float64(hoursPerMonth)
			want := map[string]float64{
				"SQS":                tt.objects*1.2 + runs,
				"S3 GET":             tt.objects + 3*runs,
				"S3 PUT":             2 * runs,
				"LogKey":             tt.objects + 5*runs,
				"signing key":        2 * runs,
				"Lambda invocations": runs,
				"Lambda duration":    (runs*p.assume("digesterMillisPerRun") + tt.objects*p.assume("digesterMillisPerObject")) / 1000 * 128 / 1024,
			}
			for _, l := range lines {
				matched := false
				for prefix, w := range want {
					if strings.HasPrefix(l.What, prefix) {
						matched = true
						if math.Abs(l.Count-w) > 1e-6 {
							t.Errorf("%s: %v %s, want %v", l.What, l.Count, l.Unit, w)
						}
					}
				}
				if !matched || l.USD <= 0 || l.Region != "us-east-1" {
					t.Errorf("line %+v: unexpected, free or elsewhere", l)
				}
			}
		})
	}
	// At 1,000 accounts the digests cost a few dollars a month at most; more accounts cost more.
	small, big := Total(Digests(p, plan, g, 1000)), Total(Digests(p, plan, g, 10000))
	if small <= 0 || small >= 5 || big <= small {
		t.Errorf("1,000 accounts $%v, 10,000 accounts $%v a month", small, big)
	}
}

// The report prints the digests at each organization size, or says there is no digester.
func TestDigestsReport(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	g := Governed{Home: "us-east-1", Count: 4}
	plan := Plan{RetentionDays: 2557, DigesterMemoryMiB: 128, DigesterArch: "arm64"}
	var b bytes.Buffer
	lines := digestsReport(&b, p, plan, g, []int{10, 1000})
	if !strings.Contains(b.String(), "| 1000 | "+usd(Total(Digests(p, plan, g, 1000)))+" |") || len(lines) != 14 {
		t.Errorf("report:\n%s", b.String())
	}
	b.Reset()
	if lines := digestsReport(&b, p, Plan{}, g, []int{10}); lines != nil || !strings.Contains(b.String(), "No digester") {
		t.Errorf("without a digester: %v\n%s", lines, b.String())
	}
}
