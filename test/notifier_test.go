package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/coveragecheck"
	"github.com/sessionaudit/sessionaudit/constructs/digest"
	"github.com/sessionaudit/sessionaudit/constructs/ledger"
	"github.com/sessionaudit/sessionaudit/constructs/loginnotifier"
	"github.com/sessionaudit/sessionaudit/stacks"
)

const sampleDir = "../constructs/loginnotifier/testdata/events"

// samples returns the CloudTrail sample events by file name (without .json).
func samples(t *testing.T) map[string]map[string]any {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(sampleDir, "*.json"))
	if len(files) < 10 {
		t.Fatalf("want the CloudTrail samples in %s, found %d", sampleDir, len(files))
	}
	out := map[string]map[string]any{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var e map[string]any
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = e
	}
	return out
}

// rulePatterns returns the event patterns of a template's rules, by rule description.
func rulePatterns(t *testing.T, tmpl map[string]any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, r := range resources(tmpl, "AWS::Events::Rule") {
		if d := props(r)["Description"]; d == digest.ObjectsRuleDescription || d == digest.ScheduleRuleDescription || d == coveragecheck.ScheduleRuleDescription {
			continue // the digester's and the coverage check's rules match no notice
		}
		out[props(r)["Description"].(string)] = props(r)["EventPattern"].(map[string]any)
	}
	return out
}

// sampleKind is the rule a sample event belongs to ("" for none), on the member side (which leaves
// out the example config's ignored principals, arn:aws:iam::*:role/automation/*) and at the inbox
// (which takes whatever arrives).
func sampleKind(name string, member bool) string {
	switch {
	case strings.HasSuffix(name, "-ignored-automation") && strings.HasPrefix(name, "other-"):
		if member {
			return ""
		}
		return sampleKind(strings.TrimPrefix(name, "other-"), member)
	case strings.HasPrefix(name, "other-"):
		return ""
	case strings.HasPrefix(name, "start-session"), strings.HasPrefix(name, "resume-session"), strings.HasPrefix(name, "terminate-session"):
		return "sessions"
	case strings.HasPrefix(name, "start-connection"), strings.HasPrefix(name, "cancel-connection"):
		return "rdp"
	case strings.HasPrefix(name, "start-access-request"), strings.HasPrefix(name, "send-automation-signal"), strings.HasPrefix(name, "access-request-"):
		return "access"
	case strings.HasPrefix(name, "console-login"):
		return "sign-in"
	case strings.HasPrefix(name, "send-ssh-public-key"):
		return config.WayInstanceConnect
	case strings.HasPrefix(name, "open-tunnel"):
		return config.WayInstanceConnectEndpoint
	case strings.HasPrefix(name, "send-serial-console-ssh-public-key"), strings.HasPrefix(name, "enable-serial-console-access"):
		return config.WaySerialConsole
	case strings.HasPrefix(name, "send-command"):
		return config.WayRunCommand
	case strings.HasPrefix(name, "execute-command"):
		return config.WayECSExec
	}
	panic("sample without a kind: " + name)
}

