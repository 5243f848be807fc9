package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
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

func (p Problem) String() string { return fmt.Sprintf("%s: %s (got %s)", p.Path, p.Message, p.Got) }

// Error lists every problem found in a configuration.
type Error struct {
	// Source names where the configuration came from (a file or the cdk.json context key).
	Source   string
	Problems []Problem
}

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
// It returns a *Error listing every problem, or the configuration with defaults applied: first the
// JSON Schema (Schema: structure, types, patterns, ranges), then Go's cross-field rules (validate)
// on whatever decoded.
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
		r.object(cfg.fields(r))(root, "")
		validate(&cfg, r)
	}
	sortByContract(r.problems)
	if len(r.problems) > 0 {
		return Config{}, &Error{Source: source, Problems: r.problems}
	}
	return cfg, nil
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

// fields maps every JSON field of the configuration to the reader that fills it.
func (c *Config) fields(r *reader) map[string]decodeFunc {
	return map[string]decodeFunc{
		"$schema":                     func(any, string) {}, // for editors
		"organizationId":              r.str(&c.OrganizationID),
		"managementAccountId":         r.str(&c.ManagementAccountID),
		"delegatedAdmin":              r.boolean(&c.DelegatedAdmin),
		"logArchiveAccountId":         r.str(&c.LogArchiveAccountID),
		"homeRegion":                  r.str(&c.HomeRegion),
		"regions":                     r.strs(&c.Regions),
		"targetOrganizationalUnitIds": r.strs(&c.TargetOrganizationalUnitIDs),
		"session": r.object(map[string]decodeFunc{
			"idleSessionTimeoutMinutes": r.intPtr(&c.Session.IdleSessionTimeoutMinutes),
			"maxSessionDurationMinutes": r.intPtr(&c.Session.MaxSessionDurationMinutes),
			"cloudWatchStreaming":       r.boolean(&c.Session.CloudWatchStreaming),
			"runAsEnabled":              r.boolPtr(&c.Session.RunAsEnabled),
			"runAsDefaultUser":          r.strPtr(&c.Session.RunAsDefaultUser),
			"shellProfileLinux":         r.strPtr(&c.Session.ShellProfileLinux),
			"shellProfileWindows":       r.strPtr(&c.Session.ShellProfileWindows),
			"instanceRoleNames":         r.strs(&c.Session.InstanceRoleNames),
			"encryptionKey":             r.str(&c.Session.EncryptionKey),
		}),
		"retention": r.object(map[string]decodeFunc{
			"cloudWatchDays": r.integer(&c.Retention.CloudWatchDays),
			"archiveDays":    r.integer(&c.Retention.ArchiveDays),
			"objectLockMode": r.str(&c.Retention.ObjectLockMode),
		}),
		"rdpRecording": r.object(map[string]decodeFunc{
			"enabled": r.boolean(&c.RDPRecording.Enabled),
		}),
		"notifications": r.object(map[string]decodeFunc{
			"emails":           r.strs(&c.Notifications.Emails),
			"consoleSignIn":    r.boolean(&c.Notifications.ConsoleSignIn),
			"chat":             r.boolean(&c.Notifications.Chat),
			"signInRegions":    r.strs(&c.Notifications.SignInRegions),
			"ignorePrincipals": r.strs(&c.Notifications.IgnorePrincipals),
		}),
		"rollout": r.object(map[string]decodeFunc{
			"phase": r.str(&c.Rollout.Phase),
		}),
		"search": r.object(map[string]decodeFunc{
			"bytesScannedCutoffPerQuery": r.integer(&c.Search.BytesScannedCutoffPerQuery),
		}),
		"forwarders": r.each(func(v any, path string) {
			var f Forwarder
			r.object(map[string]decodeFunc{
				"name":          r.str(&f.Name),
				"logGroupName":  r.str(&f.LogGroupName),
				"filterPattern": r.str(&f.FilterPattern),
			})(v, path)
			c.Forwarders = append(c.Forwarders, f)
		}),
		"guardrails": r.object(map[string]decodeFunc{
			"enabled":             r.boolean(&c.Guardrails.Enabled),
			"unloggedSessions":    r.str(&c.Guardrails.UnloggedSessions),
			"exemptPrincipalArns": r.strs(&c.Guardrails.ExemptPrincipalArns),
		}),
		"stackSet": r.object(map[string]decodeFunc{
			"retainStacksOnAccountRemoval": r.boolean(&c.StackSet.RetainStacksOnAccountRemoval),
			"regionConcurrency":            r.str(&c.StackSet.RegionConcurrency),
			"maxConcurrentPercentage":      r.integer(&c.StackSet.MaxConcurrentPercentage),
			"failureTolerancePercentage":   r.integer(&c.StackSet.FailureTolerancePercentage),
		}),
	}
}

