package config

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// topLevelFields is the "expected one of" list of an unknown top-level field.
const topLevelFields = "delegatedAdmin, forwarders, guardrails, homeRegion, logArchiveAccountId, managementAccountId, notifications, organizationId, rdpRecording, regions, retention, rollout, search, session, stackSet, targetOrganizationalUnitIds"

// An unknown field names the known field it is close to: within two edits, or sharing a prefix
// or contained in it; nothing when none is close.
func TestUnknownFieldsSayDidYouMean(t *testing.T) {
	runBadConfigs(t, []badConfig{
		{"transposed letters", func(c map[string]any) { c["regoins"] = []any{} },
			[]string{`regoins: is not a known field; did you mean regions? Expected one of ` + topLevelFields + ` (got [])`}},
		{"other case", func(c map[string]any) { c["HomeRegion"] = "us-east-1" },
			[]string{`HomeRegion: is not a known field; did you mean homeRegion? Expected one of ` + topLevelFields + ` (got "us-east-1")`}},
		{"shared prefix, two candidates", func(c map[string]any) { c["session"].(map[string]any)["runAs"] = true },
			[]string{`session.runAs: is not a known field; did you mean runAsDefaultUser or runAsEnabled? Expected one of cloudWatchStreaming, encryptionKey, idleSessionTimeoutMinutes, instanceRoleNames, maxSessionDurationMinutes, runAsDefaultUser, runAsEnabled, shellProfileLinux, shellProfileWindows (got true)`}},
		{"nothing close", func(c map[string]any) { c["zzz"] = 1 },
			[]string{`zzz: is not a known field; expected one of ` + topLevelFields + ` (got 1)`}},
	})
}

func TestSuggest(t *testing.T) {
	known := []string{"regions", "homeRegion", "retention", "rollout", "search", "session"}
	for unknown, want := range map[string][]string{
		"region":      {"regions"},
		"regoins":     {"regions"},
		"homeregion":  {"homeRegion"},
		"sessions":    {"session"},
		"retentionX":  {"retention"},
		"rollouts":    {"rollout"},
		"rete":        {"retention"},
		"ret":         nil, // too short for a prefix
		"archiveDays": nil,
	} {
		if got := suggest(unknown, known); !reflect.DeepEqual(got, want) {
			t.Errorf("suggest(%q) = %q, want %q", unknown, got, want)
		}
	}
}

// encoding/json matches keys case-insensitively; an unknown field of another case must not fill
// the known one (the old decoder matched exactly, and so does the schema).
func TestOtherCaseFieldIsNotDecoded(t *testing.T) {
	runBadConfigs(t, []badConfig{{"Regions instead of regions", func(c map[string]any) {
		c["Regions"] = c["regions"]
		delete(c, "regions")
	}, []string{
		`regions: is required (got nothing)`,
		`Regions: is not a known field; did you mean regions? Expected one of ` + topLevelFields + ` (got ["ap-northeast-1","us-east-1"])`,
	}}})
}

// parseWith parses the example configuration changed by patch.
func parseWith(t *testing.T, patch func(c map[string]any)) (Config, error) {
	t.Helper()
	c := defaultConfig(t)
	patch(c)
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return Parse(data, "x")
}

