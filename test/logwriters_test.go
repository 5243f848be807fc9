package test

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/sessionaudit/sessionaudit/constructs/logreceiver"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// The writers of sessionaudit-encrypted log groups (issue 28): every role or policy that may
// logs:PutLogEvents to a log group with a KmsKeyId, and every Firehose stream that logs its errors
// there, has the on-behalf path of AWS's managed policy CloudWatchLogsAPIKeyAccess, scoped to
// that log group.
func init() {
	requirements = append(requirements, requirement{name: "CloudWatch Logs user guide, Encrypt log data in CloudWatch Logs using AWS KMS (\"You should add this [kms:ViaService] to your roles which call CloudWatch Logs\") and AWS's managed policy CloudWatchLogsAPIKeyAccess (kms:GenerateDataKey and kms:Decrypt with kms:ViaService logs.* and the log group's encryption context; kms:DescribeKey with kms:ViaService logs.* only): every role or policy that writes to an encrypted log group, and every Firehose stream that logs its errors to one, has the three, scoped to that log group, and its DescribeKey requires no condition key KMS does not send with DescribeKey",
		check: func(app *synthesized) []string { return logWriterProblems(app.allTemplates()) },
		breakIt: func(c *synthesized) {
			p := firstMatch(c.templates[stacks.LogArchiveStackName], "AWS::IAM::Policy", func(id string) bool { return strings.Contains(id, "DeliveryRole") })
			doc := asMap(asMap(p["Properties"])["PolicyDocument"])
			var kept []any
			for _, s := range statements(doc) {
				if s["Sid"] != logreceiver.SidErrorLogKey+"Describe" {
					kept = append(kept, s)
				}
			}
			doc["Statement"] = kept
		},
	})
}

// encryptedGroup is a log group with a KmsKeyId: its logical ID, the texts its name may be written
// as (the LogGroupName rendered by joined, and a Ref to it), and its key.
type encryptedGroup struct {
	id    string
	names []string
	key   any
}

// logWriterProblems checks every template: each log group with a KmsKeyId has at least one writer
// (so that a writer the check cannot see is a finding, not a pass), and each writer has the path.
func logWriterProblems(templates map[string]map[string]any) (out []string) {
	groups := 0
	for _, name := range keys(templates) {
		tmpl := templates[name]
		for _, g := range encryptedGroups(tmpl) {
			groups++
			writers := groupWriters(tmpl, g)
			if len(writers) == 0 {
				out = append(out, fmt.Sprintf("%s/%s is encrypted but no writer of it was found", name, g.id))
			}
			for _, w := range keys(writers) {
				for _, problem := range writerPathProblems(writers[w], g) {
					out = append(out, fmt.Sprintf("%s/%s (writer of %s): %s", name, w, g.id, problem))
				}
			}
		}
	}
	if groups == 0 {
		out = append(out, "no log group encrypted with a KmsKeyId found in any template")
	}
	return out
}

