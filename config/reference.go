package config

//go:generate go run ../cmd/configref ../docs/config-reference.md

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// ReferencePath is where the generated reference lives, relative to the repository root.
const ReferencePath = "docs/config-reference.md"

// referenceIntro is the prose above the table (config/reference-intro.md): how the configuration
// is given and checked, which is the app's behaviour rather than a field's, so not in the schema.
//
//go:embed reference-intro.md
var referenceIntro string

// Reference renders docs/config-reference.md from Schema: every field, in the schema's order,
// with its description, its type and limits, and its default. A test fails when the file differs.
func Reference() []byte {
	var b bytes.Buffer
	b.WriteString("<!-- Generated from config/schema.json by `go generate ./config`; edit the schema, not this file. -->\n\n")
	b.WriteString("# Config reference\n\n")
	b.WriteString(referenceIntro)
	b.WriteString("\n| field | what it is, limits | default |\n| --- | --- | --- |\n")
	referenceRows(&b, &schemaTree, "")
	return b.Bytes()
}

// referenceRows writes one row per property of n, and the rows of the fields inside objects and
// lists of objects after their own row.
func referenceRows(b *bytes.Buffer, n *node, prefix string) {
	for _, p := range n.Properties {
		if p.Name == "$schema" {
			continue
		}
		path := prefix + p.Name
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", path, cell(whatItIs(p.Node)), cell(defaultOf(n, p)))
		switch {
		case p.Node.Type == "object":
			referenceRows(b, p.Node, path+".")
		case p.Node.Items != nil && p.Node.Items.Type == "object":
			referenceRows(b, p.Node.Items, path+"[].")
		}
	}
}

// whatItIs is a field's description followed by its type and limits, in the words of its
// problems.
func whatItIs(n *node) string {
	parts := []string{strings.TrimSpace(n.Description)}
	switch {
	case len(n.Enum) > 0:
		parts = append(parts, "One of "+codeList(n.Enum)+".")
	case n.MustBe != "":
		parts = append(parts, typeName(n)+"; must be "+n.MustBe+".")
	case n.Minimum != nil && n.Maximum != nil:
		parts = append(parts, fmt.Sprintf("%s from %s to %s.", typeName(n), number(*n.Minimum), number(*n.Maximum)))
	case n.Minimum != nil:
		parts = append(parts, fmt.Sprintf("%s, at least %s.", typeName(n), number(*n.Minimum)))
	default:
		parts = append(parts, typeName(n)+".")
	}
	if n.Type == "array" {
		parts = append(parts, listLimits(n)...)
	}
	return strings.Join(parts, " ")
}

// listLimits words what a list's schema asks of its entries.
func listLimits(n *node) []string {
	var out []string
	if it := n.Items; it != nil && it.Type != "object" {
		switch {
		case len(it.Enum) > 0:
			out = append(out, "Each one of "+codeList(it.Enum)+".")
		case it.MustBe != "":
			out = append(out, "Each must be "+it.MustBe+".")
		}
	}
	if n.UniqueItems {
		out = append(out, "Unique.")
	}
	if n.MinItems != nil && *n.MinItems > 0 {
		out = append(out, fmt.Sprintf("At least %d.", *n.MinItems))
	}
	switch {
	case n.MaxItemsSays != "":
		out = append(out, capitalize(n.MaxItemsSays)+".")
	case n.MaxItems != nil:
		out = append(out, fmt.Sprintf("At most %d.", *n.MaxItems))
	}
	return out
}

// typeName is the capitalized name of a schema type.
func typeName(n *node) string {
	switch n.Type {
	case "string":
		return "String"
	case "boolean":
		return "Boolean"
	case "integer":
		return "Whole number"
	case "object":
		return "Object"
	case "array":
		if n.Items != nil && n.Items.Type == "object" {
			return "List of objects"
		}
		if n.Items != nil && n.Items.Type == "string" {
			return "List of strings"
		}
		return "List"
	}
	return capitalize(n.Type)
}

// defaultOf is the default column of property p of parent: its default as JSON, "required", or
// "not set".
func defaultOf(parent *node, p property) string {
	switch {
	case parent.required(p.Name):
		return "required"
	case p.Node.Default != nil:
		var v any
		if err := json.Unmarshal(p.Node.Default, &v); err != nil {
			return string(p.Node.Default)
		}
		return "`" + compactJSON(v) + "`"
	case p.Node.Type == "object":
		return "(section)"
	}
	return "not set"
}

// codeList renders enum values as `a`, `b` or `c`.
func codeList(values []any) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = "`" + compactJSON(v) + "`"
		if s, ok := v.(string); ok {
			parts[i] = "`" + s + "`"
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// compactJSON is v as compact JSON without HTML escaping.
func compactJSON(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(b.String())
}

// cell makes text safe in a Markdown table cell.
func cell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
