// Package assembly writes sessionaudit's cloud assembly: the app's stacks synthesized into one
// directory, every template without its rule-pack acknowledgments (written next to it) and the
// configuration used (sessionaudit.config.json), which make security and make cost read. The app
// (app.go) and the configuration matrix of make test (test/matrix) both write it here.
package assembly

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/acknowledge"
	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// Synth creates the stacks of cfg in app, synthesizes them into the app's output directory and
// finishes the assembly there (Finish). A construct that rejects its props panics with an
// *invalid.PropsError, as aws-cdk-lib constructs throw: it comes back as the error; any other
// panic is a bug and goes on with its trace.
func Synth(app awscdk.App, cfg config.Config) error {
	if err := invalid.Catch(func() {
		stacks.New(app, cfg)
		app.Synth(nil)
	}); err != nil {
		return err
	}
	return Finish(*app.Outdir(), cfg)
}

// Finish moves the acknowledgments out of every template of the assembly in outdir and writes
// the configuration next to the templates.
func Finish(outdir string, cfg config.Config) error {
	if err := moveAcknowledgments(outdir); err != nil {
		return err
	}
	return writeConfig(outdir, cfg)
}

// moveAcknowledgments rewrites every template of the cloud assembly without its rule-pack
// acknowledgments and writes them next to it (acknowledge.FileSuffix), for make security: the CLI
// sends the bootstrap-free templates inline, which it does only up to 50 KiB (stacks.
// MaxInlineTemplateBytes). The CLI reads the templates from these files after the app exits.
func moveAcknowledgments(outdir string) error {
	files, err := filepath.Glob(filepath.Join(outdir, "*.template.json"))
	if err != nil {
		return err
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		var template map[string]any
		if err := json.Unmarshal(data, &template); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		acks := acknowledge.Extract(template)
		if err := writeJSON(file, template); err != nil {
			return err
		}
		if err := writeJSON(strings.TrimSuffix(file, ".template.json")+acknowledge.FileSuffix, acks); err != nil {
			return err
		}
	}
	return nil
}

// writeJSON writes v as indented JSON without HTML escaping (as the CDK writes templates).
func writeJSON(path string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// writeConfig records the configuration next to the templates: make security and make cost read
// the organization, accounts and regions from it, whatever config the synth used.
func writeConfig(outdir string, cfg config.Config) error {
	data, err := config.Marshal(cfg)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(outdir, config.WrittenFile), data, 0o644)
}