// Each rule's event pattern matches exactly the sample events it should: sessions rules the
// three session calls (any identity, success or failure), RDP rules the connection starts and
// ends, access rules the requests, decisions and settled statuses, sign-in rules every
// ConsoleLogin, ways rules the calls of every way into a node the default config announces (any
// identity, success or failure, ignored principals included: none is logged by Session Manager),
// and nothing else (other SSM, GUI Connect, EC2 and ECS calls, pending statuses, other
// services, other sign-in events). The member rules leave out ignored principals, except for
// sessions with a document that is not logged (any other name, any ARN) and the ways; the sign-in
// stack's rules (ungoverned regions) leave out nobody.
func TestNotifierPatternsMatchExactlyTheirEvents(t *testing.T) {
	events := samples(t)
	for stackName, rules := range map[string]map[string]string{
		stacks.MemberStackName: {
			"sessionaudit: Session Manager sessions to the central bus":     "sessions",
			"sessionaudit: Remote Desktop connections to the central bus":   "rdp",
			"sessionaudit: just-in-time access requests to the central bus": "access",
			"sessionaudit: console sign-ins to the central bus":             "sign-in",
			"sessionaudit: the other ways into a node to the central bus":   "ways",
		},
		stacks.SignInStackName: {
			"sessionaudit: Session Manager sessions to the central bus":   "sessions",
			"sessionaudit: Remote Desktop connections to the central bus": "rdp",
			"sessionaudit: console sign-ins to the central bus":           "sign-in",
			"sessionaudit: the other ways into a node to the central bus": "ways",
		},
		stacks.LogArchiveStackName: {
			"sessionaudit: announce Session Manager sessions":     "sessions",
			"sessionaudit: announce Remote Desktop connections":   "rdp",
			"sessionaudit: announce just-in-time access requests": "access",
			"sessionaudit: announce console sign-ins":             "sign-in",
			"sessionaudit: announce the other ways into a node":   "ways",
		},
	} {
		patterns := rulePatterns(t, defaultApp.templates[stackName])
		delete(patterns, "sessionaudit: announce delivery alarms") // TestAlarmPatternMatchesOnlyOwnAlarmsGoingIntoAlarm
		delete(patterns, ledger.Description)                       // TestLedgerRuleMatchesEveryInboxEvent
		if len(patterns) != len(rules) {
			t.Errorf("%s has rules %v, want %d", stackName, keys(patterns), len(rules))
		}
		member := stackName == stacks.MemberStackName // only the member rules ignore principals
		for description, kind := range rules {
			pattern, ok := patterns[description]
			if !ok {
				t.Fatalf("%s has no rule %q (has %v)", stackName, description, keys(patterns))
			}
			var matched []string
			for name, e := range events {
				got := matches(pattern, e)
				sample := sampleKind(name, member)
				if want := sample == kind || kind == "ways" && slices.Contains(config.AllWays, sample); got != want {
					t.Errorf("%s rule %q: matches(%s) = %v, want %v", stackName, description, name, got, want)
				}
				if got {
					matched = append(matched, name)
				}
			}
			if len(matched) < 4 {
				t.Errorf("%s rule %q matched only %v", stackName, description, matched)
			}
		}
	}
}

// The member session rule stays within EventBridge's pattern size with the most ignored
// principals config accepts.
func TestIgnoredPrincipalsFitInAnEventPattern(t *testing.T) {
	var ignore []string
	for total := 0; ; {
		arn := fmt.Sprintf("arn:aws:iam::*:role/automation-%02d/*", len(ignore))
		if total+len(arn)+3 > config.MaxIgnorePrincipalCharacters {
			break
		}
		ignore = append(ignore, arn)
		total += len(arn) + 3
	}
	for name, pattern := range map[string]loginnotifier.Pattern{
		"sessions": loginnotifier.SessionPattern(ignore), "rdp": loginnotifier.RdpConnectionPattern(ignore),
	} {
		data, _ := json.Marshal(pattern)
		if len(data) > loginnotifier.MaxPatternCharacters {
			t.Errorf("%s pattern with %d ignored principals is %d characters, more than %d", name, len(ignore), len(data), loginnotifier.MaxPatternCharacters)
		}
		if !strings.Contains(string(data), ignore[len(ignore)-1]) {
			t.Errorf("%s pattern leaves out %s", name, ignore[len(ignore)-1])
		}
	}
}

func TestAlarmPatternMatchesOnlyOwnAlarmsGoingIntoAlarm(t *testing.T) {
	patterns := rulePatterns(t, logArchiveTemplate())
	pattern := patterns["sessionaudit: announce delivery alarms"]
	if pattern == nil {
		t.Fatalf("inbox has no alarm rule: %v", keys(patterns))
	}
	alarm := func(name, state string) map[string]any {
		var e map[string]any
		_ = json.Unmarshal([]byte(`{"source":"aws.cloudwatch","detail-type":"CloudWatch Alarm State Change","account":"222222222222","region":"us-east-1",
			"detail":{"alarmName":"`+name+`","state":{"value":"`+state+`","reason":"Threshold Crossed"},"previousState":{"value":"OK"}}}`), &e)
		return e
	}
	for _, tt := range []struct {
		event map[string]any
		want  bool
	}{
		{alarm("session-audit-session-audit-us-east-1-DataFreshness", "ALARM"), true},
		{alarm("session-audit-session-audit-us-east-1-DataFreshness", "OK"), false},
		{alarm("someone-elses-alarm", "ALARM"), false},
	} {
		if got := matches(pattern, tt.event); got != tt.want {
			t.Errorf("alarm %v: matches = %v, want %v", tt.event["detail"], got, tt.want)
		}
	}
}

