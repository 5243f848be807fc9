package doccheck

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// schemaDefaults are the defaults of config/schema.json, by field path (session.encryptionKey),
// rendered as the docs write them: a string bare, anything else as JSON.
func schemaDefaults(t *testing.T) map[string]string {
	t.Helper()
	var schema map[string]any
	if err := json.Unmarshal([]byte(readDoc(t, "config/schema.json")), &schema); err != nil {
		t.Fatalf("config/schema.json: %v", err)
	}
	out := map[string]string{}
	var walk func(prefix string, node map[string]any)
	walk = func(prefix string, node map[string]any) {
		props, _ := node["properties"].(map[string]any)
		for name, p := range props {
			field, _ := p.(map[string]any)
			path := strings.TrimPrefix(prefix+"."+name, ".")
			if d, ok := field["default"]; ok {
				if s, ok := d.(string); ok {
					out[path] = s
				} else {
					b, _ := json.Marshal(d)
					out[path] = string(b)
				}
			}
			walk(path, field)
		}
	}
	walk("", schema)
	if len(out) < 10 {
		t.Fatalf("config/schema.json: only %d defaults found", len(out))
	}
	return out
}

// fieldMention is a configuration field in code spans: `session.encryptionKey`.
var fieldMention = regexp.MustCompile("`([a-zA-Z]+(?:\\.[a-zA-Z]+)+)`")

// defaultProblems lists the places of a document's prose where a configuration field is followed
// (within a few words) by "default" without the schema's value in a code span, before or right
// after the word, and without a link to the reference in the same sentence.
func defaultProblems(prose string, defaults map[string]string) []string {
	var out []string
	near := regexp.MustCompile(`^[^.;|]{0,50}?\bdefault\b`)
	code := regexp.MustCompile("`([^`]*)`")
	for _, sentence := range regexp.MustCompile(`[.;]\s|\|`).Split(prose, -1) {
		if strings.Contains(sentence, "config-reference.md") {
			continue
		}
		for _, m := range fieldMention.FindAllStringSubmatchIndex(sentence, -1) {
			field := sentence[m[2]:m[3]]
			want, ok := defaults[field]
			rest := sentence[m[1]:]
			loc := near.FindStringIndex(rest)
			if !ok || loc == nil {
				continue
			}
			// The value: a code span between the field and "default", or the first one after it.
			window := rest[:loc[1]]
			if after := code.FindStringSubmatch(strings.TrimLeft(rest[loc[1]:], ": ")); after != nil && strings.HasPrefix(strings.TrimLeft(rest[loc[1]:], ": "), "`") {
				window += after[0]
			}
			found := false
			for _, v := range code.FindAllStringSubmatch(window, -1) {
				found = found || strings.Trim(v[1], `"`) == strings.Trim(want, `"`)
			}
			if !found {
				out = append(out, fmt.Sprintf("%q names %s and a default; the schema's default is %s: write it as a code span next to \"default\", or link config-reference.md", strings.TrimSpace(sentence), field, want))
			}
		}
	}
	return out
}

// A document that names a field's default says the schema's (config/schema.json, the one
// source) or links the reference: docs/deploy.md once gave notifications.signInRegions a default
// of four regions while the schema's is none.
func TestDocsStateTheSchemasDefaults(t *testing.T) {
	defaults := schemaDefaults(t)
	if defaults["notifications.signInRegions"] != "[]" || defaults["session.encryptionKey"] != "organization" {
		t.Fatalf("defaults read wrong: %v", defaults)
	}
	for _, file := range documents(t) {
		if file == "docs/config-reference.md" {
			continue // generated from the schema (config.TestConfigReferenceIsCurrent)
		}
		for _, p := range defaultProblems(docText(readDoc(t, file)), defaults) {
			t.Errorf("%s: %s", file, p)
		}
	}
	// The check can fail: the old sentence of docs/deploy.md is refused, a right one passes.
	old := "the sign-in rule runs in every governed region and in `notifications.signInRegions` (default: those four). Next"
	if len(defaultProblems(old, defaults)) != 1 || len(defaultProblems("`session.encryptionKey` (default `account`)", defaults)) != 1 {
		t.Error("a wrong default is not found")
	}
	for _, ok := range []string{
		"`session.encryptionKey` (default `organization`) is kept",
		"(`session.encryptionKey` `organization`, the default)",
		"`notifications.signInRegions` (its default: [config-reference.md](config-reference.md))",
		"the Default Host Management Configuration role (default `AWSSystemsManagerDefaultEC2InstanceManagementRole`) in `session.instanceRoleNames`",
	} {
		if got := defaultProblems(ok, defaults); len(got) != 0 {
			t.Errorf("a right sentence is refused: %v", got)
		}
	}
}
