package check

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/operator/report"
	"github.com/sessionaudit/sessionaudit/regions"
)

// OptInCheck is the check of the opt-in governed regions of an account.
const OptInCheck = "account.region-opt-in"

// The EC2 opt-in statuses of a region (EC2 API reference, Region: OptInStatus "opt-in-not-required |
// opted-in | not-opted-in").
const (
	optInNotRequired = "opt-in-not-required"
	optedIn          = "opted-in"
	notOptedIn       = "not-opted-in"
)

// optInRegions are the governed regions an account must enable before it can use them (the
// region table's OptIn: AWS Account Management reference guide, "Enable or disable AWS Regions in
// your account").
func optInRegions(c config.Config) []string {
	var out []string
	for _, name := range c.Regions {
		if r, ok := regions.Lookup(name); ok && r.OptIn {
			out = append(out, name)
		}
	}
	return out
}

// optInCallRegion is where the account's regions are asked: a governed region every account has
// (not opt-in), else the home region.
func optInCallRegion(c config.Config) string {
	for _, name := range c.Regions {
		if r, ok := regions.Lookup(name); ok && !r.OptIn {
			return name
		}
	}
	return c.HomeRegion
}

// regionOptInCheck finds whether each opt-in governed region is enabled in account, from the
// account itself through the read role: ec2:DescribeRegions with AllRegions lists the disabled
// regions too, each with its OptInStatus (EC2 API reference, DescribeRegions; not paginated). The
// Account Management API's GetRegionOptStatus says the same (and ENABLING/DISABLING) but is a
// global endpoint in us-east-1, which region-deny SCPs often deny; EC2 answers in a governed
// region. A region not enabled is a fail and returned (its checks are skipped: every call there
// fails); a status the check does not know, or a region missing from the answer, is a fail too.
func regionOptInCheck(ctx context.Context, e *Env, account string) (disabled map[string]bool, err error) {
	want := optInRegions(e.Config)
	if len(want) == 0 {
		return nil, nil
	}
	at := optInCallRegion(e.Config)
	out, err := ec2.NewFromConfig(e.cfg(account, at)).DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: aws.Bool(true)})
	if err != nil {
		return nil, call(err, "ec2:DescribeRegions", account, at)
	}
	status := map[string]string{}
	for _, r := range out.Regions {
		status[aws.ToString(r.RegionName)] = aws.ToString(r.OptInStatus)
	}
	disabled = map[string]bool{}
	for _, region := range want {
		s, listed := status[region]
		switch {
		case s == optedIn || s == optInNotRequired:
			continue
		case s == notOptedIn:
			disabled[region] = true
			e.Report.Add(report.Finding{Check: OptInCheck, Severity: report.Fail, Account: account, Region: region, Subject: region,
				Message: fmt.Sprintf("the opt-in region %s is not enabled in this account (EC2 opt-in status %s); its other checks were skipped", region, s),
				Meaning: "the StackSet instance of this account in this region fails, and nothing in the region is logged or guarded",
				Fix: fmt.Sprintf("enable it: `aws account enable-region --account-id %s --region-name %s` from the management account (AWS Account Management reference guide, \"Enable or disable a Region for accounts in your organization\"; it takes minutes to hours), or remove %s from regions",
					account, region, region)})
		default:
			answer := fmt.Sprintf("status %q", s)
			if !listed {
				answer = "no entry for it"
			}
			e.Report.Add(report.Finding{Check: OptInCheck, Severity: report.Fail, Account: account, Region: region, Subject: region,
				Message: fmt.Sprintf("could not tell whether the opt-in region %s is enabled in this account: ec2:DescribeRegions (AllRegions) in %s gave %s", region, at, answer),
				Meaning: "the report cannot say whether the StackSet instance of this account in this region can deploy",
				Fix:     fmt.Sprintf("check the account's regions (`aws account list-regions --account-id %s`, or the account's console, \"AWS Regions\"), then run again", account)})
		}
	}
	return disabled, nil
}
