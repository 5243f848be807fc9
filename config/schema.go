package config

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// Schema is the JSON Schema of the configuration (config/schema.json): editors complete and check
// cdk.json's sessionAudit key and config files with it. Structure, types, patterns, enums and
// ranges are checked by it; cross-field rules stay in Go (validate). Its "x-mustBe" annotations
// are the wording of problems ("must be <x-mustBe>").
//
//go:embed schema.json
var Schema []byte

const schemaURL = "https://github.com/sessionaudit/sessionaudit/config/schema.json"

var (
	compiled    *jsonschema.Schema
	schemaDoc   map[string]any // the schema as JSON, to read annotations at an error's location
	schemaTree  node           // the schema with its properties in order (fields, defaults, reference)
	defaultJSON []byte         // the schema's defaults as one document (defaultDocument)
)

func init() {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(Schema))
	if err != nil {
		panic("config: schema.json is not JSON: " + err.Error())
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaURL, doc); err != nil {
		panic("config: schema.json: " + err.Error())
	}
	if compiled, err = c.Compile(schemaURL); err != nil {
		panic("config: schema.json: " + err.Error())
	}
	if err := json.Unmarshal(Schema, &schemaDoc); err != nil {
		panic(err)
	}
	if err := json.Unmarshal(Schema, &schemaTree); err != nil {
		panic("config: schema.json: " + err.Error())
	}
	if defaultJSON, err = json.Marshal(defaultDocument(&schemaTree)); err != nil {
		panic("config: schema.json defaults: " + err.Error())
	}
	if err := json.Unmarshal(defaultJSON, new(Config)); err != nil {
		panic("config: schema.json defaults do not decode into Config: " + err.Error())
	}
}

// checkSchema validates root against Schema and records each violation in r, in the contract's
// wording; paths with a violation are marked bad so that Go's rules skip them.
func checkSchema(root any, r *reader) {
	err := compiled.Validate(root)
	if err == nil {
		return
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		r.add("config", "cannot be checked: "+err.Error(), "nothing")
		return
	}
	var leaves []*jsonschema.ValidationError
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		switch e.ErrorKind.(type) {
		case *kind.Group, *kind.Schema, *kind.AllOf, *kind.Reference:
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		leaves = append(leaves, e)
	}
	walk(ve)
	for _, e := range leaves {
		problem(root, e, r)
	}
}

func problem(root any, e *jsonschema.ValidationError, r *reader) {
	path := instancePath(e.InstanceLocation)
	value := valueAt(root, e.InstanceLocation)
	node := schemaNode(e.SchemaURL)
	mustBe, _ := node["x-mustBe"].(string)
	switch k := e.ErrorKind.(type) {
	case *kind.Type:
		r.bad[path] = true
		r.add(orRoot(path), "must be "+typePhrase(node), render(value))
	case *kind.Required:
		for _, m := range k.Missing {
			r.bad[join(path, m)] = true
			r.add(join(path, m), "is required", "nothing")
		}
	case *kind.AdditionalProperties:
		obj, _ := value.(map[string]any)
		props, _ := node["properties"].(map[string]any)
		known := make([]string, 0, len(props))
		for p := range props {
			if !strings.HasPrefix(p, "$") { // "$schema" is for editors
				known = append(known, p)
			}
		}
		sort.Strings(known)
		for _, p := range k.Properties {
			msg := "is not a known field; expected one of " + strings.Join(known, ", ")
			if hint := didYouMean(suggest(p, known)); hint != "" {
				msg = "is not a known field; " + hint + " Expected one of " + strings.Join(known, ", ")
			}
			r.add(join(path, p), msg, render(obj[p]))
		}
	case *kind.Enum:
		r.bad[path] = true
		r.add(path, "must be "+orPhrase(mustBe, enumPhrase(k.Want)), render(value))
	case *kind.Minimum, *kind.Maximum:
		r.bad[path] = true
		lo, hasLo := node["minimum"].(float64)
		hi, hasHi := node["maximum"].(float64)
		if hasLo && hasHi {
			r.add(path, fmt.Sprintf("must be between %s and %s", number(lo), number(hi)), render(value))
		} else {
			r.add(path, "must be "+orPhrase(mustBe, "at least "+number(lo)), render(value))
		}
	case *kind.MinItems:
		r.bad[path] = true
		r.add(path, "must hold at least one entry", render(value))
	case *kind.MaxItems:
		r.bad[path] = true
		msg, _ := node["x-maxItems"].(string)
		list, _ := value.([]any)
		r.add(path, orPhrase(msg, fmt.Sprintf("must hold at most %d entries", k.Want)), fmt.Sprintf("%d entries", len(list)))
	case *kind.UniqueItems:
		// Go reports every duplicate (duplicates), not only the first pair.
	default: // pattern, anyOf, lengths, …: the schema's own wording
		r.bad[path] = true
		r.add(orRoot(path), "must be "+orPhrase(mustBe, "valid"), render(value))
	}
}

func instancePath(loc []string) string {
	var b strings.Builder
	for _, s := range loc {
		if _, err := strconv.Atoi(s); err == nil {
			b.WriteString("[" + s + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteString(".")
		}
		b.WriteString(s)
	}
	return b.String()
}

func valueAt(v any, loc []string) any {
	for _, s := range loc {
		switch x := v.(type) {
		case map[string]any:
			v = x[s]
		case []any:
			i, _ := strconv.Atoi(s)
			if i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// schemaNode is the schema object at the JSON pointer of an error's schema URL.
func schemaNode(url string) map[string]any {
	var node any = schemaDoc
	_, ptr, _ := strings.Cut(url, "#")
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		if tok == "" {
			continue
		}
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		switch x := node.(type) {
		case map[string]any:
			node = x[tok]
		case []any:
			i, _ := strconv.Atoi(tok)
			if i >= 0 && i < len(x) {
				node = x[i]
			}
		}
	}
	// A keyword's location (…/pattern) names the keyword; its object is the parent.
	if m, ok := node.(map[string]any); ok {
		return m
	}
	parent := strings.TrimSuffix(url, "/"+url[strings.LastIndex(url, "/")+1:])
	if parent == url {
		return map[string]any{}
	}
	return schemaNode(parent)
}

func typePhrase(node map[string]any) string {
	switch node["type"] {
	case "string":
		return "a string"
	case "boolean":
		return "true or false"
	case "integer":
		return "a whole number"
	case "object":
		return "an object"
	case "array":
		if items, ok := node["items"].(map[string]any); ok && items["type"] == "string" {
			return "a list of strings"
		}
		return "a list"
	}
	return fmt.Sprint(node["type"])
}

func enumPhrase(values []any) string {
	parts := make([]string, len(values))
	numbers := true
	for i, v := range values {
		if s, ok := v.(string); ok {
			parts[i], numbers = strconv.Quote(s), false
		} else {
			parts[i] = fmt.Sprint(v)
		}
	}
	if numbers {
		return "one of " + strings.Join(parts, ", ")
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

func orPhrase(preferred, fallback string) string {
	if preferred != "" {
		return preferred
	}
	return fallback
}

func number(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
