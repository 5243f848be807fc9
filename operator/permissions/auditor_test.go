package permissions

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// actionsOfStatements are the actions of the Allow statements of a policy document (decoded JSON,
// or as AuditorPolicy builds it).
func actionsOfStatements(t *testing.T, statements []any) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for i, raw := range statements {
		s, ok := raw.(map[string]any)
		if !ok || s["Effect"] != "Allow" {
			continue
		}
		switch a := s["Action"].(type) {
		case string:
			out[a] = true
		case []string:
			for _, v := range a {
				out[v] = true
			}
		case []any:
			for _, x := range a {
				if v, ok := x.(string); ok {
					out[v] = true
				}
			}
		default:
			t.Errorf("statement %d: Action is neither a string nor a list: %v", i, s["Action"])
		}
	}
	return out
}

// The auditor policy the log-archive stack outputs (AuditorPolicyArn; the golden template, which
// TestGoldenTemplates keeps equal to the synthesized one) grants every action sessionaudit policy
// -auditor prints.
func TestStackAuditorPolicyGrantsPolicyAuditor(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "test", "testdata", "SessionAudit-LogArchive.template.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]struct {
			Type       string
			Properties struct{ PolicyDocument struct{ Statement []any } }
		}
	}
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	var stack map[string]bool
	for id, r := range tpl.Resources {
		if r.Type == "AWS::IAM::ManagedPolicy" && strings.HasPrefix(id, "ArchiveSearchAuditorPolicy") {
			stack = actionsOfStatements(t, r.Properties.PolicyDocument.Statement)
		}
	}
	if len(stack) == 0 {
		t.Fatalf("no ArchiveSearchAuditorPolicy with actions in the log-archive template")
	}
	cli := actionsOfStatements(t, AuditorPolicy("Auditor")["Statement"].([]any))
	for _, a := range AuditorActions() {
		if !cli[a] {
			t.Errorf("policy -auditor does not grant %s, which the commands call", a)
		}
	}
	delete(cli, "sts:AssumeRole") // the caller's own policy, outside the log-archive account
	if len(cli) < 10 {
		t.Fatalf("policy -auditor has only %d actions: %v", len(cli), cli)
	}
	for a := range cli {
		if !stack[a] {
			t.Errorf("the stack's auditor policy does not grant %s, which policy -auditor needs", a)
		}
	}
}
