// Command matrix synthesizes the configuration matrix of make test in one process, with one jsii
// runtime: each configuration file given becomes a cloud assembly of its own, <out>/<file name
// without .json>/, written as `cdk synth -c configFile=<file>` writes cdk.out (the CLI's context,
// package assembly), with aws-cdk-lib's CloudFormation validator off (make synth runs it on the
// example). make security then runs on each directory (CDK_OUT=<dir>).
//
//	go run ./test/matrix -out cdk.out.matrix test/testdata/other-org.json ...
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/assembly"
	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/invalid"
)

func main() {
	os.Exit(run())
}

// Exit statuses as the app's: 0 every configuration synthesized, 2 invalid input, 1 anything else.
func run() int {
	out := flag.String("out", "cdk.out.matrix", "directory that receives one cloud assembly per configuration")
	cdkJSON := flag.String("cdk-json", "cdk.json", "the cdk.json whose context the CLI would pass")
	printContext := flag.Bool("print-context", false, "print the context the app gets for the config file given (or the example) as JSON and exit (make bench)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: matrix [-out dir] [-cdk-json path] config.json...\n       matrix -print-context [config.json]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *printContext {
		return printJSONContext(*cdkJSON, flag.Arg(0))
	}
	if flag.NArg() == 0 {
		flag.Usage()
		return 2
	}
	// The jsii runtime keeps the environment it started with, and a package's initialization may
	// start it before main: the validator is off only when the environment says so (it runs in
	// make synth).
	if os.Getenv("CDK_VALIDATION") != "false" {
		fmt.Fprintf(os.Stderr, "matrix: run with CDK_VALIDATION=false in the environment (got %q); make test-config does\n", os.Getenv("CDK_VALIDATION"))
		return 2
	}
	defer closeRuntime()
	base, err := assembly.CLIContext(*cdkJSON)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	dirs := map[string]string{}
	for _, file := range flag.Args() {
		dir := filepath.Join(*out, strings.TrimSuffix(filepath.Base(file), ".json"))
		if other, dup := dirs[dir]; dup {
			fmt.Fprintf(os.Stderr, "%s and %s would both write %s\n", other, file, dir)
			return 2
		}
		dirs[dir] = file
	}
	for _, file := range flag.Args() {
		if code := synth(base, file, filepath.Join(*out, strings.TrimSuffix(filepath.Base(file), ".json"))); code != 0 {
			return code
		}
	}
	return 0
}

// printJSONContext prints the CLI's context for cdk.json, with configFile when file is given.
func printJSONContext(cdkJSON, file string) int {
	ctx, err := assembly.CLIContext(cdkJSON)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if file != "" {
		abs, err := filepath.Abs(file)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		ctx["configFile"] = abs
	}
	data, err := json.Marshal(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(string(data))
	return 0
}

// synth writes the assembly of one configuration file into dir, from an empty directory.
func synth(base map[string]any, file, dir string) int {
	start := time.Now()
	abs, err := filepath.Abs(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	cfg, err := config.LoadFile(abs)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	for _, w := range cfg.Warnings() {
		fmt.Fprintf(os.Stderr, "%s: warning: %s\n", file, w)
	}
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ctx := map[string]any{"configFile": abs}
	for k, v := range base {
		if k != "configFile" {
			ctx[k] = v
		}
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir), Context: &ctx})
	if err := assembly.Synth(app, cfg); err != nil {
		fmt.Fprintf(os.Stderr, "%s: error: %v\n", file, err)
		var props *invalid.PropsError
		if errors.As(err, &props) {
			return 2
		}
		return 1
	}
	templates, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	fmt.Printf("    %s: %d stacks in %s (%.1f s)\n", file, len(templates), dir, time.Since(start).Seconds())
	return 0
}

// closeRuntime stops the jsii runtime with stderr muted, as the app does (app.go, closeRuntime):
// jsii-runtime-go may report a clean exit as "waitid: no child processes".
func closeRuntime() {
	if devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		os.Stderr = devNull
	}
	jsii.Close()
}
