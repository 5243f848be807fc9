package config

import (
	"bytes"
	"encoding/json"
	"fmt"
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
// It returns a *Error listing every problem, or the configuration with defaults applied.
func Parse(data []byte, source string) (Config, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var root any
	r := &reader{seen: map[string]bool{}, badType: map[string]bool{}}
	if err := dec.Decode(&root); err != nil {
		r.add("config", "is not valid JSON: "+err.Error(), abbreviate(string(data)))
		return Config{}, &Error{Source: source, Problems: r.problems}
	}
	if dec.More() {
		r.add("config", "holds more than one JSON value", abbreviate(string(data)))
		return Config{}, &Error{Source: source, Problems: r.problems}
	}
	cfg := defaults()
	r.object(cfg.fields(r))(root, "")
	if !r.badType["config"] {
		validate(&cfg, r)
	}
	sortByContract(r.problems)
	if len(r.problems) > 0 {
		return Config{}, &Error{Source: source, Problems: r.problems}
	}
	return cfg, nil
}

// fields maps every JSON field of the configuration to the reader that fills it.
func (c *Config) fields(r *reader) map[string]decodeFunc {
	return map[string]decodeFunc{
		"organizationId":              r.str(&c.OrganizationID),
		"managementAccountId":         r.str(&c.ManagementAccountID),
		"delegatedAdmin":              r.boolean(&c.DelegatedAdmin),
		"logArchiveAccountId":         r.str(&c.LogArchiveAccountID),
		"homeRegion":                  r.str(&c.HomeRegion),
		"regions":                     r.strs(&c.Regions),
		"targetOrganizationalUnitIds": r.strs(&c.TargetOrganizationalUnitIDs),
		"session": r.object(map[string]decodeFunc{
			"idleSessionTimeoutMinutes": r.integer(&c.Session.IdleSessionTimeoutMinutes),
			"maxSessionDurationMinutes": r.integer(&c.Session.MaxSessionDurationMinutes),
			"cloudWatchStreaming":       r.boolean(&c.Session.CloudWatchStreaming),
			"runAsEnabled":              r.boolean(&c.Session.RunAsEnabled),
			"runAsDefaultUser":          r.str(&c.Session.RunAsDefaultUser),
			"shellProfileLinux":         r.str(&c.Session.ShellProfileLinux),
			"shellProfileWindows":       r.str(&c.Session.ShellProfileWindows),
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
	"targetOrganizationalUnitIds", "session", "retention", "rdpRecording", "notifications", "stackSet", "forwarders", "search",
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

// decodeFunc stores the JSON value v found at path, or records why it cannot.
type decodeFunc func(v any, path string)

// reader walks decoded JSON into a Config, collecting problems instead of stopping at the first.
type reader struct {
	problems []Problem
	seen     map[string]bool // paths present in the input
	badType  map[string]bool // paths whose value had the wrong JSON type (already reported)
}

func (r *reader) add(path, message, got string) {
	r.problems = append(r.problems, Problem{Path: path, Message: message, Got: got})
}

func (r *reader) wrongType(path, want string, v any) {
	r.badType[path] = true
	r.add(path, "must be "+want, render(v))
}

func (r *reader) object(fields map[string]decodeFunc) decodeFunc {
	return func(v any, path string) {
		obj, ok := v.(map[string]any)
		if !ok {
			r.wrongType(orRoot(path), "an object", v)
			return
		}
		r.seen[path] = true
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := join(path, k)
			f, known := fields[k]
			if !known {
				r.add(p, "is not a known field; expected one of "+strings.Join(sortedKeys(fields), ", "), render(obj[k]))
				continue
			}
			r.seen[p] = true
			f(obj[k], p)
		}
	}
}

func (r *reader) str(dst *string) decodeFunc {
	return func(v any, path string) {
		s, ok := v.(string)
		if !ok {
			r.wrongType(path, "a string", v)
			return
		}
		*dst = s
	}
}

func (r *reader) boolean(dst *bool) decodeFunc {
	return func(v any, path string) {
		b, ok := v.(bool)
		if !ok {
			r.wrongType(path, "true or false", v)
			return
		}
		*dst = b
	}
}

func (r *reader) integer(dst *int) decodeFunc {
	return func(v any, path string) {
		n, ok := v.(json.Number)
		if !ok {
			r.wrongType(path, "a whole number", v)
			return
		}
		f, err := n.Float64()
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<31 {
			r.wrongType(path, "a whole number", v)
			return
		}
		*dst = int(f)
	}
}

// each decodes a list whose elements elem decodes (elements are at path[i]).
func (r *reader) each(elem decodeFunc) decodeFunc {
	return func(v any, path string) {
		list, ok := v.([]any)
		if !ok {
			r.wrongType(path, "a list", v)
			return
		}
		for i, e := range list {
			elem(e, fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

func (r *reader) strs(dst *[]string) decodeFunc {
	return func(v any, path string) {
		list, ok := v.([]any)
		if !ok {
			r.wrongType(path, "a list of strings", v)
			return
		}
		out := make([]string, 0, len(list))
		for i, e := range list {
			s, ok := e.(string)
			if !ok {
				r.wrongType(fmt.Sprintf("%s[%d]", path, i), "a string", e)
				continue
			}
			out = append(out, s)
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

func sortedKeys(m map[string]decodeFunc) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
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
