package test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"sort"
	"testing"
)

// TestGoldenTemplates compares every synthesized template of the default app with its snapshot in
// testdata/. Regenerate them only on purpose: go test ./test -update (and review the diff).
func TestGoldenTemplates(t *testing.T) {
	names := make([]string, 0, len(defaultApp.templates))
	for name := range defaultApp.templates {
		names = append(names, name)
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("the default app synthesized no stacks")
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			golden(t, filepath.Join("testdata", name+".template.json"), defaultApp.templates[name])
		})
	}
	// A snapshot without a stack is stale.
	files, _ := filepath.Glob(filepath.Join("testdata", "*.template.json"))
	for _, f := range files {
		name := filepath.Base(f)
		name = name[:len(name)-len(".template.json")]
		if _, ok := defaultApp.templates[name]; !ok {
			t.Errorf("%s has no stack any more; delete it", f)
		}
	}
}

func firstDifference(want, got []byte) string {
	wl, gl := bytes.Split(want, []byte("\n")), bytes.Split(got, []byte("\n"))
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g []byte
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if !bytes.Equal(w, g) {
			return "first difference at line " + itoa(i+1) + ":\n  golden: " + string(w) + "\n  synth:  " + string(g)
		}
	}
	return ""
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
