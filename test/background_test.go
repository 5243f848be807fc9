package test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The commands the tests check that run outside this process (the app binary, the CDK CLI) start
// in the background when TestMain starts, one after the other, so that they use the second core
// while the tests synthesize in this process's jsii runtime; a test waits for its command's
// result (waitCommand). Only the commands of the tests that -run selects start.

// commandResult is what one background command did.
type commandResult struct {
	code           int    // exit status
	stdout, stderr string // its output
	outdir         string // the CDK_OUTDIR it was given, if any
	err            error  // it could not run at all (not an exit status)
}

// command is one background command: the tests that read it, how to run it, and its result once
// done is closed.
type command struct {
	tests   []string
	run     func() commandResult
	started bool
	done    chan struct{}
	result  commandResult
}

// The background commands, by name.
const (
	cmdBadConfigFile   = "app, -c configFile=testdata/bad-config.json"
	cmdExampleWithCred = "app, the example with credentials at hand"
	cmdOwnConfig       = "app, SESSIONAUDIT_CONFIG=testdata/other-org.json in the permissions phase, with credentials"
	cmdBadConfigEnv    = "app, SESSIONAUDIT_CONFIG=testdata/bad-config.json"
	cmdCLIContext      = "the pinned CDK CLI's context for cdk.json"
)

// commands are the background commands in the order they run; TestMain fills them in
// (startCommands).
var commands = map[string]*command{}

// startCommands starts, in one goroutine, the commands of the tests the -run pattern selects.
// wait blocks until every started command is done.
func startCommands() (wait func()) {
	exampleContext := func() string {
		ctx, err := cdkContext()
		if err != nil {
			return "{}"
		}
		data, _ := json.Marshal(ctx)
		return string(data)
	}()
	app := func(env ...string) func() commandResult {
		return func() commandResult {
			bin, err := buildApp()
			if err != nil {
				return commandResult{err: err}
			}
			out := mustTempDir()
			return runCommand(exec.Command(bin), append(env, "CDK_OUTDIR="+out), out)
		}
	}
	order := []string{cmdBadConfigFile, cmdExampleWithCred, cmdOwnConfig, cmdBadConfigEnv, cmdCLIContext}
	commands[cmdBadConfigFile] = &command{tests: []string{"TestAppRejectsBadConfigFile"},
		run: app(`CDK_CONTEXT_JSON={"configFile":"testdata/bad-config.json"}`)}
	commands[cmdExampleWithCred] = &command{tests: []string{"TestExampleCannotBeDeployed"},
		run: app("CDK_DEFAULT_ACCOUNT=999999999999", "CDK_CONTEXT_JSON="+exampleContext)}
	// One run serves two tests: the app reads SESSIONAUDIT_CONFIG (TestExampleCannotBeDeployed)
	// and make cost reads what it wrote for a first rollout (TestCostOnWhatTheAppWrites).
	commands[cmdOwnConfig] = &command{tests: []string{"TestExampleCannotBeDeployed", "TestCostOnWhatTheAppWrites"},
		run: func() commandResult {
			cfgFile, err := firstRolloutConfig()
			if err != nil {
				return commandResult{err: err}
			}
			return app("CDK_DEFAULT_ACCOUNT=999999999999", "SESSIONAUDIT_CONFIG="+cfgFile, "CDK_CONTEXT_JSON="+exampleContext)()
		}}
	commands[cmdBadConfigEnv] = &command{tests: []string{"TestExampleCannotBeDeployed"},
		run: app("SESSIONAUDIT_CONFIG=testdata/bad-config.json", "CDK_CONTEXT_JSON="+exampleContext)}
	commands[cmdCLIContext] = &command{tests: []string{"TestMatrixContextIsTheCLIs"}, run: cliContext}

	selected := selectedTests()
	var started []*command
	for _, name := range order {
		c := commands[name]
		c.done = make(chan struct{})
		for _, test := range c.tests {
			if selected(test) {
				c.started = true
				started = append(started, c)
				break
			}
		}
	}
	go func() {
		for _, c := range started {
			c.result = c.run()
			close(c.done)
		}
	}()
	return func() {
		for _, c := range started {
			<-c.done
		}
	}
}

// selectedTests reports whether -test.run selects a top-level test (its first element, as the
// testing package matches it; no pattern selects every test).
func selectedTests() func(string) bool {
	f := flag.Lookup("test.run")
	if f == nil || f.Value.String() == "" {
		return func(string) bool { return true }
	}
	re, err := regexp.Compile(strings.SplitN(f.Value.String(), "/", 2)[0])
	if err != nil {
		return func(string) bool { return true }
	}
	return re.MatchString
}

// waitCommand returns the result of a background command; it fails the test when the command
// could not run or was not started for it.
func waitCommand(t *testing.T, name string) commandResult {
	t.Helper()
	c, ok := commands[name]
	if !ok {
		t.Fatalf("background command %q is not known (startCommands)", name)
	}
	if !c.started {
		t.Fatalf("background command %q was not started: -run selects none of %v", name, c.tests)
	}
	<-c.done
	if c.result.err != nil {
		t.Fatalf("%s: %v", name, c.result.err)
	}
	return c.result
}

// runCommand runs cmd with this process's environment (without SESSIONAUDIT_CONFIG) plus env.
func runCommand(cmd *exec.Cmd, env []string, outdir string) commandResult {
	cmd.Env = append(environWithoutConfig(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := commandResult{stdout: stdout.String(), stderr: stderr.String(), outdir: outdir}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		res.err = err
	}
	return res
}

// buildApp builds the app into the binary cdk.json's app runs (../bin/sessionaudit, as make build
// does): go build leaves an up-to-date binary as it is, so neither this run nor the next make synth
// links the app again. The first background command builds it.
func buildApp() (string, error) {
	path, err := filepath.Abs(filepath.Join("..", "bin", "sessionaudit"))
	if err != nil {
		return "", err
	}
	if out, err := exec.Command("go", "build", "-o", path, "..").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return path, nil
}

// cliContext runs the pinned CDK CLI with an app that writes the context it was given (in
// stdout of the result) and stops; the CLI then fails to read an assembly, which does not matter.
func cliContext() commandResult {
	cli, err := filepath.Abs("../node_modules/.bin/cdk")
	if err != nil {
		return commandResult{err: err}
	}
	if _, err := os.Stat(cli); err != nil {
		return commandResult{err: fmt.Errorf("the pinned CDK CLI is not installed (npm ci, or make deps): %v", err)}
	}
	dir := mustTempDir()
	dump := filepath.Join(dir, "context.json")
	cmd := exec.Command(cli, "synth", "--no-notices", "--output", filepath.Join(dir, "cdk.out"),
		"--app", `node -e "require('fs').writeFileSync(process.env.CONTEXT_DUMP, process.env.CDK_CONTEXT_JSON)"`)
	cmd.Dir = ".."
	res := runCommand(cmd, []string{"CONTEXT_DUMP=" + dump, "CDK_DISABLE_CLI_TELEMETRY=true"}, "")
	data, err := os.ReadFile(dump)
	if err != nil {
		return commandResult{err: fmt.Errorf("the CLI did not run the app: %v\n%s%s", err, res.stdout, res.stderr)}
	}
	res.stdout = string(data)
	return res
}
