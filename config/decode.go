package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Problem is one thing wrong with a configuration, rendered as
// "<field path>: <what is wrong> (got <value>)".
type Problem struct {
	// Path is the dotted field path, with [i] for list elements ("regions[2]").
	Path string
	// Message says what is wrong and what is allowed.
	Message string
	// Got is the offending value as JSON, or "nothing" when the field is missing.
	Got string
}

// String renders the problem in the contract's format.
func (p Problem) String() string { return fmt.Sprintf("%s: %s (got %s)", p.Path, p.Message, p.Got) }

// Error lists every problem found in a configuration.
type Error struct {
	// Source names where the configuration came from (a file or the cdk.json context key).
	Source   string
	Problems []Problem
}

// Error renders every problem, one per line, under a header naming the source.
func (e *Error) Error() string {
	lines := make([]string, 0, len(e.Problems)+1)
	lines = append(lines, fmt.Sprintf("invalid configuration in %s (%d problem%s):", e.Source, len(e.Problems), plural(len(e.Problems))))
	for _, p := range e.Problems {
		lines = append(lines, "  "+p.String())
	}
	return strings.Join(lines, "\n")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// LoadFile reads and validates the configuration file at path.
func LoadFile(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, &Error{Source: path, Problems: []Problem{{Path: "configFile", Message: "cannot be read: " + err.Error(), Got: quote(path)}}}
	}
	return Parse(data, path)
}

// Parse decodes and validates one JSON configuration object. source names it in errors.
// It returns a *Error listing every problem, or the configuration with defaults applied. The JSON
// Schema (Schema: fields, types, patterns, ranges, defaults) checks the document first; encoding/
// json then decodes what the schema accepted into Config, on top of the schema's defaults; Go's
// cross-field rules (validate) run on whatever decoded, so that every problem is reported at once.
func Parse(data []byte, source string) (Config, error) {
	r := &reader{seen: map[string]bool{}, bad: map[string]bool{}}
	root, err := decodeJSON(data)
	if err != nil {
		r.add("config", err.Error(), abbreviate(string(data)))
		return Config{}, &Error{Source: source, Problems: r.problems}
	}
	checkSchema(root, r)
	cfg := defaults()
	if _, ok := root.(map[string]any); ok {
		if err := decodeInto(prepare(root, &schemaTree, "", r), &cfg); err != nil {
			r.add("config", "cannot be decoded: "+err.Error(), "nothing")
		} else {
			validate(&cfg, r)
		}
	}
	sortByContract(r.problems)
	if len(r.problems) > 0 {
		return Config{}, &Error{Source: source, Problems: r.problems}
	}
	return cfg, nil
}

// WrittenFile is the file the app writes its configuration to next to the templates (cdk.out/),
// for the tools that read the synthesized configuration (make security, make cost).
const WrittenFile = "sessionaudit.config.json"

// Marshal writes c as a configuration document that Parse loads back to c (indented JSON, one
// trailing newline): settings that are not set are left out, since the schema has no null
// ("unset" is an absent field). The app writes cdk.out/sessionaudit.config.json with it, for the
// tools that read the synthesized configuration.
func Marshal(c Config) ([]byte, error) {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// decodeInto decodes a prepared document (see prepare) into cfg with encoding/json.
func decodeInto(doc any, cfg *Config) error {
	data, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, cfg)
}

// decodeJSON decodes exactly one JSON value (numbers as json.Number), or says where the syntax
// breaks by line and column.
func decodeJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var root any
	if err := dec.Decode(&root); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			line, col := position(data, syntax.Offset-1) // Offset counts the offending byte
			return nil, fmt.Errorf("is not valid JSON: %s at line %d, column %d", syntax.Error(), line, col)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			line, col := position(data, int64(len(data)))
			return nil, fmt.Errorf("is not valid JSON: it ends early at line %d, column %d", line, col)
		}
		return nil, fmt.Errorf("is not valid JSON: %v", err)
	}
	if dec.More() {
		line, col := position(data, dec.InputOffset())
		return nil, fmt.Errorf("holds more than one JSON value (the second starts at line %d, column %d)", line, col)
	}
	return root, nil
}

// position is the 1-based line and column of a byte offset.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	if col < 1 {
		col = 1
	}
	return line, col
}

// sortByContract orders problems by their top-level field in the contract's order, the order of
// the schema's properties (unknown fields last), keeping the order within a field.
func sortByContract(problems []Problem) {
	order := schemaTree.Properties.names()
	rank := func(p Problem) int {
		top := p.Path
		if i := strings.IndexAny(top, ".["); i >= 0 {
			top = top[:i]
		}
		for i, f := range order {
			if f == top {
				return i
			}
		}
		return len(order)
	}
	sort.SliceStable(problems, func(i, j int) bool { return rank(problems[i]) < rank(problems[j]) })
}

// reader collects the problems of one configuration, and which paths were present (seen) and
// which the schema rejected (bad), for the cross-field rules.
type reader struct {
	problems []Problem
	seen     map[string]bool // known fields present in the input
	bad      map[string]bool // paths the schema rejected
}

func (r *reader) add(path, message, got string) {
	r.problems = append(r.problems, Problem{Path: path, Message: message, Got: got})
}

// replace records a problem at path instead of those already there.
func (r *reader) replace(path, message, got string) {
	kept := r.problems[:0]
	for _, p := range r.problems {
		if p.Path != path {
			kept = append(kept, p)
		}
	}
	r.problems = kept
	r.add(path, message, got)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func orRoot(path string) string {
	if path == "" {
		return "config"
	}
	return path
}

// render formats a decoded JSON value the way it appeared in the input, shortened if long.
func render(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return abbreviate(b.String())
}

func quote(s string) string { return render(s) }

func abbreviate(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const max = 80
	if len(s) > max {
		return s[:max-3] + "..."
	}
	return s
}
