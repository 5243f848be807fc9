package cost

import "testing"

// Four interface endpoints (five with session encryption) per VPC, each billed per AZ-hour; the
// S3 gateway endpoint is free.
func TestEndpoints(t *testing.T) {
	p, err := DefaultPrices()
	if err != nil {
		t.Fatal(err)
	}
	perVPC := func(enc bool) float64 {
		return Total(Endpoints(p, EndpointScale{Accounts: 1, Regions: 1, VPCs: 1, AZs: 2, SessionEncryption: enc}))
	}
	if got, want := perVPC(false), 4*2*730*0.01; got != want {
		t.Errorf("without session encryption: $%v a VPC, want $%v", got, want)
	}
	if got, want := perVPC(true), 5*2*730*0.01; got != want {
		t.Errorf("with session encryption: $%v a VPC, want $%v", got, want)
	}
	if got, want := Total(Endpoints(p, EndpointScale{Accounts: 300, Regions: 3, VPCs: 2, AZs: 2, SessionEncryption: true})), 300*3*2*perVPC(true); got != want {
		t.Errorf("organization: $%v, want $%v", got, want)
	}
}