func encryptedGroups(tmpl map[string]any) (out []encryptedGroup) {
	for id, r := range asMap(tmpl["Resources"]) {
		res := asMap(r)
		p := asMap(res["Properties"])
		if res["Type"] != "AWS::Logs::LogGroup" || p["KmsKeyId"] == nil {
			continue
		}
		g := encryptedGroup{id: id, names: []string{jsonString(map[string]any{"Ref": id})}, key: p["KmsKeyId"]}
		if p["LogGroupName"] != nil {
			g.names = append(g.names, joined(p["LogGroupName"]))
		}
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

// groupWriters are the writers of g, each with the policy documents that apply to it: a role
// (every policy attached to it in the template) or a policy attached to no role there (a managed
// policy customers attach, like the instance policy). A role that a subscription filter names is
// not a writer: CloudWatch Logs assumes it only to check the sender's permission (CloudWatch Logs
// user guide, Cross-account subscriptions with AWS Organizations, Step 2), the events are in the
// group already.
func groupWriters(tmpl map[string]any, g encryptedGroup) map[string][]any {
	roleDocs, policies := policiesByRole(tmpl)
	validators := map[string]bool{}
	for _, r := range asMap(tmpl["Resources"]) {
		if res := asMap(r); res["Type"] == "AWS::Logs::SubscriptionFilter" {
			validators[refID(asMap(res["Properties"])["RoleArn"])] = true
		}
	}
	writers := map[string][]any{}
	for _, p := range policies {
		if !slices.ContainsFunc(statements(p.doc), func(s map[string]any) bool { return putsLogEvents(s, g) }) {
			continue
		}
		if len(p.roles) == 0 {
			writers[p.id] = []any{p.doc}
		}
		for _, role := range p.roles {
			if !validators[role] {
				writers[role] = roleDocs[role]
			}
		}
	}
	// Firehose writes its errors with the role of the destination that logs them.
	for id, r := range asMap(tmpl["Resources"]) {
		res := asMap(r)
		if res["Type"] != "AWS::KinesisFirehose::DeliveryStream" {
			continue
		}
		for key, dest := range asMap(res["Properties"]) {
			logging := asMap(asMap(dest)["CloudWatchLoggingOptions"])
			if !strings.HasSuffix(key, "DestinationConfiguration") || logging["Enabled"] != true || !slices.Contains(g.names, joined(logging["LogGroupName"])) {
				continue
			}
			role := refID(asMap(dest)["RoleARN"])
			if role == "" {
				role = id + "." + key + ".RoleARN (not a role of this template)" // no documents: a finding
			}
			writers[role] = roleDocs[role]
		}
	}
	return writers
}

type attachedPolicy struct {
	id    string
	doc   any
	roles []string
}

// policiesByRole returns the policy documents of each role of the template (inline, attached
// AWS::IAM::Policy and managed policies of the template) and every policy with the roles it is
// attached to.
func policiesByRole(tmpl map[string]any) (map[string][]any, []attachedPolicy) {
	byRole := map[string][]any{}
	var all []attachedPolicy
	for id, r := range asMap(tmpl["Resources"]) {
		res := asMap(r)
		p := asMap(res["Properties"])
		switch res["Type"] {
		case "AWS::IAM::Role":
			for i, inline := range asAnyList(p["Policies"]) {
				doc := asMap(inline)["PolicyDocument"]
				byRole[id] = append(byRole[id], doc)
				all = append(all, attachedPolicy{id: fmt.Sprintf("%s/Policies/%d", id, i), doc: doc, roles: []string{id}})
			}
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
			var roles []string
			for _, ref := range asAnyList(p["Roles"]) {
				if role := refID(ref); role != "" {
					roles = append(roles, role)
					byRole[role] = append(byRole[role], p["PolicyDocument"])
				}
			}
			all = append(all, attachedPolicy{id: id, doc: p["PolicyDocument"], roles: roles})
		}
	}
	for id, r := range asMap(tmpl["Resources"]) {
		if res := asMap(r); res["Type"] == "AWS::IAM::Role" {
			for _, arn := range asAnyList(asMap(res["Properties"])["ManagedPolicyArns"]) {
				if m := asMap(asMap(tmpl["Resources"])[refID(arn)]); m["Type"] == "AWS::IAM::ManagedPolicy" {
					byRole[id] = append(byRole[id], asMap(m["Properties"])["PolicyDocument"])
				}
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].id < all[j].id })
	return byRole, all
}

// putsLogEvents: s allows logs:PutLogEvents on g (its Arn attribute, or an ARN whose log group
// part matches one of g's names, or "*").
func putsLogEvents(s map[string]any, g encryptedGroup) bool {
	if s["Effect"] != "Allow" || !allowsAction(s, "logs:PutLogEvents") {
		return false
	}
	for _, r := range asAnyList(s["Resource"]) {
		text := joined(r)
		if text == "*" || refID(r) == g.id {
			return true
		}
		_, part, ok := strings.Cut(text, ":log-group:")
		if !ok {
			if strings.Contains(text, ":logs:") && strings.HasSuffix(text, ":*") {
				return true // every log group of an account or region
			}
			continue
		}
		for _, name := range g.names {
			if iamGlob(part, name) || iamGlob(part, name+":log-stream:x") {
				return true
			}
		}
	}
	return false
}

// writerPathProblems checks the on-behalf path in a writer's documents.
func writerPathProblems(docs []any, g encryptedGroup) (out []string) {
	var crypto, describe bool
	for _, doc := range docs {
		for _, s := range statements(doc) {
			if s["Effect"] != "Allow" || !coversKey(s["Resource"], g.key) || !throughLogs(s) {
				continue
			}
			// Service Authorization Reference (AWS KMS): DescribeKey takes kms:CallerAccount and
			// kms:ViaService; GenerateDataKey and Decrypt also the encryption context.
			if allowsAction(s, "kms:GenerateDataKey") && allowsAction(s, "kms:Decrypt") &&
				onlyKMSKeys(s, "kms:ViaService", "kms:CallerAccount", logsContextKey) && scopedToGroup(s, g) {
				crypto = true
			}
			if allowsAction(s, "kms:DescribeKey") && onlyKMSKeys(s, "kms:ViaService", "kms:CallerAccount") {
				describe = true
			}
		}
	}
	if !crypto {
		out = append(out, "no kms:GenerateDataKey and kms:Decrypt on its key through CloudWatch Logs scoped to this log group's encryption context")
	}
	if !describe {
		out = append(out, "no kms:DescribeKey on its key through CloudWatch Logs without an encryption-context condition")
	}
	return out
}

const logsContextKey = "kms:EncryptionContext:aws:logs:arn"

// throughLogs: the statement requires kms:ViaService of CloudWatch Logs (one region or any).
func throughLogs(s map[string]any) bool {
	for _, op := range []string{"StringEquals", "StringLike"} {
		values := asAnyList(asMap(asMap(s["Condition"])[op])["kms:ViaService"])
		if values[0] == nil {
			continue
		}
		return !slices.ContainsFunc(values, func(v any) bool {
			text := jsonString(v)
			return !strings.HasPrefix(text, "logs.") || !strings.HasSuffix(text, ".amazonaws.com")
		})
	}
	return false
}

// scopedToGroup: every value of the statement's encryption-context condition names g exactly.
func scopedToGroup(s map[string]any, g encryptedGroup) bool {
	found := false
	for _, op := range []string{"ArnLike", "ArnEquals", "StringEquals", "StringLike"} {
		for _, v := range asAnyList(asMap(asMap(s["Condition"])[op])[logsContextKey]) {
			if v == nil {
				continue
			}
			_, part, ok := strings.Cut(joined(v), ":log-group:")
			if !ok || !slices.Contains(g.names, part) {
				return false
			}
			found = true
		}
	}
	return found
}

// onlyKMSKeys: every kms: condition key the statement requires (not …IfExists) is one of allowed.
func onlyKMSKeys(s map[string]any, allowed ...string) bool {
	for op, block := range asMap(s["Condition"]) {
		if strings.HasSuffix(op, "IfExists") {
			continue
		}
		for key := range asMap(block) {
			if strings.HasPrefix(strings.ToLower(key), "kms:") && !slices.Contains(allowed, key) {
				return false
			}
		}
	}
	return true
}

// coversKey: a statement resource names the key: "*", the key itself, an ARN pattern built from
// the same key attribute, or a pattern matching a literal key ARN.
func coversKey(resource, key any) bool {
	for _, r := range asAnyList(resource) {
		text := joined(r)
		switch ga, _ := jsonPath(key, "Fn::GetAtt").([]any); {
		case text == "*" || text == joined(key):
			return true
		case len(ga) == 2 && strings.Contains(text, ":kms:") && strings.Contains(text, `"Fn::GetAtt":["`+jsonString(ga[0])+`",`):
			return true
		case len(ga) == 0 && iamGlob(text, joined(key)):
			return true
		}
	}
	return false
}

// allowsAction: the statement's Action matches action (IAM: case-insensitive, * and ? wildcards).
func allowsAction(s map[string]any, action string) bool {
	return slices.ContainsFunc(asStrings(s["Action"]), func(a string) bool {
		return iamGlob(strings.ToLower(a), strings.ToLower(action))
	})
}

// iamGlob matches s against an IAM pattern: "*" any characters, "?" one.
func iamGlob(pattern, s string) bool {
	re := regexp.QuoteMeta(pattern)
	re = strings.NewReplacer(`\*`, `(?s:.*)`, `\?`, `.`).Replace(re)
	return regexp.MustCompile("^" + re + "$").MatchString(s)
}

// refID is the logical ID a Ref or Fn::GetAtt names, or "".
func refID(v any) string {
	if ref, ok := asMap(v)["Ref"].(string); ok {
		return ref
	}
	if ga, ok := jsonPath(v, "Fn::GetAtt").([]any); ok && len(ga) > 0 {
		id, _ := ga[0].(string)
		return id
	}
	return ""
}
