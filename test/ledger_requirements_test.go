package test

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sessionaudit/sessionaudit/constructs/loginnotifier"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// The requirements the ledger's rule and stream rely on (issue 31): each names where AWS documents
// it, runs over every template and StackSet body (eachResource), and has its way to break it.
func init() {
	requirements = append(requirements,
		requirement{name: "EventBridge quotas: an event pattern has at most 2,048 characters (every rule's pattern fits)", check: func(app *synthesized) (out []string) {
			eachResource(app, "AWS::Events::Rule", func(stack, id string, r map[string]any) {
				if n := len(jsonString(props(r)["EventPattern"])); n > loginnotifier.MaxPatternCharacters {
					out = append(out, fmt.Sprintf("%s/%s: %d characters", stack, id, n))
				}
			})
			return out
		}, breakIt: func(c *synthesized) {
			rule := firstMatch(c.templates[stacks.LogArchiveStackName], "AWS::Events::Rule", func(id string) bool { return strings.HasPrefix(id, "LedgerRule") })
			asMap(props(rule)["EventPattern"])["account"] = []any{strings.Repeat("1", 2048)}
		}},
		requirement{name: "EventBridge user guide, Event bus targets (Amazon Data Firehose delivery stream: EventBridge needs a role that allows firehose:PutRecord): a rule that targets a Firehose stream names a role whose policy may firehose:PutRecord on that stream", check: func(app *synthesized) (out []string) {
			for stack, tmpl := range app.allTemplates() {
				for id, r := range resources(tmpl, "AWS::Events::Rule") {
					for _, target := range asAnyList(props(r)["Targets"]) {
						t := asMap(target)
						stream := ""
						for sid := range resources(tmpl, "AWS::KinesisFirehose::DeliveryStream") {
							if strings.Contains(jsonString(t["Arn"]), `"`+sid+`"`) {
								stream = sid
							}
						}
						if stream == "" {
							continue
						}
						if !firehosePutAllowed(tmpl, t["RoleArn"], stream) {
							out = append(out, fmt.Sprintf("%s/%s: target %v has no role that may firehose:PutRecord on %s", stack, id, t["Id"], stream))
						}
					}
				}
			}
			return out
		}, breakIt: func(c *synthesized) {
			rule := firstMatch(c.templates[stacks.LogArchiveStackName], "AWS::Events::Rule", func(id string) bool { return strings.HasPrefix(id, "LedgerRule") })
			delete(asMap(asAnyList(props(rule)["Targets"])[0]), "RoleArn")
		}},
	)
}

// firehosePutAllowed reports whether roleArn ({"Fn::GetAtt": [role, "Arn"]}) has a policy in tmpl
// that allows firehose:PutRecord on stream's ARN.
func firehosePutAllowed(tmpl map[string]any, roleArn any, stream string) bool {
	getAtt, _ := asMap(roleArn)["Fn::GetAtt"].([]any)
	if len(getAtt) != 2 {
		return false
	}
	role := fmt.Sprint(getAtt[0])
	for _, p := range resources(tmpl, "AWS::IAM::Policy") {
		if !strings.Contains(jsonString(props(p)["Roles"]), `"`+role+`"`) {
			continue
		}
		for _, s := range statements(props(p)["PolicyDocument"]) {
			if s["Effect"] == "Allow" && slices.Contains(asStrings(s["Action"]), "firehose:PutRecord") && strings.Contains(jsonString(s["Resource"]), `"`+stream+`"`) {
				return true
			}
		}
	}
	return false
}
