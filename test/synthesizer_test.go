package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/sessionaudit/sessionaudit/stacks"
)

// The member and management stacks need no CDK bootstrap: their synthesizer names no template
// asset and no bootstrap version (the CLI then sends the template inline, see stacks/kinds.go);
// only the log-archive stacks are bootstrapped. test/security/templatesize.test.js measures the
// inline templates as the CLI does.
func TestBootstrapFreeStacks(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(*defaultApp.app.Synth(nil).Directory(), "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Artifacts map[string]struct {
			Type       string         `json:"type"`
			Properties map[string]any `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	free := map[string]bool{stacks.MemberStackName: true, stacks.SignInStackName: true, stacks.ForwardersStackName: true,
		stacks.GuardrailsStackName: true, stacks.MemberStackSetStackName: true}
	seen := 0
	for name, a := range m.Artifacts {
		if a.Type != "aws:cloudformation:stack" { // as the CLI reads manifest.json
			continue
		}
		bootstrapped := a.Properties["stackTemplateAssetObjectUrl"] != nil || a.Properties["requiresBootstrapStackVersion"] != nil
		if free[name] && bootstrapped {
			t.Errorf("%s needs a bootstrap: %v", name, a.Properties)
		}
		if !free[name] && !bootstrapped {
			t.Errorf("%s is not expected to deploy without a bootstrap", name)
		}
		if free[name] {
			seen++
			if tmpl := defaultApp.templates[name]; jsonPath(tmpl, "Rules", "CheckBootstrapVersion") != nil || jsonPath(tmpl, "Parameters", "BootstrapVersion") != nil {
				t.Errorf("%s checks a bootstrap version", name)
			}
		}
	}
	if seen != len(free) {
		t.Errorf("found %d of the %d bootstrap-free stacks", seen, len(free))
	}
}
