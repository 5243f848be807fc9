package cost

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"
)

// The interface endpoints are split into what sessionaudit adds (logs when it logs sessions, kms
// with session encryption) and what Session Manager needs anyway (ssm, ssmmessages,
// ec2messages), each billed per AZ-hour; the S3 gateway endpoint is free.
func TestEndpoints(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	perAZMonth := 730 * 0.01
	for _, tt := range []struct {
		name         string
		logging, enc bool
		added        []string
	}{
		{"permissions phase", false, false, nil},
		{"logging phase", true, false, []string{"logs"}},
		{"enforced, encrypted", true, true, []string{"logs", "kms"}},
		{"enforced, session encryption none", true, false, []string{"logs"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := EndpointScale{Accounts: 1, Regions: 1, VPCs: 1, AZs: 2, Logging: tt.logging, SessionEncryption: tt.enc}
			if got := AddedEndpoints(s); !reflect.DeepEqual(got, tt.added) {
				t.Errorf("added endpoints %v, want %v", got, tt.added)
			}
			added, anyway := Endpoints(p, s)
			if got, want := Total(added), float64(len(tt.added))*2*perAZMonth; got != want {
				t.Errorf("sessionaudit adds $%v a VPC, want $%v", got, want)
			}
			if got, want := Total(anyway), 3*2*perAZMonth; got != want {
				t.Errorf("Session Manager needs $%v a VPC anyway, want $%v", got, want)
			}
			for _, l := range anyway {
				for _, svc := range []string{"logs", "kms"} {
					if strings.Contains(l.What, "."+svc+" ") {
						t.Errorf("%s counted as needed anyway: %+v", svc, l)
					}
				}
			}
			if last := anyway[len(anyway)-1]; last.Where != "gateway endpoint" || last.USD != 0 {
				t.Errorf("last line %+v, want the free S3 gateway endpoint", last)
			}
		})
	}
	org := EndpointScale{Accounts: 300, Regions: 3, VPCs: 2, AZs: 2, Logging: true, SessionEncryption: true}
	added, anyway := Endpoints(p, org)
	if got, want := Total(added), 300*3*2*2*2*perAZMonth; abs(got-want) > 1e-6 {
		t.Errorf("organization: sessionaudit adds $%v, want $%v", got, want)
	}
	if got, want := Total(anyway), 300*3*2*3*2*perAZMonth; abs(got-want) > 1e-6 {
		t.Errorf("organization: needed anyway $%v, want $%v", got, want)
	}
	// At the limits: no VPC costs nothing; one AZ bills one AZ-hour an hour.
	if a, b := Endpoints(p, EndpointScale{Accounts: 1, Regions: 1, VPCs: 0, AZs: 2, Logging: true}); Total(a)+Total(b) != 0 {
		t.Errorf("no VPC: $%v", Total(a)+Total(b))
	}
	if a, _ := Endpoints(p, EndpointScale{Accounts: 1, Regions: 1, VPCs: 1, AZs: 1, Logging: true}); Total(a) != perAZMonth {
		t.Errorf("one AZ: $%v, want $%v", Total(a), perAZMonth)
	}
}

// The report prints the two parts apart, and in the permissions phase says that sessionaudit adds
// nothing yet.
func TestEndpointReportSplits(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		s       EndpointScale
		want    []string
		notWant []string
	}{
		{"enforced", EndpointScale{Accounts: 1000, Regions: 4, VPCs: 1, AZs: 2, Logging: true, SessionEncryption: true, In: Governed{Home: "us-east-1"}}, []string{
			"### What sessionaudit adds (logs, kms)",
			"| interface endpoint sessionaudit adds | us-east-1 | com.amazonaws.<region>.logs in 2 AZs | 4000 VPCs | $14.60 | $58400 |",
			"### What Session Manager in a private subnet needs anyway (ssm, ssmmessages, ec2messages;",
			"| interface endpoint Session Manager needs anyway | us-east-1 | com.amazonaws.<region>.ec2messages in 2 AZs | 4000 VPCs | $14.60 | $58400 |",
			"Per VPC: sessionaudit adds $29.20 a month; the endpoints Session Manager needs anyway cost $43.80 a month",
		}, []string{"Nothing in this rollout phase"}},
		{"no VPC", EndpointScale{Accounts: 10, Regions: 1, VPCs: 0, AZs: 2, Logging: true}, []string{"### What sessionaudit adds (logs)"}, []string{"Per VPC"}},
		{"permissions", EndpointScale{Accounts: 10, Regions: 1, VPCs: 1, AZs: 2}, []string{
			"### What sessionaudit adds (none)",
			"Nothing in this rollout phase: sessionaudit logs no session before the logging phase, which adds logs (and kms once sessions are encrypted).",
			"Per VPC: sessionaudit adds $0 a month;",
		}, []string{"com.amazonaws.<region>.logs", "com.amazonaws.<region>.kms"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := EndpointReport(&out, p, tt.s); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("the report does not say %q:\n%s", w, out.String())
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out.String(), w) {
					t.Errorf("the report says %q:\n%s", w, out.String())
				}
			}
		})
	}
}

// The endpoint numbers docs/cost.md and docs/private-networks.md state are the model's, in 2 AZs
// at the prices file's own prices: one endpoint, what sessionaudit adds with session encryption,
// and what Session Manager needs anyway.
func TestDocsStateTheEndpointCosts(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	perVPC := func(s EndpointScale) (float64, float64) {
		added, anyway := Endpoints(p, s)
		return Total(added), Total(anyway)
	}
	one, _ := perVPC(EndpointScale{Accounts: 1, Regions: 1, VPCs: 1, AZs: 2, Logging: true})
	both, anyway := perVPC(EndpointScale{Accounts: 1, Regions: 1, VPCs: 1, AZs: 2, Logging: true, SessionEncryption: true})
	for _, doc := range []string{"../docs/cost.md", "../docs/private-networks.md"} {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []float64{one, both, anyway} {
			if !strings.Contains(string(data), usd(v)) {
				t.Errorf("%s does not state %s", doc, usd(v))
			}
		}
	}
}
