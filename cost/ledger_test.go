package cost

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// The ledger bills per event (Firehose ingestion, each record at least 5 KB), per object (one per
// buffer interval at most: S3 PUT, a LogKey data key) and for storage over the retention; nothing
// without accounts or without a ledger stream.
func TestLedger(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	g := Governed{Home: "us-east-1", Count: 4}
	plan := Plan{RetentionDays: 2557, ArchiveAfterDays: 90, ArchiveClass: "GLACIER_IR", ArchiveMinBytes: 40960, LedgerBufferSeconds: 300}
	perAccount, eventKB := p.assume("ledgerEventsPerAccount"), p.assume("ledgerEventKB")
	for _, tt := range []struct {
		name     string
		plan     Plan
		accounts int
		objects  float64 // 0: no lines
	}{
		{"no account", plan, 0, 0},
		{"no ledger stream", Plan{RetentionDays: 2557}, 1000, 0},
		{"one account: fewer events than buffer intervals", plan, 1, perAccount},
		{"1,000 accounts: one object per 300 s", plan, 1000, secondsPerMonth / 300},
		{"1,000 accounts, 900 s buffer", func() Plan { q := plan; q.LedgerBufferSeconds = 900; return q }(), 1000, secondsPerMonth / 900},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lines := Ledger(p, tt.plan, g, tt.accounts)
			if tt.objects == 0 {
				if len(lines) != 0 {
					t.Fatalf("want no lines, got %+v", lines)
				}
				return
			}
			if len(lines) != 4 {
				t.Fatalf("want 4 lines, got %+v", lines)
			}
			events := float64(tt.accounts) * perAccount
			if want := events * math.Max(5, eventKB) / kbPerGiB; math.Abs(lines[0].Count-want) > 1e-12 {
				t.Errorf("ingestion %v GB billed, want %v", lines[0].Count, want)
			}
			for _, l := range lines[1:] {
				if math.Abs(l.Count-tt.objects) > 1e-9 {
					t.Errorf("%s: %v, want %v objects", l.What, l.Count, tt.objects)
				}
			}
			for _, l := range lines {
				if l.USD <= 0 || l.Region != "us-east-1" {
					t.Errorf("line %+v bills nothing or elsewhere", l)
				}
			}
		})
	}
	// At 1,000 accounts the ledger costs well under a dollar a month at these assumptions, and
	// more events cost more.
	small, big := Total(Ledger(p, plan, g, 1000)), Total(Ledger(p, plan, g, 10000))
	if small <= 0 || small >= 1 || big <= small {
		t.Errorf("1,000 accounts $%v, 10,000 accounts $%v a month", small, big)
	}
}

// The report prints the ledger at each organization size, or says there is none.
func TestLedgerReport(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	g := Governed{Home: "us-east-1", Count: 4}
	var b bytes.Buffer
	lines := ledgerReport(&b, p, Plan{RetentionDays: 2557, LedgerBufferSeconds: 300}, g, []int{10, 1000})
	if !strings.Contains(b.String(), "| 1000 | "+num(1000*p.assume("ledgerEventsPerAccount"))+" | "+usd(Total(Ledger(p, Plan{RetentionDays: 2557, LedgerBufferSeconds: 300}, g, 1000)))+" |") || len(lines) != 8 {
		t.Errorf("report:\n%s", b.String())
	}
	b.Reset()
	if ledgerReport(&b, p, Plan{}, g, []int{1000}) != nil || !strings.Contains(b.String(), "No ledger stream") {
		t.Errorf("report without a ledger:\n%s", b.String())
	}
}

// Each line names the prices it took from the prices file's region, not those of the lines before.
func TestLedgerFallbacksPerLine(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	plan := Plan{RetentionDays: 2557, LedgerBufferSeconds: 300}
	for _, l := range Ledger(p, plan, Governed{Home: "ap-northeast-1", Count: 1}, 1000) {
		for _, f := range l.Fallback {
			if strings.HasPrefix(l.What, "Firehose") != (f == "firehose.ingest") && f != "s3.storage.STANDARD" {
				t.Errorf("line %q lists fallback %s", l.What, f)
			}
		}
	}
}
