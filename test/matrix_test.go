package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/sessionaudit/sessionaudit/assembly"
)

// The configuration matrix (test/matrix) synthesizes with assembly.CLIContext instead of through
// the CDK CLI: that context must be the one the pinned CLI gives the app for cdk.json, or the
// matrix would prove templates that `cdk synth` does not write (version reporting adds a resource
// to every template, which the inline size limit counts).
func TestMatrixContextIsTheCLIs(t *testing.T) {
	data := []byte(waitCommand(t, cmdCLIContext).stdout)
	var fromCLI map[string]any
	if err := json.Unmarshal(data, &fromCLI); err != nil {
		t.Fatalf("CDK_CONTEXT_JSON: %v", err)
	}
	ours, err := assembly.CLIContext("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := jsonRoundTrip(ours, &got); err != nil {
		t.Fatal(err)
	}
	for k, v := range fromCLI {
		if w, ok := got[k]; !ok || !reflect.DeepEqual(v, w) {
			t.Errorf("context %s: the CLI passes %v, assembly.CLIContext has %v", k, v, w)
		}
	}
	for k, v := range got {
		if _, ok := fromCLI[k]; !ok {
			t.Errorf("context %s: assembly.CLIContext has %v, the CLI passes nothing", k, v)
		}
	}
}

// The CLI's settings in cdk.json turn its context keys on and off (aws-cdk CLI, cxapp/exec.ts
// contextFromSettings), and CLIContext follows each.
func TestCLIContextSettings(t *testing.T) {
	for _, tc := range []struct {
		name     string
		cdkJSON  string
		want     map[string]any
		notThere []string
	}{
		{"defaults", `{"context": {"a": 1}}`,
			map[string]any{"a": 1.0, "aws:cdk:enable-path-metadata": true, "aws:cdk:enable-asset-metadata": true, "aws:cdk:version-reporting": true,
				"aws:cdk:bundling-stacks": []any{"**"}, "@aws-cdk/core:failSynthOnValidationErrors": false},
			[]string{"aws:cdk:disable-version-reporting", "aws:cdk:disable-asset-staging"}},
		{"everything off", `{"pathMetadata": false, "assetMetadata": false, "versionReporting": false, "staging": false, "bundlingStacks": ["A"]}`,
			map[string]any{"aws:cdk:disable-version-reporting": true, "aws:cdk:disable-asset-staging": true, "aws:cdk:bundling-stacks": []any{"A"}},
			[]string{"aws:cdk:enable-path-metadata", "aws:cdk:enable-asset-metadata", "aws:cdk:version-reporting"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cdk.json")
			if err := os.WriteFile(path, []byte(tc.cdkJSON), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, err := assembly.CLIContext(path)
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := jsonRoundTrip(ctx, &got); err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.want {
				if !reflect.DeepEqual(got[k], v) {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
			for _, k := range tc.notThere {
				if v, ok := got[k]; ok {
					t.Errorf("%s = %v, want no such key", k, v)
				}
			}
		})
	}
	if _, err := assembly.CLIContext(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Error("a missing cdk.json gives no error")
	}
}
