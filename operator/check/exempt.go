package check

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/sessionaudit/sessionaudit/operator/report"
)

// ExemptCheck is the check of guardrails.exemptPrincipalArns: which roles and users each pattern
// matches in each account.
const ExemptCheck = "guardrails.exempt-principals"

// ArnLike is whether arn matches pattern as the IAM condition operator ArnLike matches it: "Each of
// the six colon-delimited components of the ARN is checked separately and each can include
// multi-character match wildcards (*) or single-character match wildcards (?)" (IAM user guide,
// "IAM JSON policy elements: Condition operators", "Amazon Resource Name (ARN) condition
// operators"). Within a component, * also matches "/": a role's path is part of its ARN.
func ArnLike(pattern, arn string) bool {
	p, a := strings.SplitN(pattern, ":", 6), strings.SplitN(arn, ":", 6)
	if len(p) != 6 || len(a) != 6 {
		return false
	}
	for i := range p {
		if !glob(p[i], a[i]) {
			return false
		}
	}
	return true
}

// glob matches s against p with * (any run, the empty one included) and ? (one character).
func glob(p, s string) bool {
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi, si = pi+1, si+1
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi, mark = star+1, mark+1
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// exemptQuery is the IAM list call that finds a pattern's principals: kind "role" (iam:ListRoles)
// or "user" (iam:ListUsers), and the path prefix the pattern fixes (the literal part of its path,
// up to the first wildcard: "/aws-reserved/sso.amazonaws.com/" for an Identity Center pattern).
type exemptQuery struct{ kind, pathPrefix string }

// queryOf is the query of a pattern; false for one the configuration would not accept (its schema
// allows arn:<partition>:iam::<account or *>:role/… and :user/… only).
func queryOf(pattern string) (exemptQuery, bool) {
	parts := strings.SplitN(pattern, ":", 6)
	if len(parts) != 6 || parts[2] != "iam" {
		return exemptQuery{}, false
	}
	kind, rest, ok := strings.Cut(parts[5], "/")
	if !ok || (kind != "role" && kind != "user") {
		return exemptQuery{}, false
	}
	literal := "/" + rest
	if i := strings.IndexAny(literal, "*?"); i >= 0 {
		literal = literal[:i]
	}
	return exemptQuery{kind: kind, pathPrefix: literal[:strings.LastIndex(literal, "/")+1]}, true
}

// exemptTally collects, per pattern, the accounts read and the principals matched.
type exemptTally struct {
	mu sync.Mutex
	// examined counts the accounts the pattern's account part matches, read those whose
	// principals were listed, matched the principals it matches.
	examined, read, matched map[string]int
}

func newExemptTally() *exemptTally {
	return &exemptTally{examined: map[string]int{}, read: map[string]int{}, matched: map[string]int{}}
}

// listAction is the IAM action of listing a kind of principal.
var listAction = map[string]string{"role": "iam:ListRoles", "user": "iam:ListUsers"}

// exemptCheck lists, in account, the IAM roles and users each exempt pattern matches (an info
// finding per pattern that matches), and tallies them for exemptSummary.
func exemptCheck(ctx context.Context, e *Env, account string, tally *exemptTally) {
	if !e.Config.Guardrails.Enabled {
		return
	}
	byQuery := map[exemptQuery][]string{}
	var queries []exemptQuery
	for _, pattern := range e.Config.Guardrails.ExemptPrincipalArns {
		q, ok := queryOf(pattern)
		if !ok || !glob(strings.SplitN(pattern, ":", 6)[4], account) {
			continue // a pattern of another account
		}
		if _, seen := byQuery[q]; !seen {
			queries = append(queries, q)
		}
		byQuery[q] = append(byQuery[q], pattern)
		tally.mu.Lock()
		tally.examined[pattern]++
		tally.mu.Unlock()
	}
	client := iam.NewFromConfig(e.cfg(account, e.Config.HomeRegion))
	for _, q := range queries {
		arns, err := listPrincipals(ctx, client, q)
		if err != nil {
			e.failed(ExemptCheck, account, "", call(err, listAction[q.kind], account, ""))
			continue
		}
		for _, pattern := range byQuery[q] {
			var hits []string
			for _, arn := range arns {
				if ArnLike(pattern, arn) {
					hits = append(hits, arn)
				}
			}
			tally.mu.Lock()
			tally.read[pattern]++
			tally.matched[pattern] += len(hits)
			tally.mu.Unlock()
			if len(hits) > 0 {
				e.Report.Add(report.Finding{Check: ExemptCheck, Severity: report.Info, Account: account, Subject: pattern,
					Message: fmt.Sprintf("exempts %s %s", q.kind+plural(len(hits)), strings.Join(hits, ", ")),
					Meaning: "the guardrails do not apply to these principals (guardrails.exemptPrincipalArns)",
					Fix:     "nothing to do if these are the break-glass principals you mean"})
			}
		}
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// listPrincipals is the ARNs of the account's roles or users under q's path prefix (iam:ListRoles
// or iam:ListUsers with PathPrefix, every page: IAM API reference).
func listPrincipals(ctx context.Context, client *iam.Client, q exemptQuery) ([]string, error) {
	var out []string
	prefix := aws.String(q.pathPrefix)
	if q.kind == "user" {
		p := iam.NewListUsersPaginator(client, &iam.ListUsersInput{PathPrefix: prefix})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			for _, u := range page.Users {
				out = append(out, aws.ToString(u.Arn))
			}
		}
		return out, nil
	}
	p := iam.NewListRolesPaginator(client, &iam.ListRolesInput{PathPrefix: prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Roles {
			out = append(out, aws.ToString(r.Arn))
		}
	}
	return out, nil
}

// exemptSummary: a pattern that matches no principal in any account read is a warning (it exempts
// nobody: the break-glass principal it was meant for is guarded like everyone else), and one no
// account could be read for is a failure (the report cannot say what it exempts). Not a failure
// when nothing matched: the deploy works, and the principal may come later (an Identity Center
// permission set provisioned after the deploy); the operator decides.
func exemptSummary(e *Env, accounts []string, tally *exemptTally) {
	if !e.Config.Guardrails.Enabled {
		return
	}
	for _, pattern := range e.Config.Guardrails.ExemptPrincipalArns {
		examined, read, matched := tally.examined[pattern], tally.read[pattern], tally.matched[pattern]
		q, _ := queryOf(pattern)
		switch {
		case matched > 0:
			continue
		case examined == 0:
			e.Report.Add(report.Finding{Check: ExemptCheck, Severity: report.Warn, Subject: pattern,
				Message: fmt.Sprintf("names an account that is none of the %d accounts read (the targets' and the management account)", len(accounts)),
				Meaning: "the guardrails apply in the targets' accounts only: this exemption exempts nobody there",
				Fix:     "correct the account in guardrails.exemptPrincipalArns (or use *)"})
		case read == 0:
			e.Report.Add(report.Finding{Check: ExemptCheck, Severity: report.Fail, Subject: pattern,
				Message: fmt.Sprintf("could not list the IAM %ss of any of the %d accounts it applies to", q.kind, examined),
				Meaning: "the report cannot say whether this exemption exempts anyone",
				Fix:     "see these accounts' other findings; the read role needs " + listAction[q.kind] + " (`sessionaudit policy`)"})
		default:
			hint := ""
			if q.kind == "role" && strings.Contains(pattern, "AWSReservedSSO_") && !strings.Contains(pattern, "/aws-reserved/sso.amazonaws.com/") {
				hint = "; an IAM Identity Center role's ARN carries its path: arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_<permission set>_*"
			}
			e.Report.Add(report.Finding{Check: ExemptCheck, Severity: report.Warn, Subject: pattern,
				Message: fmt.Sprintf("matches no IAM %s in the %d accounts read", q.kind, read),
				Meaning: "the exemption exempts nobody: the break-glass principal it is meant for is denied by the guardrails like everyone else",
				Fix:     "correct guardrails.exemptPrincipalArns to the principal's ARN as aws:PrincipalArn carries it, path included (`aws iam list-roles`)" + hint + "; or create the principal first"})
		}
	}
}
