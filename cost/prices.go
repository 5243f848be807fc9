// Package cost is the cost model behind `make cost`: it reads the synthesized templates and a
// prices file and says what a deployment costs while idle (fixed, by resource, for A accounts in
// R regions) and per GiB of session transcript through every path, next to the seed documents'
// design. Every price names its source (prices.json); every estimate is an assumption there.
package cost

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
)

//go:embed prices.json
var defaultPrices []byte

// Price is one list price with where it comes from.
type Price struct {
	USD        float64 `json:"usd"`
	Unit       string  `json:"unit"`
	Confidence string  `json:"confidence"`
	Source     string  `json:"source"`
	Quote      string  `json:"quote"`
}

// Idle says which price a resource type bills while idle.
type Idle struct {
	Price    string `json:"price"`
	Rotation bool   `json:"rotation"`
	Why      string `json:"why"`
}

// Assumption is an estimate the model needs and no price list gives.
type Assumption struct {
	Value float64 `json:"value"`
	Why   string  `json:"why"`
}

// RegionPrices are the prices of one region other than the prices file's own (Prices.Region):
// the items a source gives for that region; the others are priced at Prices.Prices (fallback).
type RegionPrices struct {
	Checked string           `json:"checked"`
	Prices  map[string]Price `json:"prices"`
}

// Prices is a prices file.
type Prices struct {
	Region      string                  `json:"region"`
	Checked     string                  `json:"checked"`
	Note        string                  `json:"note"`
	Prices      map[string]Price        `json:"prices"`
	Regional    map[string]RegionPrices `json:"regional"`
	Idle        map[string]Idle         `json:"idle"`
	UsageOnly   map[string]string       `json:"usageOnly"`
	Assumptions map[string]Assumption   `json:"assumptions"`
}

// required are the prices and assumptions the model reads.
var required = struct{ prices, assumptions []string }{
	prices: []string{"kms.key", "kms.rotation", "kms.request", "cloudwatch.alarm", "logs.ingest", "logs.storage",
		"transfer.interRegion", "firehose.ingest", "firehose.partitionGB", "firehose.partitionObject", "lambda.request",
		"lambda.gbSecond.arm64", "lambda.gbSecond.x86_64", "s3.storage.STANDARD", "s3.put", "sns.publish", "sns.email",
		"events.crossAccount", "s3.get", "sqs.request", "kms.asymmetricRequest", "athena.tbScanned"},
	assumptions: []string{"cloudwatchEnvelope", "cloudwatchStored", "gzipRatio", "subscriptionRecordKB", "transcriptKB",
		"busyAccountBytesPerSecond", "processorMillis", "sessionEvents", "wayEventsPerAccount",
		"archivedObjectsPerAccount", "digesterMillisPerObject", "digesterMillisPerRun", "sessionsPerAccountDay", "coverageCheckMillis"},
}

// DefaultPrices is the prices file shipped with the model (cost/prices.json).
func DefaultPrices() (*Prices, error) { return parsePrices(defaultPrices, "cost/prices.json") }

// LoadPrices reads a prices file.
func LoadPrices(path string) (*Prices, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parsePrices(data, path)
}

func parsePrices(data []byte, source string) (*Prices, error) {
	var p Prices
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%s: %v", source, err)
	}
	var problems []string
	for id, pr := range p.Prices {
		if !pr.valid() {
			problems = append(problems, fmt.Sprintf("prices.%s: needs a positive usd, a unit, a source (URL or AWS Price List) and a quote", id))
		}
	}
	for region, rp := range p.Regional {
		if region == p.Region {
			problems = append(problems, fmt.Sprintf("regional.%s: is the file's own region; its prices are prices", region))
		}
		for id, pr := range rp.Prices {
			if _, ok := p.Prices[id]; !ok {
				problems = append(problems, fmt.Sprintf("regional.%s.%s: no such item in prices", region, id))
			}
			if !pr.valid() || pr.Confidence == "" {
				problems = append(problems, fmt.Sprintf("regional.%s.%s: needs a positive usd, a unit, a source (URL or AWS Price List), a quote and a confidence", region, id))
			}
		}
	}
	for _, id := range required.prices {
		if _, ok := p.Prices[id]; !ok {
			problems = append(problems, "prices."+id+": missing")
		}
	}
	for _, id := range required.assumptions {
		if a, ok := p.Assumptions[id]; !ok || a.Value <= 0 || a.Why == "" {
			problems = append(problems, "assumptions."+id+": missing, or without a positive value and a why")
		}
	}
	for typ, idle := range p.Idle {
		if _, ok := p.Prices[idle.Price]; !ok {
			problems = append(problems, fmt.Sprintf("idle.%s: names unknown price %q", typ, idle.Price))
		}
		if _, dup := p.UsageOnly[typ]; dup {
			problems = append(problems, "idle."+typ+": also listed as usageOnly")
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("%s:\n  %s", source, strings.Join(problems, "\n  "))
	}
	return &p, nil
}

func (pr Price) valid() bool {
	return pr.USD > 0 && (strings.Contains(pr.Source, "http") || strings.HasPrefix(pr.Source, "AWS Price List")) && pr.Quote != "" && pr.Unit != ""
}

// In returns the price of item id in region, and false when the prices file has no price of
// that region for it: then the price is the file's own region's (Prices.Region), the fallback.
// Region "" is the file's own region.
func (p *Prices) In(region, id string) (float64, bool) {
	if region != "" && region != p.Region {
		if pr, ok := p.Regional[region].Prices[id]; ok {
			return pr.USD, true
		}
		return p.usd(id), false
	}
	return p.usd(id), true
}

// pricer prices items: *Prices at its own region, *regionPricer in one region.
type pricer interface{ usd(id string) float64 }

// regionPricer prices the items of one region and remembers those that fell back.
type regionPricer struct {
	p        *Prices
	region   string
	fallback []string
}

func (p *Prices) in(region string) *regionPricer { return &regionPricer{p: p, region: region} }

func (r *regionPricer) usd(id string) float64 {
	v, ok := r.p.In(r.region, id)
	if !ok && !slices.Contains(r.fallback, id) {
		r.fallback = append(r.fallback, id)
		sort.Strings(r.fallback)
	}
	return v
}

// unit is the unit of an item (the same in every region).
func (r *regionPricer) unit(id string) string { return r.p.Prices[id].Unit }

func (p *Prices) usd(id string) float64 {
	pr, ok := p.Prices[id]
	if !ok {
		panic("cost: no price " + id) // parsePrices checked the required ones
	}
	return pr.USD
}

func (p *Prices) assume(id string) float64 { return p.Assumptions[id].Value }
