package assembly

import (
	"encoding/json"
	"fmt"
	"os"
)

// CLIContext returns the context `cdk synth` gives the app for the cdk.json at path: the file's
// context object plus the keys the CLI derives from its settings (aws-cdk CLI, cxapp/exec.ts
// contextFromSettings: path and asset metadata and version reporting unless cdk.json turns them
// off, bundling of every stack, synthesis not failed on validation errors). The configuration
// matrix synthesizes with it in one process, as the CLI would one app at a time; test/
// TestMatrixContextIsTheCLIs compares it with what the pinned CLI passes.
func CLIContext(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var cdk struct {
		Context          map[string]any `json:"context"`
		PathMetadata     *bool          `json:"pathMetadata"`
		AssetMetadata    *bool          `json:"assetMetadata"`
		VersionReporting *bool          `json:"versionReporting"`
		Staging          *bool          `json:"staging"`
		BundlingStacks   []string       `json:"bundlingStacks"`
	}
	if err := json.Unmarshal(data, &cdk); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ctx := map[string]any{}
	for k, v := range cdk.Context {
		ctx[k] = v
	}
	on := func(setting *bool) bool { return setting == nil || *setting }
	if on(cdk.PathMetadata) {
		ctx["aws:cdk:enable-path-metadata"] = true
	}
	if on(cdk.AssetMetadata) {
		ctx["aws:cdk:enable-asset-metadata"] = true
	}
	if on(cdk.VersionReporting) {
		ctx["aws:cdk:version-reporting"] = true
	} else {
		ctx["aws:cdk:disable-version-reporting"] = true
	}
	if !on(cdk.Staging) {
		ctx["aws:cdk:disable-asset-staging"] = true
	}
	bundling := []any{"**"}
	if cdk.BundlingStacks != nil {
		bundling = nil
		for _, s := range cdk.BundlingStacks {
			bundling = append(bundling, s)
		}
	}
	ctx["aws:cdk:bundling-stacks"] = bundling
	ctx["@aws-cdk/core:failSynthOnValidationErrors"] = false
	return ctx, nil
}
