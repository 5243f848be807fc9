package test

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// matches reports whether an EventBridge event pattern matches an event. It implements the part
// of EventBridge's matching that sessionaudit's rules use, with the semantics of AWS's open-source
// matcher (aws/event-ruler) where the EventBridge guide is silent: nested objects (a missing
// object is an empty one, so "exists": false matches below it), lists of allowed values (an event
// list matches if any element does), "$or" at any level, and {"prefix": …}, {"exists": …},
// {"wildcard": …} and {"anything-but": [values] | {"wildcard": …}} (anything-but never matches a
// missing field).
func matches(pattern, event map[string]any) bool {
	for key, want := range pattern {
		if key == "$or" {
			if !matchesOr(want, event) {
				return false
			}
			continue
		}
		got, present := event[key]
		switch w := want.(type) {
		case map[string]any:
			sub, ok := got.(map[string]any)
			if !present || got == nil {
				sub, ok = map[string]any{}, true
			}
			if !ok || !matches(w, sub) {
				return false
			}
		case []any:
			if !matchesAny(w, got, present) {
				return false
			}
		default:
			return false // a pattern leaf must be a list
		}
	}
	return true
}

func matchesOr(branches any, event map[string]any) bool {
	list, _ := branches.([]any)
	for _, b := range list {
		if m, ok := b.(map[string]any); ok && matches(m, event) {
			return true
		}
	}
	return false
}

func matchesAny(allowed []any, got any, present bool) bool {
	values := []any{got}
	if list, ok := got.([]any); ok {
		values = list
	}
	for _, a := range allowed {
		rule, ok := a.(map[string]any)
		if !ok {
			if present && slices.ContainsFunc(values, func(v any) bool { return reflect.DeepEqual(a, v) }) {
				return true
			}
			continue
		}
		if exists, ok := rule["exists"].(bool); ok && exists == present {
			return true
		}
		if !present {
			continue
		}
		for _, v := range values {
			s, isString := v.(string)
			if prefix, ok := rule["prefix"].(string); ok && isString && strings.HasPrefix(s, prefix) {
				return true
			}
			if w, ok := rule["wildcard"].(string); ok && isString && wildcard(w, s) {
				return true
			}
			if but, ok := rule["anything-but"]; ok && !anythingButExcludes(but, v) {
				return true
			}
		}
	}
	return false
}

// anythingButExcludes reports whether an "anything-but" operand excludes v: a list of values, or
// {"wildcard": pattern or list of patterns}.
func anythingButExcludes(operand, v any) bool {
	switch o := operand.(type) {
	case []any:
		return slices.ContainsFunc(o, func(x any) bool { return reflect.DeepEqual(x, v) })
	case map[string]any:
		s, isString := v.(string)
		patterns, _ := o["wildcard"].([]any)
		if p, ok := o["wildcard"].(string); ok {
			patterns = []any{p}
		}
		return isString && slices.ContainsFunc(patterns, func(p any) bool { ps, _ := p.(string); return wildcard(ps, s) })
	default:
		return reflect.DeepEqual(o, v)
	}
}

// wildcard matches s against an EventBridge wildcard pattern: "*" matches any characters, "/"
// included; "\\*" is a literal asterisk.
func wildcard(pattern, s string) bool {
	var re strings.Builder
	re.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; {
		case c == '\\' && i+1 < len(pattern):
			i++
			re.WriteString(regexp.QuoteMeta(string(pattern[i])))
		case c == '*':
			re.WriteString("(?s:.*)")
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return regexp.MustCompile(re.String() + "$").MatchString(s)
}

func TestMatcher(t *testing.T) {
	event := map[string]any{}
	_ = json.Unmarshal([]byte(`{"source":"aws.ssm","detail":{"eventName":"StartSession","tags":["a","b"],"n":5,"state":{"value":"ALARM"}}}`), &event)
	tests := []struct {
		pattern string
		want    bool
	}{
		{`{"source":["aws.ssm"]}`, true},
		{`{"source":["aws.ec2"]}`, false},
		{`{"source":["aws.ec2","aws.ssm"],"detail":{"eventName":["StartSession"]}}`, true},
		{`{"detail":{"eventName":["ResumeSession"]}}`, false},
		{`{"detail":{"tags":["b"]}}`, true},
		{`{"detail":{"n":[5]}}`, true},
		{`{"detail":{"n":["5"]}}`, false},
		{`{"detail":{"eventName":[{"prefix":"Start"}]}}`, true},
		{`{"detail":{"eventName":[{"prefix":"Stop"}]}}`, false},
		{`{"detail":{"missing":[{"exists":false}]}}`, true},
		{`{"detail":{"missing":[{"exists":true}]}}`, false},
		{`{"detail":{"missing":["x"]}}`, false},
		{`{"detail":{"state":{"value":["ALARM"]}}}`, true},
		{`{"detail":{"state":{"value":["OK"]}}}`, false},
		{`{"detail":{"eventName":{"x":["y"]}}}`, false},
		{`{"source":"aws.ssm"}`, false},
		{`{"detail":{"eventName":[{"wildcard":"Start*"}]}}`, true},
		{`{"detail":{"eventName":[{"wildcard":"*Session"}]}}`, true},
		{`{"detail":{"eventName":[{"wildcard":"Stop*"}]}}`, false},
		{`{"detail":{"eventName":[{"anything-but":["ResumeSession"]}]}}`, true},
		{`{"detail":{"eventName":[{"anything-but":["StartSession"]}]}}`, false},
		{`{"detail":{"eventName":[{"anything-but":{"wildcard":["Resume*","*Parameter"]}}]}}`, true},
		{`{"detail":{"eventName":[{"anything-but":{"wildcard":["Start*"]}}]}}`, false},
		{`{"detail":{"eventName":[{"anything-but":{"wildcard":"*art*"}}]}}`, false},
		{`{"detail":{"missing":[{"anything-but":["x"]}]}}`, false},
		{`{"detail":{"missing":[{"anything-but":["x"]}, {"exists":false}]}}`, true},
		{`{"detail":{"absent":{"deeper":[{"exists":false}]}}}`, true},
		{`{"detail":{"absent":{"deeper":[{"exists":true}]}}}`, false},
		{`{"detail":{"$or":[{"eventName":["ResumeSession"]},{"n":[5]}]}}`, true},
		{`{"detail":{"$or":[{"eventName":["ResumeSession"]},{"n":[6]}]}}`, false},
		{`{"$or":[{"source":["aws.ec2"]},{"detail":{"tags":["a"]}}],"source":["aws.ssm"]}`, true},
		{`{"$or":[{"source":["aws.ec2"]},{"detail":{"tags":["c"]}}]}`, false},
	}
	for _, tt := range tests {
		var p map[string]any
		if err := json.Unmarshal([]byte(tt.pattern), &p); err != nil {
			t.Fatal(err)
		}
		if got := matches(p, event); got != tt.want {
			t.Errorf("matches(%s) = %v, want %v", tt.pattern, got, tt.want)
		}
	}
}
