package test

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/regioninfo"

	"github.com/sessionaudit/sessionaudit/regions"
)

// The region table config validates against is CDK's region facts of the pinned aws-cdk-lib, as
// jsii reports them (regenerate with go generate ./regions after a CDK upgrade).
func TestRegionTableIsCDKs(t *testing.T) {
	cdk := map[string]regions.Region{}
	for _, r := range *regioninfo.RegionInfo_Regions() {
		cdk[*r.Name()] = regions.Region{Name: *r.Name(), Partition: *r.Partition(), OptIn: *r.IsOptInRegion()}
	}
	ours := regions.All()
	if len(ours) != len(cdk) {
		t.Errorf("regions knows %d regions, CDK %d: run go generate ./regions", len(ours), len(cdk))
	}
	for _, r := range ours {
		if cdk[r.Name] != r {
			t.Errorf("regions has %+v, CDK %+v: run go generate ./regions", r, cdk[r.Name])
		}
	}
}
