package check

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
)

// What "an SCP denies the StackSet in a region" means here. SessionAudit-Member and
// SessionAudit-SignIn are service-managed StackSets: in every member account the execution role
// stacksets-exec-<id> (guardrails.StackSetExecutionRoles) runs the stack operation and creates the
// template's resources. A statement denies the StackSet in region R when, for a request of that
// role in R, it denies an action of CloudFormation (the stack operation itself) or of a service
// whose resources the member stacks create (stackSetServices): the stack operation fails at the
// first denied call either way. So a NotAction that exempts cloudformation:* but not logs:* still
// denies the StackSet. IAM is global: its requests carry aws:RequestedRegion us-east-1 (IAM user
// guide, "AWS: Denies access to AWS based on the requested Region"), so a statement that denies
// IAM there denies the StackSet in every region. Only statements with an aws:RequestedRegion
// condition are region-deny statements; others are not read.

// stackSetServices are the service prefixes the StackSet's execution role calls in a region:
// cloudformation for the stack operation, and the services of the resource types of the member
// and sign-in templates (AWS::Events::Rule, AWS::IAM::*, AWS::Lambda::Function, AWS::Logs::*,
// AWS::SQS::*). Calls that custom resources' Lambda functions make run as their own roles.
var stackSetServices = []string{"cloudformation", "events", "iam", "lambda", "logs", "sqs"}

