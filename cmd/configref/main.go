// Command configref writes the configuration reference generated from config/schema.json
// (config.Reference) to the file named by its argument: go generate ./config writes
// docs/config-reference.md with it.
package main

import (
	"fmt"
	"os"

	"github.com/sessionaudit/sessionaudit/config"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: configref <output.md>")
		os.Exit(2)
	}
	if err := os.WriteFile(os.Args[1], config.Reference(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "configref:", err)
		os.Exit(1)
	}
}
