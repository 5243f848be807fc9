package loginnotifier

import (
	"encoding/json"
	"slices"
)

// InboxPatterns are the event patterns of the inbox's rules to the formatter, by rule name
// ("Sessions", "RdpConnections", "AccessRequests", "ConsoleSignIn", "Ways"): the access events the
// central bus announces. Each call returns fresh maps.
func InboxPatterns() map[string]Pattern {
	out := map[string]Pattern{}
	for _, r := range formatterRules {
		out[r.name] = copyPattern(r.pattern)
	}
	return out
}

// copyPattern is a deep copy of p as JSON values (lists as []any).
func copyPattern(p Pattern) Pattern {
	data, err := json.Marshal(p)
	if err != nil {
		panic("loginnotifier: pattern is not JSON: " + err.Error())
	}
	var out Pattern
	if err := json.Unmarshal(data, &out); err != nil {
		panic("loginnotifier: pattern is not JSON: " + err.Error())
	}
	return out
}

// InboxUnionPattern matches every event one of the inbox's rules to the formatter matches: their
// patterns as the branches of a top-level "$or" (EventBridge user guide, "Comparison operators":
// "$or"; a branch may hold an "$or" of its own), with the union of their sources at the top
// (newRule: every pattern has a top-level source; a branch's own source narrows it).
func InboxUnionPattern() Pattern {
	var branches, sources []any
	seen := map[string]bool{}
	for _, r := range formatterRules {
		p := copyPattern(r.pattern)
		branches = append(branches, map[string]any(p))
		list, _ := p["source"].([]any)
		for _, s := range list {
			key, _ := json.Marshal(s)
			if !seen[string(key)] {
				seen[string(key)] = true
				sources = append(sources, s)
			}
		}
	}
	slices.SortStableFunc(sources, func(a, b any) int { // plain names first, then operators
		_, am := a.(map[string]any)
		_, bm := b.(map[string]any)
		switch {
		case am == bm:
			return 0
		case bm:
			return -1
		}
		return 1
	})
	return Pattern{"source": sources, "$or": branches}
}
