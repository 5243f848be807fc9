package cost

import (
	"bytes"
	"strings"
	"testing"
)

// regionalApp is a small app: home ap-northeast-1 (a rotated key and an alarm in the log archive,
// an alarm in its receiver), and receivers with a key replica and an alarm in eu-west-1 and
// eu-north-1 (which the prices file has no price of).
func regionalApp() *App {
	key := Resource{Type: "AWS::KMS::Key", Properties: map[string]any{"EnableKeyRotation": true}}
	replica := Resource{Type: "AWS::KMS::ReplicaKey"}
	alarm := Resource{Type: "AWS::CloudWatch::Alarm"}
	return &App{
		Templates: map[string]*Template{
			logArchiveStack:                   {Resources: map[string]Resource{"LogKey": key, "InboxAlarm": alarm}},
			memberStack:                       {Resources: map[string]Resource{}},
			receiverPrefix + "ap-northeast-1": {Resources: map[string]Resource{"Alarm": alarm}},
			receiverPrefix + "eu-west-1":      {Resources: map[string]Resource{"Replica": replica, "Alarm": alarm}},
			receiverPrefix + "eu-north-1":     {Resources: map[string]Resource{"Replica": replica, "Alarm": alarm}},
		},
		Home:    "ap-northeast-1",
		Regions: []string{"ap-northeast-1", "eu-north-1", "eu-west-1"},
	}
}

func fixedTotal(t *testing.T, a *App, p *Prices, s Scale) ([]Line, float64) {
	t.Helper()
	lines, err := Fixed(a, p, s)
	if err != nil {
		t.Fatal(err)
	}
	return lines, Total(lines)
}

// TestFixedUsesEachRegionsPrices: a resource bills at the price of the region it is deployed in;
// a price changed for one region changes the total by that region's resources only.
func TestFixedUsesEachRegionsPrices(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	a := regionalApp()
	_, before := fixedTotal(t, a, p, Scale{10, 3})
	eu := p.Regional["eu-west-1"]
	alarm := eu.Prices["cloudwatch.alarm"]
	alarm.USD += 1
	eu.Prices["cloudwatch.alarm"] = alarm
	lines, after := fixedTotal(t, a, p, Scale{10, 3})
	if got := after - before; abs(got-1) > 1e-9 {
		t.Errorf("one eu-west-1 alarm $1 dearer: the total moved by $%v, want $1", got)
	}
	for _, l := range lines {
		if l.Where == receiverPrefix+"eu-west-1" && strings.HasPrefix(l.What, "Alarm") && (l.Region != "eu-west-1" || l.Each != alarm.USD) {
			t.Errorf("eu-west-1 alarm: %+v, want region eu-west-1 at $%v", l, alarm.USD)
		}
	}
	// The grid's other regions are priced as the configured other regions, in equal shares.
	_, grid := fixedTotal(t, a, p, Scale{10, 5})
	home := 2*p.usd("cloudwatch.alarm") + p.usd("kms.key") + 2*p.usd("kms.rotation")
	perOther := (alarm.USD + p.usd("cloudwatch.alarm")) / 2 // eu-west-1 (dearer) and eu-north-1 (fallback)
	perOther += p.usd("kms.key") + 2*p.usd("kms.rotation")
	if want := home + 4*perOther; abs(grid-want) > 1e-9 {
		t.Errorf("5 regions: $%v, want $%v", grid, want)
	}
}

// TestFallbackIsReported: a region without prices is priced at us-east-1's, and its lines and
// the report say which items.
func TestFallbackIsReported(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	lines, _ := fixedTotal(t, regionalApp(), p, Scale{10, 3})
	var north []string
	for _, l := range lines {
		if l.Region == "eu-north-1" {
			north = append(north, l.Fallback...)
		}
		if l.Region == "eu-west-1" && strings.HasPrefix(l.What, "Alarm") && len(l.Fallback) > 0 {
			t.Errorf("eu-west-1 has an alarm price, no fallback: %+v", l)
		}
	}
	if got := strings.Join(north, " "); got != "kms.key kms.rotation cloudwatch.alarm" && got != "cloudwatch.alarm kms.key kms.rotation" {
		t.Errorf("eu-north-1 fallback items: %q", got)
	}
	var out bytes.Buffer
	fallbacks(&out, p, lines)
	for _, want := range []string{
		"- eu-north-1: **us-east-1 prices (fallback) for cloudwatch.alarm, kms.key, kms.rotation**; its own prices for none",
		"- eu-west-1: **us-east-1 prices (fallback) for kms.key, kms.rotation**; its own prices for cloudwatch.alarm,",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report does not say %q:\n%s", want, out.String())
		}
	}
}

