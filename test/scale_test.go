package test

import (
	"fmt"
	"testing"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
	"github.com/sessionaudit/sessionaudit/constructs/logreceiver"
	"github.com/sessionaudit/sessionaudit/regions"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// commercialRegions are the regions of the aws partition that CDK's region facts know (package
// regions).
var commercialRegions = regions.InPartition("aws")

// largeApp is the app for an organization of 50 target OUs (the most one StackSet operation takes; about 1,000 accounts) in every
// commercial Region. No config field lists accounts: nothing can be sized by them.
var largeApp *synthesized

func large(t *testing.T) *synthesized {
	t.Helper()
	if largeApp == nil {
		ous := make([]any, config.MaxOrganizationalUnits)
		for i := range ous {
			ous[i] = fmt.Sprintf("ou-exam-%08d", i)
		}
		regions := make([]any, len(commercialRegions))
		for i, r := range commercialRegions {
			regions[i] = r
		}
		largeApp = synth(mustConfigWith(t, func(c map[string]any) {
			c["targetOrganizationalUnitIds"] = ous
			c["regions"] = regions
		}))
	}
	return largeApp
}

// TestPoliciesDoNotGrowWithTheOrganization checks the limits with one OU in two Regions and with
// 50 OUs in every commercial Region, and that no policy or member template changes size.
func TestPoliciesDoNotGrowWithTheOrganization(t *testing.T) {
	big := large(t)
	if n := len(big.stacks.Receivers); n != len(commercialRegions) {
		t.Fatalf("want a receiver per commercial Region, got %d", n)
	}
	measure := func(s *synthesized) map[string]int {
		archiveT := s.templates[stacks.LogArchiveStackName]
		key := resources(archiveT, "AWS::KMS::Key")["LogKey15608DC4"]
		_, dest := destinationPolicy(t, s.templates[stacks.ReceiverStackName("us-east-1")])
		return map[string]int{
			"bucket policy":      sizeOf(centralBucketPolicy(t, archiveT)),
			"key policy":         sizeOf(props(key)["KeyPolicy"]),
			"destination policy": dest,
			"member template":    sizeOf(s.templates[stacks.MemberStackName]),
		}
	}
	limits := map[string]int{
		"bucket policy":      20 * 1024,
		"key policy":         32 * 1024,
		"destination policy": logreceiver.MaxDestinationPolicyBytes,
		"member template":    stacks.MaxTemplateBodyBytes,
	}
	small, grown := measure(defaultApp), measure(big)
	for what, limit := range limits {
		t.Logf("%-18s %6d bytes (1 OU, 2 Regions) %6d bytes (50 OUs, %d Regions), limit %d", what, small[what], grown[what], len(commercialRegions), limit)
		if grown[what] > limit || small[what] > limit {
			t.Errorf("%s is over its limit of %d bytes: %d / %d", what, limit, small[what], grown[what])
		}
		if small[what] != grown[what] {
			t.Errorf("%s grows with the organization: %d -> %d bytes", what, small[what], grown[what])
		}
	}
	// Only the StackSet's own target and Region lists grow, and the log-archive stack with the
	// number of Regions (one Firehose stream and five alarms each), within CloudFormation's
	// limits (1 MB template through S3, 500 resources).
	la := big.templates[stacks.LogArchiveStackName]
	if n, size := len(la["Resources"].(map[string]any)), sizeOf(la); n > 500 || size > 1<<20 {
		t.Errorf("log-archive stack for %d Regions: %d resources, %d bytes", len(commercialRegions), n, size)
	}
	// The guardrail policies' content is the same for any organization; only their TargetIds grow.
	for id, p := range resources(big.templates[stacks.GuardrailsStackName], "AWS::Organizations::Policy") {
		content := props(p)["Content"]
		if n := len(jsonString(content)); n > guardrails.MaxPolicyCharacters {
			t.Errorf("guardrail %s has %d characters at 50 OUs, over %d", id, n, guardrails.MaxPolicyCharacters)
		}
		if small := props(resources(defaultApp.templates[stacks.GuardrailsStackName], "AWS::Organizations::Policy")[id])["Content"]; jsonString(small) != jsonString(content) {
			t.Errorf("guardrail %s content changes with the organization", id)
		}
	}
	for name, tmpl := range big.templates {
		if name == stacks.MemberStackSetStackName || name == stacks.LogArchiveStackName || name == stacks.GuardrailsStackName {
			continue
		}
		if want, ok := defaultApp.templates[name]; ok && sizeOf(want) != sizeOf(tmpl) {
			t.Errorf("%s changed size with the organization: %d -> %d", name, sizeOf(want), sizeOf(tmpl))
		}
	}
}
