// Package test holds the tests that synthesize CDK stacks. They live in one package so that one
// jsii runtime serves them all, and the default app is synthesized once (TestMain).
package test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/stacks"
)

var update = flag.Bool("update", false, "rewrite the golden templates in testdata/")

// defaultApp is the app synthesized once from the default config embedded in cdk.json.
var defaultApp *synthesized

func TestMain(m *testing.M) {
	flag.Parse()
	// Tests prove their claims with assertions; the cfn-lint based validator runs once, on the
	// final templates, in `make synth` (see Makefile).
	os.Setenv("CDK_VALIDATION", "false")
	if os.Getenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION") == "" {
		os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	}
	ctx, err := cdkContext()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	delete(ctx, "sessionAudit")
	featureFlags = ctx
	cfg, err := defaultConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// Every synthesis of the tests writes below one directory, removed when they end (TestMain has
	// no t.TempDir).
	if tempRoot, err = os.MkdirTemp("", "sessionaudit-test-"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	// The app binary's and the CDK CLI's runs start now, beside this process's synthesis.
	waitCommands := startCommands()
	defaultApp = synth(cfg)
	code := m.Run()
	waitCommands()
	os.RemoveAll(tempRoot)
	// jsii-runtime-go may report a clean runtime exit as "waitid: no child processes" (see
	// closeRuntime in app.go); the tests have reported by now.
	if devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		os.Stderr = devNull
	}
	jsii.Close()
	os.Exit(code)
}

// synthesized is one synthesized app: its stacks and their templates.
type synthesized struct {
	app       awscdk.App
	stacks    *stacks.App
	templates map[string]map[string]any // stack name -> template
	cfg       config.Config             // the configuration it was synthesized from
}

// template returns the assertions.Template of one stack of the app.
func (s *synthesized) template(stack awscdk.Stack) assertions.Template {
	return assertions.Template_FromStack(stack, &assertions.TemplateParsingOptions{SkipCyclicalDependenciesCheck: jsii.Bool(true)})
}

// synth returns the app synthesized from cfg. A configuration is synthesized once: a later call
// with an equal configuration gets the same app and a copy of its templates (so that a test that
// changes its templates changes no other test's), as the issue on fast feedback asks (nothing
// synthesized twice for the same configuration).
func synth(cfg config.Config) *synthesized {
	key, err := json.Marshal(cfg)
	if err != nil {
		panic(err)
	}
	synthMu.Lock()
	defer synthMu.Unlock()
	s, ok := synthesizedApps[string(key)]
	if !ok {
		s = synthNew(cfg)
		synthesizedApps[string(key)] = s
	}
	c := &synthesized{cfg: s.cfg, app: s.app, stacks: s.stacks, templates: map[string]map[string]any{}}
	for name, tmpl := range s.templates {
		var t map[string]any
		if err := jsonRoundTrip(tmpl, &t); err != nil {
			panic(err)
		}
		c.templates[name] = t
	}
	return c
}

// The apps synthesized so far, by their configuration's JSON.
var (
	synthMu         sync.Mutex
	synthesizedApps = map[string]*synthesized{}
)

// synthNew synthesizes the app of cfg into a new directory below tempRoot.
func synthNew(cfg config.Config) *synthesized {
	// The same feature flags as `cdk synth`, which passes cdk.json's context to the app.
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(mustTempDir()), Context: &featureFlags})
	all := stacks.New(app, cfg)
	assembly := app.Synth(nil)
	templates := map[string]map[string]any{}
	for _, artifact := range *assembly.Stacks() {
		// The file the synthesis wrote, not artifact.Template(): that sends the whole template
		// through the jsii runtime again, which costs more than the synthesis of a small stack.
		data, err := os.ReadFile(*artifact.TemplateFullPath())
		if err != nil {
			panic(err)
		}
		var t map[string]any
		if err := json.Unmarshal(data, &t); err != nil {
			panic(err)
		}
		templates[*artifact.StackName()] = t
	}
	return &synthesized{cfg: cfg, app: app, stacks: all, templates: templates}
}

// tempRoot holds the tests' cloud assemblies (TestMain removes it).
var tempRoot string

// mustTempDir is a new directory below tempRoot, for apps built outside a test function.
func mustTempDir() string {
	dir, err := os.MkdirTemp(tempRoot, "app-")
	if err != nil {
		panic(err)
	}
	return dir
}

// featureFlags is cdk.json's context without the sessionAudit config (set by TestMain).
var featureFlags map[string]any

// cdkContext returns the context object of ../cdk.json.
func cdkContext() (map[string]any, error) {
	data, err := os.ReadFile("../cdk.json")
	if err != nil {
		return nil, err
	}
	var cdk struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &cdk); err != nil {
		return nil, err
	}
	return cdk.Context, nil
}

// defaultConfigJSON returns the sessionAudit context object of ../cdk.json.
func defaultConfigJSON() (map[string]any, error) {
	ctx, err := cdkContext()
	if err != nil {
		return nil, err
	}
	raw, ok := ctx["sessionAudit"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("cdk.json has no sessionAudit object in its context")
	}
	return raw, nil
}

func defaultConfig() (config.Config, error) {
	return configWith(nil)
}

// configWith parses the default config after patch changed its JSON form.
func configWith(patch func(c map[string]any)) (config.Config, error) {
	raw, err := defaultConfigJSON()
	if err != nil {
		return config.Config{}, err
	}
	if patch != nil {
		patch(raw)
	}
	data, _ := json.Marshal(raw)
	return config.Parse(data, "test config")
}

func mustConfigWith(t *testing.T, patch func(c map[string]any)) config.Config {
	t.Helper()
	cfg, err := configWith(patch)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}