// One message per alarm: every sessionaudit alarm lives in the log-archive stack with the topic as
// its only action, and nothing forwards alarm state changes to the bus as well (CloudWatch sends
// alarm state changes to the default bus only, and no stack has a rule that forwards them).
func TestOneMessagePerAlarm(t *testing.T) {
	tmpl := logArchiveTemplate()
	topic := logicalID(t, tmpl, "AWS::SNS::Topic", "LoginNotifierTopic")
	for id, a := range resources(tmpl, "AWS::CloudWatch::Alarm") {
		if name, _ := props(a)["AlarmName"].(string); !strings.HasPrefix(name, stacks.AlarmNamePrefix) {
			t.Errorf("alarm %s (%q) lacks the prefix %q", id, name, stacks.AlarmNamePrefix)
		}
		equalJSON(t, id+" actions", props(a)["AlarmActions"], []any{map[string]any{"Ref": topic}})
	}
	for name, tmpl := range defaultApp.templates {
		for desc, p := range rulePatterns(t, tmpl) {
			if name != stacks.LogArchiveStackName && strings.Contains(jsonString(p["source"]), "aws.cloudwatch") {
				t.Errorf("%s rule %q forwards alarms: the home-region alarms would be announced twice", name, desc)
			}
		}
		if name != stacks.LogArchiveStackName && len(resources(tmpl, "AWS::CloudWatch::Alarm")) > 0 {
			t.Errorf("%s has alarms outside the log-archive stack: they could not reach the topic directly", name)
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// The formatter's "Log:" lines point where the member writes: its log group name prefix is the
// member log group's name without the account, and its S3 prefix with "<account>/<region>" is the
// agent's key prefix in the preferences document.
func TestFormatterLogLocationIsWhereTheMemberWrites(t *testing.T) {
	var env map[string]any
	for _, f := range resources(logArchiveTemplate(), "AWS::Lambda::Function") {
		if v, ok := props(f)["Environment"].(map[string]any); ok && v["Variables"].(map[string]any)["LOG_GROUP_PREFIX"] != nil {
			env = v["Variables"].(map[string]any)
		}
	}
	if env == nil {
		t.Fatal("no formatter environment")
	}
	member := memberTemplate()
	lg := resources(member, "AWS::Logs::LogGroup")[logicalID(t, member, "AWS::Logs::LogGroup", "SessionPreferencesLogGroup")]
	if got, want := renderJoin(t, props(lg)["LogGroupName"]), env["LOG_GROUP_PREFIX"].(string)+"{Ref:AWS::AccountId}"; got != want {
		t.Errorf("member log group %q, formatter names %q", got, want)
	}
	if got, want := agentKeyPrefix(t, member), env["S3_PREFIX"].(string)+"{Ref:AWS::AccountId}/{Ref:AWS::Region}"; got != want {
		t.Errorf("agent key prefix %q, formatter names %q", got, want)
	}
}

// agentKeyPrefix is the s3KeyPrefix of the member's preferences document in the home region
// (the bucket's), references rendered.
func agentKeyPrefix(t *testing.T, member map[string]any) string {
	t.Helper()
	prefix, _ := preferencesIn(t, member, defaultApp.cfg.HomeRegion)["inputs"].(map[string]any)["s3KeyPrefix"].(string)
	return prefix
}

// The formatter counts as logged only the preferences document: AWS's SSH and port forwarding
// documents are never logged (Session Manager user guide, "Logging session activity": "Logging
// isn't available for Session Manager sessions that connect through port forwarding or SSH"), so
// the deployed LOGGED_DOCUMENTS is exactly SSM-SessionManagerRunShell, named here as AWS names it
// rather than through sessiondocs, which the test would otherwise share with the code it checks.
// The daily coverage check (constructs/coveragecheck) names its causes from the same list.
func TestFormatterLogsOnlyThePreferencesDocument(t *testing.T) {
	found := map[string]string{}
	for _, f := range resources(logArchiveTemplate(), "AWS::Lambda::Function") {
		v, _ := props(f)["Environment"].(map[string]any)
		vars, _ := v["Variables"].(map[string]any)
		if docs, ok := vars["LOGGED_DOCUMENTS"].(string); ok {
			d, _ := props(f)["Description"].(string)
			found[d] = docs
		}
	}
	if len(found) != 2 || found[coveragecheck.Description] == "" {
		t.Errorf("LOGGED_DOCUMENTS in %q, want the formatter and the coverage check", found)
	}
	for fn, docs := range found {
		if docs != "SSM-SessionManagerRunShell" {
			t.Errorf("%s: LOGGED_DOCUMENTS %q, want \"SSM-SessionManagerRunShell\" (AWS-StartSSHSession and the port forwarding documents are never logged)", fn, docs)
		}
	}
}