// TestPerGiBUsesEachRegionsPrices: CloudWatch Logs bills in the session's region, the bucket,
// Firehose and the processor in the home region.
func TestPerGiBUsesEachRegionsPrices(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	plan := Plan{RetentionDays: 2557, ArchiveAfterDays: 90, ArchiveClass: "GLACIER_IR", ArchiveMinBytes: 40960, LogRetentionDays: 365,
		BufferSeconds: 900, BufferMiB: 128, Compressed: true, ProcessorBatchMiB: 1, ProcessorMemoryMiB: 128, ProcessorArch: "arm64"}
	ingestion := func(g Governed) (float64, []Line) {
		lines, err := PerGiB(p, plan, g)
		if err != nil {
			t.Fatal(err)
		}
		sum := 0.0
		for _, l := range lines {
			if l.Where == "CloudWatch Logs" && strings.HasPrefix(l.What, "ingestion") {
				sum += l.USD
			}
		}
		return sum, lines
	}
	env := p.assume("cloudwatchEnvelope")
	tokyo, _ := p.In("ap-northeast-1", "logs.ingest")
	if tokyo == p.usd("logs.ingest") {
		t.Fatal("the test needs an ap-northeast-1 price of logs.ingest unlike us-east-1's")
	}
	got, lines := ingestion(Governed{Home: "ap-northeast-1", Others: []string{"us-east-1"}, Count: 2})
	if want := env * (tokyo + p.usd("logs.ingest")) / 2; abs(got-want) > 1e-9 {
		t.Errorf("ingestion with sessions half in Tokyo: $%v, want $%v", got, want)
	}
	if base, _ := ingestion(Governed{Count: 2}); abs(base-got) < 1e-9 {
		t.Error("ap-northeast-1's price was ignored: the same cost as at us-east-1 prices")
	}
	for _, l := range lines {
		if l.Where == "Firehose" && (l.Region != "ap-northeast-1" || len(l.Fallback) != 1 || !strings.HasPrefix(l.Fallback[0], "firehose.")) {
			t.Errorf("Firehose bills in the home region, at us-east-1 prices (no Tokyo price): %+v", l)
		}
	}
}

// TestEndpointsUseEachRegionsPrices: interface endpoints bill in every governed region at its price
// (four of them with logging: ssm, ssmmessages, ec2messages and logs).
func TestEndpointsUseEachRegionsPrices(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	s := EndpointScale{Accounts: 10, Regions: 2, VPCs: 1, AZs: 2, Logging: true, In: Governed{Home: "ap-northeast-1", Others: []string{"eu-west-1"}}}
	total := func() float64 { added, anyway := Endpoints(p, s); return Total(added) + Total(anyway) }
	before := total()
	p.Regional["eu-west-1"].Prices["vpc.interfaceEndpointHour"] = Price{USD: 0.02, Unit: "test", Confidence: "test", Source: "https://example.test", Quote: "test"}
	after := total()
	if want := 10 * 4 * 2 * hoursPerMonth * 0.01; abs(after-before-want) > 1e-9 {
		t.Errorf("eu-west-1 endpoints $0.01 an hour dearer: +$%v, want +$%v", after-before, want)
	}
}

// TestRegionalPricesAreChecked: regional items must be known items with a source and confidence.
func TestRegionalPricesAreChecked(t *testing.T) {
	bad := strings.Replace(string(defaultPrices), `"eu-west-1": {"checked": "2026-10-02", "prices": {`,
		`"eu-west-1": {"checked": "2026-10-02", "prices": {"kms.keys": {"usd": 1, "unit": "key-month", "confidence": "", "source": "https://example.test", "quote": "q"},`, 1)
	_, err := parsePrices([]byte(bad), "bad.json")
	if err == nil {
		t.Fatal("want an error")
	}
	for _, want := range []string{"regional.eu-west-1.kms.keys: no such item in prices", "regional.eu-west-1.kms.keys: needs a positive usd, a unit, a source (URL or AWS Price List), a quote and a confidence"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
}