// globalServices are the services with one endpoint, and the region their requests carry.
var globalServices = map[string]map[string]string{
	"iam": {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"},
}

// execRoleAccount is the account of the execution role ARN that conditions on aws:PrincipalArn
// are evaluated with: an exemption must hold for the role in every account, not one named account.
const execRoleAccount = "000000000000"

// verdict is a three-valued answer: whether a statement applies to a request.
type verdict int

const (
	no verdict = iota
	maybe
	yes
)

// and is the conjunction of verdicts (a statement applies when all its parts do).
func and(vs ...verdict) verdict {
	out := yes
	for _, v := range vs {
		out = min(out, v)
	}
	return out
}

// denial is what region-deny statements of one SCP do to the StackSet in one region.
type denial struct {
	Region string
	// Services are the stackSetServices whose calls are (or may be) denied there.
	Services []string
	// Certain is false when only conditions or resources the check cannot evaluate (a principal
	// tag, a resource ARN naming one resource) keep the statement from applying for certain.
	Certain bool
}

// regionDeny reads an SCP and returns, for each of regions the StackSet deploys to, whether its
// region-deny statements deny the StackSet there. It reads the IAM policy grammar (IAM user guide,
// "IAM JSON policy element reference"): Statement as an object or a list; Action or NotAction;
// Resource or NotResource; every condition operator on aws:RequestedRegion and aws:PrincipalArn
// (String[Not]Equals[IgnoreCase], String[Not]Like, Arn[Not]Equals, Arn[Not]Like, with IfExists
// and the ForAnyValue:/ForAllValues: set prefixes, which for these single-valued keys present in
// every request compare as the plain operator: IAM user guide, "Set operators for multivalued
// context keys"); an allow-list (StringNotEquals / StringNotLike) or a block-list (StringEquals /
// StringLike) of regions alike. An exemption on aws:PrincipalArn that matches the execution role
// (stacksets-exec-*) in any account means the statement does not deny the StackSet. Content that is
// not a policy is an error.
func regionDeny(content string, regions []string, partition string) ([]denial, error) {
	var doc struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(content), &doc); err != nil {
		return nil, fmt.Errorf("not a JSON policy: %v", err)
	}
	var stmts []map[string]any
	if json.Unmarshal(doc.Statement, &stmts) != nil {
		var one map[string]any
		if err := json.Unmarshal(doc.Statement, &one); err != nil {
			return nil, fmt.Errorf("its Statement is neither an object nor a list: %v", err)
		}
		stmts = []map[string]any{one}
	}
	principal := execRoleArn(partition)
	var out []denial
	for _, r := range regions {
		d := denial{Region: r}
		for _, s := range stmts {
			if s["Effect"] != "Deny" || !hasRegionCondition(s) {
				continue
			}
			for _, svc := range stackSetServices {
				req := requestRegion(svc, r, partition)
				v := and(actionCovers(s, svc), resourceCovers(s, svc, req), conditionHolds(s, req, principal))
				if v == no {
					continue
				}
				if !slices.Contains(d.Services, svc) {
					d.Services = append(d.Services, svc)
				}
				d.Certain = d.Certain || v == yes
			}
		}
		if len(d.Services) > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

// execRoleArn is an execution role ARN of the StackSet (guardrails.StackSetExecutionRoles with its
// wildcards filled in: partition, execRoleAccount, an ID).
func execRoleArn(partition string) string {
	arn := strings.Replace(guardrails.StackSetExecutionRoles, "*", partition, 1)
	arn = strings.Replace(arn, "*", execRoleAccount, 1)
	return strings.Replace(arn, "*", "0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d", 1)
}

// requestRegion is the aws:RequestedRegion of svc's requests made for a stack in region.
func requestRegion(svc, region, partition string) string {
	if g, ok := globalServices[svc]; ok && g[partition] != "" {
		return g[partition]
	}
	return region
}

func hasRegionCondition(s map[string]any) bool {
	cond, _ := s["Condition"].(map[string]any)
	for _, body := range cond {
		m, _ := body.(map[string]any)
		for key := range m {
			if strings.EqualFold(key, "aws:RequestedRegion") {
				return true
			}
		}
	}
	return false
}

// actionCovers: the statement's Action matches an action of svc, or its NotAction leaves some of
// svc's actions out (action names are case-insensitive: IAM user guide, "Action").
func actionCovers(s map[string]any, svc string) verdict {
	if a, ok := s["Action"]; ok {
		for _, p := range strs(a) {
			p = strings.ToLower(p)
			service, action, found := strings.Cut(p, ":")
			if (found && action != "" && wildcard(service, svc)) || (!found && strings.Trim(p, "*") == "") {
				return yes
			}
		}
		return no
	}
	if _, ok := s["NotAction"]; !ok {
		return no
	}
	for _, p := range strs(s["NotAction"]) {
		if coversService(strings.ToLower(p), svc) {
			return no
		}
	}
	return yes
}

// coversService: pattern matches every action of svc ("svc:*", "*", "sv*"): a prefix of
// "<svc>:" matched by the pattern without its trailing stars, which then match any action name.
func coversService(pattern, svc string) bool {
	q := strings.TrimRight(pattern, "*")
	if q == pattern {
		return false
	}
	full := svc + ":"
	for k := 0; k <= len(full); k++ {
		if wildcard(q, full[:k]) {
			return true
		}
	}
	return false
}

// resourceCovers: Resource or NotResource for svc's resources in region (the resource names of
// the stacks are not known here: an ARN naming particular resources of svc is a maybe).
func resourceCovers(s map[string]any, svc, region string) verdict {
	if _, global := globalServices[svc]; global {
		region = "" // a global service's ARNs have no region (arn:aws:iam::<account>:role/…)
	}
	match := func(p string) verdict {
		if strings.Trim(p, "*") == "" {
			return yes
		}
		parts := strings.SplitN(p, ":", 6)
		if len(parts) != 6 || !wildcard(strings.ToLower(parts[2]), svc) {
			return no
		}
		if !wildcard(parts[3], region) {
			return no
		}
		if strings.Trim(parts[4], "*") == "" && strings.Trim(parts[5], "*") == "" {
			return yes
		}
		return maybe
	}
	if r, ok := s["Resource"]; ok {
		best := no
		for _, p := range strs(r) {
			best = max(best, match(p))
		}
		return best
	}
	if _, ok := s["NotResource"]; !ok {
		return yes
	}
	out := yes
	for _, p := range strs(s["NotResource"]) {
		switch match(p) {
		case yes:
			return no
		case maybe:
			out = maybe
		}
	}
	return out
}

// conditionHolds evaluates the statement's Condition block (all operators and keys must hold) for
// a request of principal in region; other keys are a maybe.
func conditionHolds(s map[string]any, region, principal string) verdict {
	cond, _ := s["Condition"].(map[string]any)
	out := yes
	for op, body := range cond {
		m, ok := body.(map[string]any)
		if !ok {
			return maybe
		}
		base := strings.TrimSuffix(op, "IfExists")
		if _, rest, found := strings.Cut(base, ":"); found {
			base = rest // ForAnyValue: / ForAllValues:
		}
		for key, v := range m {
			var value string
			switch strings.ToLower(key) {
			case "aws:requestedregion":
				value = region
			case "aws:principalarn":
				value = principal
			default:
				out = and(out, maybe)
				continue
			}
			out = and(out, compare(base, value, strs(v)))
		}
	}
	return out
}

// compare is one condition operator (IAM user guide, "IAM JSON policy elements: Condition
// operators") applied to a value present in the request; an operator it does not know is a maybe.
func compare(op, value string, patterns []string) verdict {
	var match func(p string) bool
	negate := strings.Contains(op, "Not")
	switch strings.Replace(op, "Not", "", 1) {
	case "StringEquals":
		match = func(p string) bool { return p == value }
	case "StringEqualsIgnoreCase":
		match = func(p string) bool { return strings.EqualFold(p, value) }
	case "StringLike":
		match = func(p string) bool { return wildcard(p, value) }
	case "ArnEquals", "ArnLike":
		match = func(p string) bool { return arnLike(p, value) }
	default:
		return maybe
	}
	if slices.ContainsFunc(patterns, match) != negate {
		return yes
	}
	return no
}

// arnLike compares an ARN with a pattern component by component, each with * and ? (IAM user
// guide, "Amazon Resource Name (ARN) condition operators").
func arnLike(pattern, arn string) bool {
	p, a := strings.SplitN(pattern, ":", 6), strings.SplitN(arn, ":", 6)
	if len(p) != 6 || len(a) != 6 {
		return false
	}
	for i := range p {
		if !wildcard(p[i], a[i]) {
			return false
		}
	}
	return true
}

// wildcard matches IAM's * and ? patterns (case-sensitive).
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
