// Package regions holds the AWS regions sessionaudit knows, by partition, with whether each is an
// opt-in region. The table (regions_gen.go) is generated from the region facts of the aws-cdk-lib
// version this module pins (aws-cdk-lib region-info: RegionInfo.regions, each region's partition
// and isOptInRegion), so that config accepts exactly the regions CDK itself knows; test/regions_test.go
// compares it with regioninfo.RegionInfo_Regions() through jsii, and `go generate ./regions`
// rewrites it after a CDK upgrade.
package regions

//go:generate go run ./gen

import (
	"slices"
	"strings"
)

// Region is one AWS region as CDK's region facts describe it.
type Region struct {
	// Name is the region code, e.g. "eu-central-1".
	Name string
	// Partition is the AWS partition, e.g. "aws", "aws-cn", "aws-us-gov".
	Partition string
	// OptIn is true for regions an account must enable before it can use them (AWS Account
	// Management reference guide, "Enable or disable AWS Regions in your account"): a StackSet
	// instance there fails until the account has enabled the region.
	OptIn bool
}

// Lookup returns the region named code, and whether CDK knows it.
func Lookup(code string) (Region, bool) {
	i, found := slices.BinarySearchFunc(all, code, func(r Region, c string) int { return strings.Compare(r.Name, c) })
	if !found {
		return Region{}, false
	}
	return all[i], true
}

// All returns every known region, sorted by name.
func All() []Region { return slices.Clone(all) }

// InPartition returns the names of the known regions of one partition, sorted.
func InPartition(partition string) []string {
	var out []string
	for _, r := range all {
		if r.Partition == partition {
			out = append(out, r.Name)
		}
	}
	return out
}

// Partition is the partition of a region code: the known region's, else the one its prefix names
// (CDK's partitionInformation rules, for a region newer than the table).
func Partition(code string) string {
	if r, ok := Lookup(code); ok {
		return r.Partition
	}
	for _, p := range prefixes {
		if strings.HasPrefix(code, p.prefix) {
			return p.partition
		}
	}
	return "aws"
}