// contractOrder is the order of the top-level fields in the contract (README "Config reference").
var contractOrder = []string{
	"organizationId", "managementAccountId", "delegatedAdmin", "logArchiveAccountId", "homeRegion", "regions",
	"targetOrganizationalUnitIds", "session", "retention", "rdpRecording", "notifications", "stackSet", "forwarders", "search", "rollout",
}

// sortByContract orders problems by their top-level field in contract order (unknown fields
// last), keeping the order within a field.
func sortByContract(problems []Problem) {
	rank := func(p Problem) int {
		top := p.Path
		if i := strings.IndexAny(top, ".["); i >= 0 {
			top = top[:i]
		}
		for i, f := range contractOrder {
			if f == top {
				return i
			}
		}
		return len(contractOrder)
	}
	sort.SliceStable(problems, func(i, j int) bool { return rank(problems[i]) < rank(problems[j]) })
}

// decodeFunc stores the JSON value v found at path, if it has the right type.
type decodeFunc func(v any, path string)

// reader walks decoded JSON into a Config. The schema has already reported what is wrong with the
// structure; the reader stores what it can and records which paths were present (seen) and which
// the schema rejected (bad), for the cross-field rules.
type reader struct {
	problems []Problem
	seen     map[string]bool // paths present in the input
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

func (r *reader) object(fields map[string]decodeFunc) decodeFunc {
	return func(v any, path string) {
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		r.seen[path] = true
		for k, x := range obj {
			if f, known := fields[k]; known {
				r.seen[join(path, k)] = true
				f(x, join(path, k))
			}
		}
	}
}

func (r *reader) str(dst *string) decodeFunc {
	return func(v any, path string) {
		if s, ok := v.(string); ok {
			*dst = s
		}
	}
}

func (r *reader) boolean(dst *bool) decodeFunc {
	return func(v any, path string) {
		if b, ok := v.(bool); ok {
			*dst = b
		}
	}
}

func (r *reader) integer(dst *int) decodeFunc {
	return func(v any, path string) {
		n, ok := v.(json.Number)
		if !ok {
			return
		}
		if f, err := n.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) <= math.MaxInt64/2 {
			*dst = int(f)
		}
	}
}

// intPtr, boolPtr and strPtr store a value that may be left out (nil: not configured).
func (r *reader) intPtr(dst **int) decodeFunc {
	return func(v any, path string) {
		var n int
		r.integer(&n)(v, path)
		if _, ok := v.(json.Number); ok {
			*dst = &n
		}
	}
}

func (r *reader) boolPtr(dst **bool) decodeFunc {
	return func(v any, path string) {
		if b, ok := v.(bool); ok {
			*dst = &b
		}
	}
}

func (r *reader) strPtr(dst **string) decodeFunc {
	return func(v any, path string) {
		if s, ok := v.(string); ok {
			*dst = &s
		}
	}
}

// each decodes a list whose elements elem decodes (elements are at path[i]).
func (r *reader) each(elem decodeFunc) decodeFunc {
	return func(v any, path string) {
		list, _ := v.([]any)
		for i, e := range list {
			elem(e, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

// strs stores a list of strings position for position: an element that is not a string becomes
// "" (the schema reported it), so that every later problem names the element's own index.
func (r *reader) strs(dst *[]string) decodeFunc {
	return func(v any, path string) {
		list, ok := v.([]any)
		if !ok {
			return
		}
		out := make([]string, len(list))
		for i, e := range list {
			out[i], _ = e.(string)
		}
		*dst = out
	}
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
