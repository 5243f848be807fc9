package regions

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestTableIsSortedAndUnique(t *testing.T) {
	if !slices.IsSortedFunc(all, func(a, b Region) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	}) {
		t.Error("regions_gen.go is not sorted by name (Lookup searches it)")
	}
	for i := 1; i < len(all); i++ {
		if all[i].Name == all[i-1].Name {
			t.Errorf("%s twice", all[i].Name)
		}
	}
}

func TestLookupAndPartition(t *testing.T) {
	for code, want := range map[string]string{"eu-central-1": "aws", "cn-north-1": "aws-cn", "us-gov-west-1": "aws-us-gov", "us-isob-east-1": "aws-iso-b", "eusc-de-east-1": "aws-eusc"} {
		if r, ok := Lookup(code); !ok || r.Partition != want || Partition(code) != want {
			t.Errorf("Lookup(%s) = %+v, %v; want partition %s", code, r, ok, want)
		}
	}
	for _, code := range []string{"eu-central-3", "mars-1", ""} {
		if _, ok := Lookup(code); ok {
			t.Errorf("Lookup(%q) found a region", code)
		}
	}
	// A region newer than the table keeps the partition its prefix names.
	if Partition("cn-south-9") != "aws-cn" || Partition("us-isof-west-9") != "aws-iso-f" || Partition("zz-new-1") != "aws" {
		t.Error("prefix rules")
	}
	if r, _ := Lookup("eu-south-2"); !r.OptIn {
		t.Error("eu-south-2 is an opt-in region")
	}
	if r, _ := Lookup("eu-west-1"); r.OptIn {
		t.Error("eu-west-1 is not an opt-in region")
	}
}

// docs/regions.md lists every region of the table, opt-in regions as such.
func TestDocsListEveryRegion(t *testing.T) {
	data, err := os.ReadFile("../docs/regions.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range all {
		mark := "`" + r.Name + "`"
		if r.OptIn {
			mark = "*" + r.Name + "*"
		}
		if !strings.Contains(string(data), mark) {
			t.Errorf("docs/regions.md does not list %s as %s", r.Name, mark)
		}
	}
}
