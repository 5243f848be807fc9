package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// node is one object of config/schema.json, read with its properties in the order the schema
// lists them: that order is the contract's (problems are sorted by it, docs/config-reference.md
// follows it).
type node struct {
	Type        string          `json:"type"`
	Description string          `json:"description"`
	Default     json.RawMessage `json:"default"`
	Properties  properties      `json:"properties"`
	Required    []string        `json:"required"`
	Items       *node           `json:"items"`
	Enum        []any           `json:"enum"`
	Minimum     *float64        `json:"minimum"`
	Maximum     *float64        `json:"maximum"`
	MinItems    *int            `json:"minItems"`
	MaxItems    *int            `json:"maxItems"`
	UniqueItems bool            `json:"uniqueItems"`
	// MustBe words what a value must be ("must be <MustBe>") in problems and in the reference.
	MustBe string `json:"x-mustBe"`
	// MaxItemsSays words the maxItems problem in full ("must hold at most …").
	MaxItemsSays string `json:"x-maxItems"`
}

// property is one named entry of a schema's "properties".
type property struct {
	Name string
	Node *node
}

// properties keeps the order of a schema's "properties" object.
type properties []property

// UnmarshalJSON reads a JSON object of schemas in document order.
func (p *properties) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("properties must be an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		n := new(node)
		if err := dec.Decode(n); err != nil {
			return fmt.Errorf("properties.%s: %w", name, err)
		}
		*p = append(*p, property{Name: name, Node: n})
	}
	return nil
}

// get is the schema of the property name, or nil when the schema has no such property.
func (p properties) get(name string) *node {
	for _, q := range p {
		if q.Name == name {
			return q.Node
		}
	}
	return nil
}

// names are the property names in schema order, without "$schema" (which is for editors).
func (p properties) names() []string {
	out := make([]string, 0, len(p))
	for _, q := range p {
		if q.Name != "$schema" {
			out = append(out, q.Name)
		}
	}
	return out
}

// required reports whether name is in the schema's "required" list.
func (n *node) required(name string) bool {
	for _, r := range n.Required {
		if r == name {
			return true
		}
	}
	return false
}

// defaultDocument is the JSON object of every "default" of the schema, nested in the sections
// that hold them: {"session":{"cloudWatchStreaming":true,…},…}.
func defaultDocument(n *node) map[string]any {
	out := map[string]any{}
	for _, p := range n.Properties {
		switch {
		case p.Node.Default != nil:
			out[p.Name] = p.Node.Default
		case p.Node.Type == "object":
			if sub := defaultDocument(p.Node); len(sub) > 0 {
				out[p.Name] = sub
			}
		}
	}
	return out
}

// defaults returns a Config holding the schema's "default" values (and zero values where the
// schema has none: required fields, and session settings that are kept when not set). Parse
// decodes a document on top of it, which is the same as filling in the defaults first: a field
// of the document replaces the default, a section of the document keeps the defaults of the
// fields it leaves out. (Every list default is empty, so no default element can leak into a
// decoded list.)
func defaults() Config {
	var c Config
	_ = json.Unmarshal(defaultJSON, &c) // init checked that it decodes
	return c
}

// prepare readies a document the schema has checked for encoding/json, walking it along the
// schema: it records which known fields are present (r.seen, for the cross-field rules), drops
// unknown fields (encoding/json would match them case-insensitively) and values of the wrong JSON
// type (the schema reported both; a list element becomes null, so that the elements after it keep
// their index), and writes whole numbers of integer fields as integers (2.0 is 2). A whole number
// too large for Go's int is a problem of its own.
func prepare(v any, n *node, path string, r *reader) any {
	if n == nil {
		return v
	}
	if !ofType(v, n.Type) {
		return nil
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			sub := n.Properties.get(k)
			if sub == nil {
				continue
			}
			at := join(path, k)
			r.seen[at] = true
			if p := prepare(e, sub, at, r); p != nil {
				out[k] = p
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = prepare(e, n.Items, fmt.Sprintf("%s[%d]", path, i), r)
		}
		return out
	case json.Number:
		if n.Type == "integer" {
			return integer(x, path, r)
		}
	}
	return v
}

// ofType reports whether a decoded JSON value has the schema type typ ("" accepts any).
func ofType(v any, typ string) bool {
	switch v.(type) {
	case map[string]any:
		return typ == "" || typ == "object"
	case []any:
		return typ == "" || typ == "array"
	case string:
		return typ == "" || typ == "string"
	case bool:
		return typ == "" || typ == "boolean"
	case json.Number:
		return typ == "" || typ == "integer" || typ == "number"
	}
	return typ == ""
}

// integer is n as a Go int literal, or nil (dropped) when n is not a whole number (the schema
// reported it) or does not fit in an int (reported here, unless the schema reported the field).
func integer(n json.Number, path string, r *reader) any {
	if i, err := strconv.ParseInt(string(n), 10, strconv.IntSize); err == nil {
		return json.Number(strconv.FormatInt(i, 10))
	}
	f, _, err := big.ParseFloat(string(n), 10, 0, big.ToNearestEven)
	if err != nil || !f.IsInt() {
		return nil
	}
	if i, acc := f.Int64(); acc == big.Exact && i >= math.MinInt && i <= math.MaxInt {
		return json.Number(strconv.FormatInt(i, 10))
	}
	if !r.bad[path] {
		r.bad[path] = true
		r.add(path, fmt.Sprintf("must be a whole number between %d and %d", math.MinInt, math.MaxInt), string(n))
	}
	return nil
}
