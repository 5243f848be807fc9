package config

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// docs/config-reference.md is generated from the schema; it fails here when someone edits one
// without the other.
func TestConfigReferenceIsCurrent(t *testing.T) {
	got, err := os.ReadFile("../" + ReferencePath)
	if err != nil {
		t.Fatalf("%v (run go generate ./config)", err)
	}
	want := Reference()
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(gl) || i < len(wl); i++ {
		var g, w string
		if i < len(gl) {
			g = gl[i]
		}
		if i < len(wl) {
			w = wl[i]
		}
		if g != w {
			t.Fatalf("%s is stale; run go generate ./config. First difference, line %d:\n  file:   %s\n  schema: %s", ReferencePath, i+1, g, w)
		}
	}
}

// Every field of Config has its row in the reference, with a description and a default column.
func TestConfigReferenceHasEveryField(t *testing.T) {
	ref := string(Reference())
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for i := 0; i < typ.NumField(); i++ {
			f := typ.Field(i)
			path := prefix + strings.Split(f.Tag.Get("json"), ",")[0]
			row := "| `" + path + "` | "
			at := strings.Index(ref, row)
			if at < 0 {
				t.Errorf("no row for %s in the reference", path)
				continue
			}
			line := ref[at : at+strings.Index(ref[at:], "\n")]
			if cells := strings.Split(line, " | "); len(cells) != 3 || len(cells[1]) < 10 || strings.TrimSpace(strings.TrimSuffix(cells[2], "|")) == "" {
				t.Errorf("row of %s lacks a description or a default: %s", path, line)
			}
			switch ft := f.Type; {
			case ft.Kind() == reflect.Struct:
				walk(path+".", ft)
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
				walk(path+"[].", ft.Elem())
			}
		}
	}
	walk("", reflect.TypeOf(Config{}))
}

// The reference words limits as the problems do, and shows defaults and required fields.
func TestConfigReferenceRows(t *testing.T) {
	ref := string(Reference())
	for _, want := range []string{
		"| `organizationId` | The AWS Organizations ID. String; must be \"o-\" followed by 10 to 32 lowercase letters or digits. | required |",
		"| `session.idleSessionTimeoutMinutes` | Idle sessions end after this many minutes. Default: each account's preferences keep their value (AWS's default: 20). Whole number from 1 to 60. | not set |",
		"| `retention.objectLockMode` | Object Lock mode of the central bucket, or NONE. One of `GOVERNANCE`, `COMPLIANCE` or `NONE`. | `\"GOVERNANCE\"` |",
		"Unique. At least 1. Must hold at most 50 entries, the most one StackSet operation takes; target a parent OU or the root instead. | required |",
		"| `forwarders[].name` | Name of the subscription filter; unique among the forwarders. String; must be 1 to 64 of A-Z a-z 0-9 . _ -. | required |",
	} {
		if !strings.Contains(ref, want) {
			t.Errorf("reference lacks\n  %s", want)
		}
	}
}

// config/cdk-json.schema.json applies schema.json to cdk.json's context key (by reference, not a
// copy): cdk.json validates with it, and a bad sessionAudit key fails it.
func TestCdkJSONSchemaUsesTheSchema(t *testing.T) {
	wrapper, err := os.ReadFile("cdk-json.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(wrapper, []byte(`"$ref": "schema.json"`)) {
		t.Fatal(`cdk-json.schema.json must apply schema.json by "$ref", not a copy of it`)
	}
	c := jsonschema.NewCompiler()
	for name, data := range map[string][]byte{"cdk-json.schema.json": wrapper, "schema.json": Schema} {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.AddResource("https://github.com/sessionaudit/sessionaudit/config/"+name, doc); err != nil {
			t.Fatal(err)
		}
	}
	sch, err := c.Compile("https://github.com/sessionaudit/sessionaudit/config/cdk-json.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	cdk, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(cdk); err != nil {
		t.Errorf("cdk.json fails cdk-json.schema.json: %v", err)
	}
	var bad map[string]any
	if err := json.Unmarshal(data, &bad); err != nil {
		t.Fatal(err)
	}
	bad["context"].(map[string]any)["sessionAudit"].(map[string]any)["regoins"] = []any{}
	raw, _ := json.Marshal(bad)
	badDoc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if sch.Validate(badDoc) == nil {
		t.Error("cdk-json.schema.json accepts an unknown field in context.sessionAudit")
	}
}
