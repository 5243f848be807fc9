// Command cost prints the sessionaudit cost model over synthesized templates: it is
// `sessionaudit cost` (cmd/sessionaudit, package operator/cli), kept so that `go run ./cmd/cost`
// keeps working. Flags: -accounts, -regions, -vpcs, -azs, -prices, -dir.
package main

import (
	"context"
	"os"

	"github.com/sessionaudit/sessionaudit/operator/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), append([]string{"cost"}, os.Args[1:]...), cli.DefaultDeps()))
}
