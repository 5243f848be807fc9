// Command cost prints the sessionaudit cost model over synthesized templates (`make cost`): the
// fixed monthly cost for organizations of 10, 100 and 1,000 accounts in 1, 4 and 17 regions, what
// bills while idle, the cost per GiB of session transcript through every path next to the seed
// documents' design, and the cost per session. See package cost.
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
	accounts := flag.Int("accounts", 1000, "accounts for the detailed tables")
	regions := flag.Int("regions", 4, "governed regions for the detailed tables")
	flag.Parse()
	if err := run(*dir, *pricesFile, cost.Scale{Accounts: *accounts, Regions: *regions}); err != nil {
		fmt.Fprintln(os.Stderr, "cost:", err)
		os.Exit(1)
	}
}

func run(dir, pricesFile string, detail cost.Scale) error {
	if detail.Accounts < 1 || detail.Regions < 1 {
		return fmt.Errorf("-accounts and -regions must be at least 1 (got %d, %d)", detail.Accounts, detail.Regions)
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
	return cost.Report(os.Stdout, app, prices, detail, []int{10, 100, 1000}, []int{1, 4, 17})
}
