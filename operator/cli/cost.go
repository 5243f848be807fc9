package cli

import (
	"flag"
	"fmt"

	"github.com/sessionaudit/sessionaudit/cost"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// costCommand is the cost model over synthesized templates (`make cost`; formerly cmd/cost, which
// now runs this): the fixed monthly cost for organizations of 10, 100 and 1,000 accounts in 1, 4
// and 17 regions, what bills while idle and the cost per GiB at the organization's size
// (-accounts) and governed regions, and the VPC endpoints private subnets need (-vpcs, -azs).
// See package cost.
func costCommand(args []string, d Deps) int {
	fs := flag.NewFlagSet("cost", flag.ContinueOnError)
	fs.SetOutput(d.Stderr)
	setHelp(fs, d.Stderr)
	dir := fs.String("dir", "cdk.out", "directory of synthesized <stack>.template.json files")
	pricesFile := fs.String("prices", "", "prices file (default: cost/prices.json as built in)")
	accounts := fs.Int("accounts", 1000, "accounts of the organization (the detailed tables and the endpoints)")
	regions := fs.Int("regions", 0, "governed regions for the detailed tables (default: the synthesized configuration's)")
	vpcs := fs.Int("vpcs", 1, "VPCs with private subnets per account and region (VPC endpoints table)")
	azs := fs.Int("azs", 2, "Availability Zones of each interface endpoint (VPC endpoints table)")
	if err := fs.Parse(args); err != nil {
		return report.ExitCouldNot
	}
	if err := runCost(d, *dir, *pricesFile, cost.Scale{Accounts: *accounts, Regions: *regions}, *vpcs, *azs); err != nil {
		fmt.Fprintln(d.Stderr, "cost:", err)
		return 1
	}
	return 0
}

func runCost(d Deps, dir, pricesFile string, detail cost.Scale, vpcs, azs int) error {
	if detail.Accounts < 1 || detail.Regions < 0 || vpcs < 0 || azs < 1 {
		return fmt.Errorf("-accounts and -azs must be at least 1, -regions and -vpcs at least 0 (got %d, %d, %d, %d)", detail.Accounts, detail.Regions, vpcs, azs)
	}
	prices, err := cost.DefaultPrices()
	if pricesFile != "" {
		prices, err = cost.LoadPrices(pricesFile)
	}
	if err != nil {
		return err
	}
	app, err := cost.ReadDir(dir)
	if err != nil {
		return err
	}
	if detail.Regions == 0 {
		detail.Regions = len(app.Regions)
	}
	if err := cost.Report(d.Stdout, app, prices, detail, []int{10, 100, 1000}, []int{1, 4, 17}); err != nil {
		return err
	}
	plan, err := cost.ReadPlan(app)
	if err != nil {
		return err
	}
	return cost.EndpointReport(d.Stdout, prices, cost.EndpointScale{Accounts: detail.Accounts, Regions: detail.Regions, VPCs: vpcs, AZs: azs, Logging: plan.Logging, SessionEncryption: plan.SessionEncryption, In: app.Governed(detail.Regions)})
}
