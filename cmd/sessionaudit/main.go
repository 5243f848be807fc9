// Command sessionaudit is the operator command line: `cost` (make cost), `preflight` (before the
// first deploy), `verify` (after it) and `policy` (the IAM policy of the two). See package
// operator/cli and docs/preflight-verify.md.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/sessionaudit/sessionaudit/operator/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, os.Args[1:], cli.DefaultDeps())
	stop()
	os.Exit(code)
}
