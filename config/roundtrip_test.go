package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// matrixConfigs are the configurations of make test's matrix (the Makefile's CONFIG_MATRIX, one
// place), relative to the repository root.
func matrixConfigs(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	// CONFIG_MATRIX := a.json b.json \
	//                  c.json
	var files []string
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		rest, ok := strings.CutPrefix(lines[i], "CONFIG_MATRIX :=")
		if !ok {
			continue
		}
		for {
			more := strings.HasSuffix(strings.TrimSpace(rest), `\`)
			files = append(files, strings.Fields(strings.TrimSuffix(strings.TrimSpace(rest), `\`))...)
			if !more || i+1 >= len(lines) {
				break
			}
			i++
			rest = lines[i]
		}
	}
	if len(files) == 0 {
		t.Fatal("the Makefile has no CONFIG_MATRIX := line")
	}
	return files
}

// TestWrittenConfigLoads: the configuration the app writes next to the templates (Marshal, as
// app.go writes cdk.out/sessionaudit.config.json) loads again and is the same configuration, for
// the example of cdk.json and every configuration of make test's matrix. (Before Marshal left unset
// session settings out, it wrote "shellProfileLinux": null, which the schema refuses.)
func TestWrittenConfigLoads(t *testing.T) {
	example, _ := json.Marshal(defaultConfig(t))
	sources := map[string][]byte{"cdk.json": example}
	for _, f := range matrixConfigs(t) {
		data, err := os.ReadFile(filepath.Join("..", f))
		if err != nil {
			t.Fatalf("CONFIG_MATRIX names %s: %v", f, err)
		}
		sources[f] = data
	}
	for name, data := range sources {
		t.Run(name, func(t *testing.T) {
			first, err := Parse(data, name)
			if err != nil {
				t.Fatalf("the configuration itself does not load: %v", err)
			}
			written, err := Marshal(first)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse(written, "written "+name)
			if err != nil {
				t.Fatalf("the written configuration does not load:\n%v\nwritten:\n%s", err, written)
			}
			if !reflect.DeepEqual(first, again) {
				t.Errorf("loaded again it differs:\n got  %+v\n want %+v", again, first)
			}
			if strings.Contains(string(written), "null") {
				t.Errorf("the written configuration holds a null, which the schema has for no field:\n%s", written)
			}
		})
	}
}

// A configuration with every optional session setting set keeps them through Marshal, and one with
// none leaves them out (kept in each account), rather than writing null.
func TestMarshalKeepsSetSessionSettings(t *testing.T) {
	c := defaultConfig(t)
	c["session"] = map[string]any{"idleSessionTimeoutMinutes": 1, "maxSessionDurationMinutes": 1440, "runAsEnabled": true,
		"runAsDefaultUser": "ec2-user", "shellProfileLinux": "", "shellProfileWindows": "$Host.UI"}
	data, _ := json.Marshal(c)
	set, err := Parse(data, "set")
	if err != nil {
		t.Fatal(err)
	}
	written, err := Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(written, "written")
	if err != nil {
		t.Fatalf("%v\n%s", err, written)
	}
	if !reflect.DeepEqual(set.Session, again.Session) || again.Session.ShellProfileLinux == nil || *again.Session.ShellProfileLinux != "" {
		t.Errorf("session settings changed through Marshal: %+v, want %+v", again.Session, set.Session)
	}
	none, err := Marshal(defaults())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"idleSessionTimeoutMinutes", "maxSessionDurationMinutes", "runAsEnabled", "runAsDefaultUser", "shellProfileLinux", "shellProfileWindows"} {
		if strings.Contains(string(none), `"`+f+`"`) {
			t.Errorf("unset %s is written:\n%s", f, none)
		}
	}
}