// Whole numbers written as decimals or with an exponent are whole numbers; one too large for Go's
// int is a problem (the old decoder silently kept the default).
func TestWholeNumbers(t *testing.T) {
	cfg, err := parseWith(t, func(c map[string]any) {
		c["retention"] = map[string]any{"cloudWatchDays": json.Number("365.0"), "archiveDays": json.Number("3e3")}
		c["search"] = map[string]any{"bytesScannedCutoffPerQuery": json.Number("20000000000")}
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Retention.CloudWatchDays != 365 || cfg.Retention.ArchiveDays != 3000 || cfg.Search.BytesScannedCutoffPerQuery != 20000000000 {
		t.Errorf("got %+v, %+v", cfg.Retention, cfg.Search)
	}
	_, err = parseWith(t, func(c map[string]any) {
		c["search"] = map[string]any{"bytesScannedCutoffPerQuery": json.Number("1e30")}
	})
	var cerr *Error
	want := "search.bytesScannedCutoffPerQuery: must be a whole number between -9223372036854775808 and 9223372036854775807 (got 1e30)"
	if !errors.As(err, &cerr) || len(cerr.Problems) != 1 || cerr.Problems[0].String() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// A section given in part keeps the schema's defaults for the fields it leaves out; a list given
// replaces the default list.
func TestSectionsKeepTheirOtherDefaults(t *testing.T) {
	cfg, err := parseWith(t, func(c map[string]any) {
		c["retention"] = map[string]any{"archiveDays": 3000}
		c["stackSet"] = map[string]any{"regionConcurrency": "SEQUENTIAL"}
		c["guardrails"] = map[string]any{"exemptPrincipalArns": []any{"arn:aws:iam::*:role/BreakGlass"}}
	})
	if err != nil {
		t.Fatal(err)
	}
	if r := cfg.Retention; r.ArchiveDays != 3000 || r.CloudWatchDays != 365 || r.ObjectLockMode != ObjectLockGovernance {
		t.Errorf("retention %+v", r)
	}
	if s := cfg.StackSet; s.RegionConcurrency != "SEQUENTIAL" || s.MaxConcurrentPercentage != 25 || s.FailureTolerancePercentage != 10 || !s.RetainStacksOnAccountRemoval {
		t.Errorf("stackSet %+v", s)
	}
	if g := cfg.Guardrails; !g.Enabled || g.UnloggedSessions != UnloggedNotify || !reflect.DeepEqual(g.ExemptPrincipalArns, []string{"arn:aws:iam::*:role/BreakGlass"}) {
		t.Errorf("guardrails %+v", g)
	}
}

// The defaults are the schema's "default" values, nothing else.
func TestDefaultsAreTheSchemas(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(defaultJSON, &doc); err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(doc["retention"])
	if string(got) != `{"archiveDays":2557,"cloudWatchDays":365,"objectLockMode":"GOVERNANCE"}` {
		t.Errorf("retention defaults %s", got)
	}
	if _, ok := doc["organizationId"]; ok {
		t.Error("a required field has a default")
	}
	if s, _ := doc["session"].(map[string]any); s == nil || s["idleSessionTimeoutMinutes"] != nil || !strings.Contains(string(defaultJSON), `"cloudWatchStreaming":true`) {
		t.Errorf("session defaults %v", doc["session"])
	}
}

// The published schema is the contract: every field of Config is in it and nothing else, and its
// defaults are the Go defaults.
func TestSchemaMatchesConfig(t *testing.T) {
	var schema map[string]any
	if err := json.Unmarshal(Schema, &schema); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, typ reflect.Type, node map[string]any, def any)
	walk = func(path string, typ reflect.Type, node map[string]any, def any) {
		props, _ := node["properties"].(map[string]any)
		fields := map[string]bool{}
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			name := strings.Split(f.Tag.Get("json"), ",")[0]
			fields[name] = true
			sub, ok := props[name].(map[string]any)
			if !ok {
				t.Errorf("%s%s is in Config but not in the schema", path, name)
				continue
			}
			defVal := reflect.ValueOf(def).FieldByName(f.Name).Interface()
			if f.Type.Kind() == reflect.Struct {
				walk(path+name+".", f.Type, sub, defVal)
				continue
			}
			if d, has := sub["default"]; has {
				got, _ := json.Marshal(defVal)
				want, _ := json.Marshal(d)
				if string(got) != string(want) && !(string(got) == "null" && string(want) == "[]") {
					t.Errorf("%s%s: schema default %s, Go default %s", path, name, want, got)
				}
			}
		}
		for name := range props {
			if !fields[name] && name != "$schema" {
				t.Errorf("%s%s is in the schema but not in Config", path, name)
			}
		}
	}
	walk("", reflect.TypeOf(Config{}), schema, defaults())
}
