package cost

import (
	"strings"
	"testing"
)

func TestDefaultPricesAreComplete(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	for id, pr := range p.Prices {
		if pr.Confidence == "" {
			t.Errorf("prices.%s: say how sure the number is (official, price list, secondary)", id)
		}
	}
}

func TestPricesFileProblemsAllAtOnce(t *testing.T) {
	bad := strings.NewReplacer(
		`"source": "https://aws.amazon.com/kms/pricing/"`, `"source": ""`,
		`"kms.request":`, `"kms.requests":`,
		`"gzipRatio":            {"value": 0.15`, `"gzipRatio":            {"value": 0`,
	).Replace(string(defaultPrices))
	_, err := parsePrices([]byte(bad), "bad.json")
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{
		"prices.kms.key: needs a positive usd, a unit, a source (URL or AWS Price List) and a quote",
		"prices.kms.request: missing",
		"assumptions.gzipRatio: missing, or without a positive value and a why",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}

// TestObjectLife: an object archived costs its Standard months, its billed size in the archive
// class for the rest (at least 128 KB in Glacier Instant Retrieval) and the transition.
func TestObjectLife(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	m := model{p, Plan{RetentionDays: 2557, ArchiveAfterDays: 90, ArchiveClass: "GLACIER_IR", ArchiveMinBytes: 40960}}
	std, ir := p.usd("s3.storage.STANDARD")/kbPerGiB, p.usd("s3.storage.GLACIER_IR")/kbPerGiB
	months, before := 2557/daysPerMonth, 90/daysPerMonth
	for _, tt := range []struct{ kb, billed float64 }{{64, 128}, {512, 512}} {
		want := tt.kb*std*before + tt.billed*ir*(months-before) + p.usd("s3.transition.GLACIER_IR")
		if got := m.objectLife(tt.kb, true); abs(got-want) > 1e-12 {
			t.Errorf("%v KB archived: %v, want %v", tt.kb, got, want)
		}
	}
	if got, want := m.objectLife(10, false), 10*std*months; abs(got-want) > 1e-12 {
		t.Errorf("10 KB in Standard: %v, want %v", got, want)
	}
	if m.archives(40) || !m.archives(41) {
		t.Error("the threshold is ObjectSizeGreaterThan: 40 KiB stays, 41 KiB moves")
	}
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
