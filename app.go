// Command sessionaudit is the CDK app: it reads the configuration (the file named by -c
// configFile=<path> or $SESSIONAUDIT_CONFIG, else the example in cdk.json's "sessionAudit" context
// key), validates all of it, and only then creates the stacks. It writes the configuration it used
// next to the templates (cdk.out/sessionaudit.config.json, package assembly) for the tools that read
// them.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/assembly"
	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/invalid"
)

func main() {
	os.Exit(run())
}

// Exit statuses: 0 synthesized, 2 invalid input (the configuration, or props a construct rejects).
// Anything else is a bug and panics with its trace.
func run() (code int) {
	defer closeRuntime()
	app := awscdk.NewApp(nil)
	cfg, err := load(app)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if config.IsExample(cfg) && os.Getenv("CDK_DEFAULT_ACCOUNT") != "" {
		// The CLI found AWS credentials (it passes their account as CDK_DEFAULT_ACCOUNT).
		fmt.Fprintf(os.Stderr, "warning: this is the example organization of cdk.json (%s); its templates cannot be deployed.\n"+
			"  Give your own configuration: make synth CONFIG=<path>, export %s=<path>, or -c configFile=<path>.\n", cfg.OrganizationID, ConfigEnv)
	}
	for _, w := range cfg.Warnings() {
		fmt.Fprintf(os.Stderr, "warning: %s\n", w)
	}
	// A construct that rejects its props panics with an *invalid.PropsError, as aws-cdk-lib
	// constructs throw: show its message, not a Go or jsii stack trace.
	if err := assembly.Synth(app, cfg); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		var props *invalid.PropsError
		if errors.As(err, &props) {
			return 2
		}
		return 1
	}
	return 0
}

// ConfigEnv names a configuration file for every command, so that none can forget it.
const ConfigEnv = "SESSIONAUDIT_CONFIG"

// load reads the configuration from -c configFile=<path>, else from the file named by
// $SESSIONAUDIT_CONFIG, else from the sessionAudit context key of cdk.json (the example).
func load(app awscdk.App) (config.Config, error) {
	if path, ok := app.Node().TryGetContext(jsii.String("configFile")).(string); ok && path != "" {
		return config.LoadFile(path)
	}
	if path := os.Getenv(ConfigEnv); path != "" {
		return config.LoadFile(path)
	}
	raw := app.Node().TryGetContext(jsii.String("sessionAudit"))
	if raw == nil {
		return config.Config{}, &config.Error{Source: "cdk.json", Problems: []config.Problem{{
			Path: "sessionAudit", Message: `context key is missing; add it to cdk.json or pass -c configFile=<path>`, Got: "nothing",
		}}}
	}
	if s, ok := raw.(string); ok { // -c sessionAudit='{"...":...}' arrives as a string
		return config.Parse([]byte(s), "context sessionAudit")
	}
	data, err := json.Marshal(raw)
	if err != nil {
		return config.Config{}, err
	}
	return config.Parse(data, "cdk.json context sessionAudit")
}

// closeRuntime stops the jsii runtime. jsii-runtime-go v1.139.0 reaps the node process from two
// goroutines at once and, now and then, the loser prints "Runtime process exited abnormally:
// waitid: no child processes" after a clean exit. Everything the app had to say has been said (and
// the cloud assembly written) by now, so stderr is muted for the shutdown only.
func closeRuntime() {
	if devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		os.Stderr = devNull
	}
	jsii.Close()
}
