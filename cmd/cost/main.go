// Command cost prints the sessionaudit cost model over synthesized templates (`make cost`): the
// fixed monthly cost for organizations of 10, 100 and 1,000 accounts in 1, 4 and 17 regions, what
// bills while idle and the cost per GiB at the organization's size (-accounts, `make cost
// ACCOUNTS=300`) and governed regions (the synthesized configuration's unless -regions), next to the
// seed documents' design, the cost per session, and the VPC endpoints private subnets need
// (-vpcs per account and region, -azs). Each governed region is priced at its own prices where
// the prices file has them, at the file's own region's where not, and the report names those items.
// See package cost.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sessionaudit/sessionaudit/cost"
)

func main() {
	dir := flag.String("dir", "cdk.out", "directory of synthesized <stack>.template.json files")
	pricesFile := flag.String("prices", "", "prices file (default: cost/prices.json as built in)")
	accounts := flag.Int("accounts", 1000, "accounts of the organization (the detailed tables and the endpoints)")
	regions := flag.Int("regions", 0, "governed regions for the detailed tables (default: the synthesized configuration's)")
	vpcs := flag.Int("vpcs", 1, "VPCs with private subnets per account and region (VPC endpoints table)")
	azs := flag.Int("azs", 2, "Availability Zones of each interface endpoint (VPC endpoints table)")
	flag.Parse()
	if err := run(*dir, *pricesFile, cost.Scale{Accounts: *accounts, Regions: *regions}, *vpcs, *azs); err != nil {
		fmt.Fprintln(os.Stderr, "cost:", err)
		os.Exit(1)
	}
}

func run(dir, pricesFile string, detail cost.Scale, vpcs, azs int) error {
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
	if err := cost.Report(os.Stdout, app, prices, detail, []int{10, 100, 1000}, []int{1, 4, 17}); err != nil {
		return err
	}
	plan, err := cost.ReadPlan(app)
	if err != nil {
		return err
	}
	return cost.EndpointReport(os.Stdout, prices, cost.EndpointScale{Accounts: detail.Accounts, Regions: detail.Regions, VPCs: vpcs, AZs: azs, SessionEncryption: plan.SessionEncryption, In: app.Governed(detail.Regions)})
}
