package check

import (
	"encoding/json"
	"slices"
	"strings"
)

// regionDeny reads an SCP and returns the governed or sign-in regions among regions that one of its
// Deny statements denies by aws:RequestedRegion for CloudFormation (the StackSet's deployment and
// so every session's logging in that region). It understands the shapes AWS's own region-deny
// examples use (Organizations user guide, "Example SCPs": "Deny access to AWS based on the
// requested AWS Region"; Control Tower's region deny control): Effect Deny, Action or NotAction,
// and StringNotEquals / StringNotEqualsIgnoreCase / StringNotLike on aws:RequestedRegion. A
// statement with other conditions (an exempt principal, say) is reported with exempt=true: it may
// spare the StackSet's roles, so the finding is a warning, not a failure.
func regionDeny(content string, regions []string) (denied []string, exempt bool) {
	var doc struct {
		Statement json.RawMessage
	}
	if json.Unmarshal([]byte(content), &doc) != nil {
		return nil, false
	}
	var stmts []map[string]any
	if json.Unmarshal(doc.Statement, &stmts) != nil {
		var one map[string]any
		if json.Unmarshal(doc.Statement, &one) != nil {
			return nil, false
		}
		stmts = []map[string]any{one}
	}
	for _, s := range stmts {
		if s["Effect"] != "Deny" || !coversCloudFormation(s) {
			continue
		}
		cond, _ := s["Condition"].(map[string]any)
		otherConditions := false
		var allowed []string
		found := false
		for op, body := range cond {
			m, _ := body.(map[string]any)
			for key, v := range m {
				if strings.EqualFold(key, "aws:RequestedRegion") && (op == "StringNotEquals" || op == "StringNotEqualsIgnoreCase" || op == "StringNotLike") {
					found = true
					allowed = append(allowed, strs(v)...)
				} else {
					otherConditions = true
				}
			}
		}
		if !found {
			continue
		}
		for _, r := range regions {
			if !matchesAny(r, allowed) && !slices.Contains(denied, r) {
				denied = append(denied, r)
			}
		}
		exempt = exempt || otherConditions
	}
	return denied, exempt
}

// coversCloudFormation: the statement's Action (or the complement of its NotAction) includes
// cloudformation:CreateStack.
func coversCloudFormation(s map[string]any) bool {
	if a, ok := s["Action"]; ok {
		for _, p := range strs(a) {
			if wildcard(strings.ToLower(p), "cloudformation:createstack") {
				return true
			}
		}
		return false
	}
	for _, p := range strs(s["NotAction"]) {
		if wildcard(strings.ToLower(p), "cloudformation:createstack") {
			return false
		}
	}
	return true
}

func matchesAny(region string, patterns []string) bool {
	for _, p := range patterns {
		if wildcard(strings.ToLower(p), region) {
			return true
		}
	}
	return false
}

// wildcard matches IAM's * and ? patterns.
func wildcard(pattern, s string) bool {
	if pattern == "" {
		return s == ""
	}
	switch pattern[0] {
	case '*':
		for i := 0; i <= len(s); i++ {
			if wildcard(pattern[1:], s[i:]) {
				return true
			}
		}
		return false
	case '?':
		return s != "" && wildcard(pattern[1:], s[1:])
	}
	return s != "" && pattern[0] == s[0] && wildcard(pattern[1:], s[1:])
}

func strs(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
