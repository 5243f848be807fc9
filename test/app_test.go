package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/constructs/acknowledge"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// TestAppRejectsBadConfigFile runs the built app the way the CDK CLI does (context in
// CDK_CONTEXT_JSON) on a config file with several mistakes.
func TestAppRejectsBadConfigFile(t *testing.T) {
	res := waitCommand(t, cmdBadConfigFile)
	if res.code != 2 {
		t.Fatalf("want exit code 2, got %d\nstderr: %s", res.code, res.stderr)
	}
	got := res.stderr
	want := []string{
		"invalid configuration in testdata/bad-config.json (6 problems):",
		`  organizationId: must be "o-" followed by 10 to 32 lowercase letters or digits (got "o-EXAMPLE")`,
		`  logArchiveAccountId: must be a 12-digit AWS account ID (got "2222")`,
		`  regions: must include homeRegion "ap-northeast-1" (got ["us-east-1"])`,
		`  session.idleTimeout: is not a known field; did you mean idleSessionTimeoutMinutes? Expected one of`,
		`  session.idleSessionTimeoutMinutes: must be between 1 and 60 (got 90)`,
		`  retention.objectLockMode: must be "GOVERNANCE", "COMPLIANCE" or "NONE" (got "governance")`,
	}
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("stderr lacks %q\nstderr:\n%s", w, got)
		}
	}
	for _, bad := range []string{"panic:", "goroutine", "jsii", "at Object."} {
		if strings.Contains(got, bad) {
			t.Errorf("stderr shows %q:\n%s", bad, got)
		}
	}
	if res.stdout != "" {
		t.Errorf("stdout should be empty, got %q", res.stdout)
	}
}

// The example organization synthesizes (for make synth and the tests) but says it cannot be
// deployed when AWS credentials are at hand, and every template of it carries a rule that stops a
// deploy; SESSIONAUDIT_CONFIG names the configuration for every command.
func TestExampleCannotBeDeployed(t *testing.T) {
	res := waitCommand(t, cmdExampleWithCred)
	code, stderr, out := res.code, res.stderr, res.outdir
	if code != 0 || !strings.Contains(stderr, "warning: this is the example organization of cdk.json (o-exampleorg1); its templates cannot be deployed") {
		t.Errorf("example with credentials: exit %d, stderr:\n%s", code, stderr)
	}
	for _, name := range []string{stacks.MemberStackName, stacks.LogArchiveStackName, stacks.MemberStackSetStackName} {
		data, err := os.ReadFile(filepath.Join(out, name+".template.json"))
		if err != nil {
			t.Fatal(err)
		}
		var tmpl map[string]any
		_ = json.Unmarshal(data, &tmpl)
		param, _ := jsonPath(tmpl, "Parameters", stacks.ExampleParameterName).(map[string]any)
		if param == nil || param["Default"] != nil || param["MinLength"] != 1.0 || param["AllowedPattern"] != "^$" ||
			!strings.Contains(jsonString(param["Description"]), "cannot be deployed") {
			t.Errorf("%s: no parameter that stops a deploy: %v", name, param)
		}
	}
	// Every template is written without the rule packs' acknowledgments, which go next to it.
	for _, name := range []string{stacks.MemberStackName, stacks.LogArchiveStackName} {
		data, _ := os.ReadFile(filepath.Join(out, name+".template.json"))
		var acks map[string]any
		ackData, _ := os.ReadFile(filepath.Join(out, name+acknowledge.FileSuffix))
		if strings.Contains(string(data), "cdk_nag") || json.Unmarshal(ackData, &acks) != nil || len(acks) == 0 {
			t.Errorf("%s: acknowledgments are not next to the template (%d in %s%s)", name, len(acks), name, acknowledge.FileSuffix)
		}
		var copied map[string]any
		_ = jsonRoundTrip(defaultApp.templates[name], &copied)
		equalJSON(t, name+" acknowledgments", acks, acknowledge.Extract(copied))
	}
	if _, err := os.Stat(filepath.Join(out, "sessionaudit.config.json")); err != nil {
		t.Errorf("the configuration used is not next to the templates: %v", err)
	}
	res = waitCommand(t, cmdOwnConfig)
	code, stderr, out = res.code, res.stderr, res.outdir
	if code != 0 || strings.Contains(stderr, "warning") {
		t.Errorf("own config: exit %d, stderr:\n%s", code, stderr)
	}
	data, _ := os.ReadFile(filepath.Join(out, stacks.MemberStackName+".template.json"))
	if strings.Contains(string(data), stacks.ExampleParameterName) || !strings.Contains(string(data), "345678901234") {
		t.Errorf("own config: member template has the example rule, or not the config's log-archive account")
	}
	if res := waitCommand(t, cmdBadConfigEnv); res.code != 2 || !strings.Contains(res.stderr, "invalid configuration in testdata/bad-config.json") {
		t.Errorf("SESSIONAUDIT_CONFIG is not read: exit %d\n%s", res.code, res.stderr)
	}
}

// environWithoutConfig is this process's environment without SESSIONAUDIT_CONFIG: the tests that
// run the app say which configuration they mean, whatever the person running them exported.
func environWithoutConfig() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SESSIONAUDIT_CONFIG=") {
			out = append(out, kv)
		}
	}
	return out
}
