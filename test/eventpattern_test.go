package test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// matches reports whether an EventBridge event pattern matches an event. It implements the part
// of EventBridge's matching that sessionaudit's rules use: nested objects, lists of allowed
// values (an event list matches if any element does), and {"prefix": …} / {"exists": …}.
func matches(pattern, event map[string]any) bool {
	for key, want := range pattern {
		got, present := event[key]
		switch w := want.(type) {
		case map[string]any:
			sub, ok := got.(map[string]any)
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

func matchesAny(allowed []any, got any, present bool) bool {
	values := []any{got}
	if list, ok := got.([]any); ok {
		values = list
	}
	for _, a := range allowed {
		if rule, ok := a.(map[string]any); ok {
			if exists, ok := rule["exists"].(bool); ok && exists == present {
				return true
			}
			if prefix, ok := rule["prefix"].(string); ok && present {
				for _, v := range values {
					if s, ok := v.(string); ok && strings.HasPrefix(s, prefix) {
						return true
					}
				}
			}
			continue
		}
		if !present {
			continue
		}
		for _, v := range values {
			if reflect.DeepEqual(a, v) {
				return true
			}
		}
	}
	return false
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
