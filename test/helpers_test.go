package test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
)

// check runs an aws-cdk-lib assertion, which panics on failure, and reports the failure on t.
func check(t *testing.T, what string, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, firstLines(fmt.Sprint(r), 25))
		}
	}()
	assertion()
}

func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	return strings.Join(lines, "\n")
}

// resources returns the template's resources of one type, by logical ID.
func resources(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// only returns the single resource of a type, failing the test if there is not exactly one.
func only(t *testing.T, tmpl map[string]any, typ string) (string, map[string]any) {
	t.Helper()
	rs := resources(tmpl, typ)
	if len(rs) != 1 {
		t.Fatalf("want exactly one %s, got %d", typ, len(rs))
	}
	for id, r := range rs {
		return id, r
	}
	return "", nil
}

func props(r map[string]any) map[string]any { return r["Properties"].(map[string]any) }

// statements returns the statements of a policy document.
func statements(doc any) []map[string]any {
	var out []map[string]any
	m, _ := doc.(map[string]any)
	for _, s := range asAnyList(m["Statement"]) { // one statement may stand alone, not in a list
		if st, ok := s.(map[string]any); ok {
			out = append(out, st)
		}
	}
	return out
}

// statement returns the statement with the given Sid, failing the test if there is none.
func statement(t *testing.T, doc any, sid string) map[string]any {
	t.Helper()
	for _, s := range statements(doc) {
		if s["Sid"] == sid {
			return s
		}
	}
	t.Fatalf("no statement with Sid %q", sid)
	return nil
}

// asStrings returns a policy element that may be a string or a list as a sorted list.
func asStrings(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			out = append(out, jsonString(e))
		}
		sort.Strings(out)
		return out
	}
	return []string{jsonString(v)}
}

// jsonString renders a value as JSON unless it is a plain string.
func jsonString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// equalJSON compares two values after a JSON round trip of both.
func equalJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	roundTrip := func(v any) any {
		b, _ := json.Marshal(v)
		var out any
		_ = json.Unmarshal(b, &out)
		return out
	}
	got, w := roundTrip(got), roundTrip(want)
	if !reflect.DeepEqual(got, w) {
		g, _ := json.MarshalIndent(got, "", " ")
		wj, _ := json.MarshalIndent(w, "", " ")
		t.Errorf("%s:\n got: %s\nwant: %s", what, g, wj)
	}
}

// sizeOf is the size of v as compact JSON, as CloudFormation and IAM count it.
func sizeOf(v any) int {
	b, _ := json.Marshal(v)
	return len(b)
}

// asMap returns v as a JSON object, or nil when it is not one.
func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// signInsOff patches a configuration to announce no console sign-ins (and so to list no sign-in
// regions, which config refuses then).
func signInsOff(c map[string]any) {
	n := c["notifications"].(map[string]any)
	n["consoleSignIn"] = false
	delete(n, "signInRegions")
}

// inRegion returns v with every Fn::If decided for a stack of tmpl deployed in region (the
// conditions sessionaudit writes compare AWS::Region with a literal, Fn::Equals).
func inRegion(tmpl map[string]any, v any, region string) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = inRegion(tmpl, e, region)
		}
		return out
	case map[string]any:
		if f, ok := x["Fn::If"].([]any); ok && len(f) == 3 {
			if conditionHolds(tmpl, f[0].(string), region) {
				return inRegion(tmpl, f[1], region)
			}
			return inRegion(tmpl, f[2], region)
		}
		out := map[string]any{}
		for k, e := range x {
			out[k] = inRegion(tmpl, e, region)
		}
		return out
	}
	return v
}

// conditionHolds evaluates a condition of tmpl of the form Fn::Equals [Ref AWS::Region, literal]
// (either order) for a stack in region; any other condition panics.
func conditionHolds(tmpl map[string]any, name, region string) bool {
	eq, ok := jsonPath(tmpl, "Conditions", name, "Fn::Equals").([]any)
	if !ok || len(eq) != 2 {
		panic("condition " + name + " is not an Fn::Equals")
	}
	side := func(v any) string {
		if s, ok := v.(string); ok {
			return s
		}
		if jsonPath(v, "Ref") == "AWS::Region" {
			return region
		}
		panic(fmt.Sprintf("condition %s compares %v", name, v))
	}
	return side(eq[0]) == side(eq[1])
}

// preferencesIn is the member preferences document's content for a node in region, with
// references rendered as renderJoin renders them.
func preferencesIn(t *testing.T, member map[string]any, region string) map[string]any {
	t.Helper()
	_, doc := only(t, member, sessionprefs.ResourceType)
	text := renderJoin(t, inRegion(member, props(doc)["Content"], region))
	var content map[string]any
	if err := json.Unmarshal([]byte(text), &content); err != nil {
		t.Fatalf("document content is not JSON once references are filled in: %v\n%s", err, text)
	}
	return content
}

// contentJoins are the Fn::Join item lists of the member preferences document: one per region
// variant (Fn::If branch).
func contentJoins(doc map[string]any) [][]any {
	var out [][]any
	var walk func(v any)
	walk = func(v any) {
		if j, ok := jsonPath(v, "Fn::Join").([]any); ok && len(j) == 2 {
			out = append(out, j[1].([]any))
			return
		}
		if f, ok := jsonPath(v, "Fn::If").([]any); ok && len(f) == 3 {
			walk(f[1])
			walk(f[2])
		}
	}
	walk(props(doc)["Content"])
	return out
}

// receiverStacks are the app's receiver stacks, in the order of the governed regions.
func receiverStacks(app *synthesized) []awscdk.Stack {
	var out []awscdk.Stack
	for _, region := range app.cfg.Regions {
		if r := app.stacks.Receivers[region]; r != nil {
			out = append(out, r.Stack)
		}
	}
	return out
}

// joined renders a value as the text CloudFormation would make of it: an Fn::Join of literal parts
// as their concatenation, any other intrinsic as its JSON (so that a reference is visible as one).
func joined(v any) string {
	if j, ok := jsonPath(v, "Fn::Join").([]any); ok && len(j) == 2 {
		sep, _ := j[0].(string)
		var parts []string
		for _, p := range asAnyList(j[1]) {
			parts = append(parts, joined(p))
		}
		return strings.Join(parts, sep)
	}
	return jsonString(v)
}
