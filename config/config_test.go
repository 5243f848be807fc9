package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
)

// defaultConfig returns the example configuration embedded in cdk.json, as raw JSON.
func defaultConfig(t *testing.T) map[string]any {
	t.Helper()
	data, err := os.ReadFile("../cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var cdk struct {
		Context struct {
			SessionAudit map[string]any `json:"sessionAudit"`
		} `json:"context"`
	}
	if err := json.Unmarshal(data, &cdk); err != nil {
		t.Fatal(err)
	}
	return cdk.Context.SessionAudit
}

func TestDefaultConfigIsValid(t *testing.T) {
	data, _ := json.Marshal(defaultConfig(t))
	cfg, err := Parse(data, "cdk.json")
	if err != nil {
		t.Fatalf("embedded default config is invalid:\n%v", err)
	}
	if cfg.OrganizationID != "o-exampleorg1" || cfg.LogArchiveAccountID != "222222222222" {
		t.Errorf("unexpected identifiers: %+v", cfg)
	}
}

func TestDefaultsApplyToOmittedFields(t *testing.T) {
	minimal := `{"organizationId":"o-exampleorg1","managementAccountId":"111111111111",
	  "logArchiveAccountId":"222222222222","homeRegion":"eu-west-1","regions":["eu-west-1"],
	  "targetOrganizationalUnitIds":["r-ab12"]}`
	cfg, err := Parse([]byte(minimal), "minimal.json")
	if err != nil {
		t.Fatal(err)
	}
	want := defaults()
	want.OrganizationID, want.ManagementAccountID, want.LogArchiveAccountID = "o-exampleorg1", "111111111111", "222222222222"
	want.HomeRegion, want.Regions, want.TargetOrganizationalUnitIDs = "eu-west-1", []string{"eu-west-1"}, []string{"r-ab12"}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}
	if cfg.Session.IdleSessionTimeoutMinutes != nil || cfg.Session.MaxSessionDurationMinutes != nil || cfg.Session.RunAsEnabled != nil ||
		!cfg.Session.CloudWatchStreaming || cfg.Session.EncryptionKey != "organization" || !cfg.Guardrails.Enabled || cfg.Guardrails.UnloggedSessions != "notify" || cfg.Retention.CloudWatchDays != 365 || cfg.Retention.ArchiveDays != 2557 ||
		cfg.Retention.ObjectLockMode != "GOVERNANCE" || !cfg.RDPRecording.Enabled || !cfg.Notifications.ConsoleSignIn || !cfg.Notifications.DailyCoverage || cfg.DelegatedAdmin ||
		!cfg.StackSet.RetainStacksOnAccountRemoval || cfg.StackSet.RegionConcurrency != "PARALLEL" ||
		cfg.StackSet.MaxConcurrentPercentage != 25 || cfg.StackSet.FailureTolerancePercentage != 10 {
		t.Errorf("documented defaults not applied: %+v", cfg)
	}
}

func TestBadConfigs(t *testing.T) {
	tests := []badConfig{
		{"organization id", func(c map[string]any) { c["organizationId"] = "o-ABC" },
			[]string{`organizationId: must be "o-" followed by 10 to 32 lowercase letters or digits (got "o-ABC")`}},
		// An ID that is valid but for its "o-" (the rest within the length and the alphabet), so that
		// the case fails only if the schema stops asking for the prefix.
		{"organization id without o-", func(c map[string]any) { c["organizationId"] = "exampleorg12" },
			[]string{`organizationId: must be "o-" followed by 10 to 32 lowercase letters or digits (got "exampleorg12")`}},
		{"organization id one short", func(c map[string]any) { c["organizationId"] = "o-" + strings.Repeat("a", 9) },
			[]string{`organizationId: must be "o-" followed by 10 to 32 lowercase letters or digits (got "o-aaaaaaaaa")`}},
		{"organization id one long", func(c map[string]any) { c["organizationId"] = "o-" + strings.Repeat("a", 33) },
			[]string{`organizationId: must be "o-" followed by 10 to 32 lowercase letters or digits (got "o-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")`}},
		{"missing required fields", func(c map[string]any) { delete(c, "organizationId"); delete(c, "regions") },
			[]string{`organizationId: is required (got nothing)`, `regions: is required (got nothing)`}},
		{"account ids", func(c map[string]any) { c["managementAccountId"] = "12345"; c["logArchiveAccountId"] = 222222222222 },
			[]string{`managementAccountId: must be a 12-digit AWS account ID (got "12345")`, `logArchiveAccountId: must be a string (got 222222222222)`}},
		{"delegated admin type", func(c map[string]any) { c["delegatedAdmin"] = "yes" },
			[]string{`delegatedAdmin: must be true or false (got "yes")`}},
		{"home region", func(c map[string]any) { c["homeRegion"] = "Tokyo" },
			[]string{`homeRegion: must be a region code such as ap-northeast-1 (got "Tokyo")`}},
		{"regions without home", func(c map[string]any) { c["regions"] = []any{"us-east-1", "eu-west-1"} },
			[]string{`regions: must include homeRegion "ap-northeast-1" (got ["us-east-1","eu-west-1"])`}},
		{"regions empty, bad and duplicate", func(c map[string]any) {
			c["regions"] = []any{"ap-northeast-1", "mars-1", "ap-northeast-1", 7}
		}, []string{
			`regions[3]: must be a string (got 7)`,
			`regions[1]: must be a region code such as ap-northeast-1 (got "mars-1")`,
			`regions[2]: is a duplicate (got "ap-northeast-1")`,
		}},
		{"no targets", func(c map[string]any) { c["targetOrganizationalUnitIds"] = []any{} },
			[]string{`targetOrganizationalUnitIds: must hold at least one entry (got [])`}},
		{"bad target", func(c map[string]any) { c["targetOrganizationalUnitIds"] = []any{"ou-1", "r-abcd"} },
			[]string{`targetOrganizationalUnitIds[0]: must be an OU ID "ou-xxxx-xxxxxxxx" or a root ID "r-xxxx" (got "ou-1")`}},
		{"targets not a list", func(c map[string]any) { c["targetOrganizationalUnitIds"] = "ou-exam-11111111" },
			[]string{`targetOrganizationalUnitIds: must be a list of strings (got "ou-exam-11111111")`}},
		{"session ranges", func(c map[string]any) {
			s := c["session"].(map[string]any)
			s["idleSessionTimeoutMinutes"] = 0
			s["maxSessionDurationMinutes"] = 1441
		}, []string{
			`session.idleSessionTimeoutMinutes: must be between 1 and 60 (got 0)`,
			`session.maxSessionDurationMinutes: must be between 1 and 1440 (got 1441)`,
		}},
		{"fractional timeout", func(c map[string]any) { c["session"].(map[string]any)["idleSessionTimeoutMinutes"] = 2.5 },
			[]string{`session.idleSessionTimeoutMinutes: must be a whole number (got 2.5)`}},
		{"run as without user", func(c map[string]any) { c["session"].(map[string]any)["runAsEnabled"] = true },
			[]string{`session.runAsDefaultUser: is required when session.runAsEnabled is true (got nothing)`}},
		{"run as bad user", func(c map[string]any) {
			s := c["session"].(map[string]any)
			s["runAsEnabled"], s["runAsDefaultUser"] = true, "bad user"
		}, []string{`session.runAsDefaultUser: must be an OS user name (letters, digits, _ . -; at most 32 characters) (got "bad user")`}},
		{"instance role arn", func(c map[string]any) {
			c["session"].(map[string]any)["instanceRoleNames"] = []any{"arn:aws:iam::111111111111:role/x"}
		}, []string{`session.instanceRoleNames[0]: must be an IAM role name (1 to 64 of A-Z a-z 0-9 + = , . @ _ -), not an ARN (got "arn:aws:iam::111111111111:role/x")`}},
		{"too many instance roles", func(c map[string]any) {
			var roles []any
			for i := 0; i < 11; i++ {
				roles = append(roles, fmt.Sprintf("AppRole%02d", i))
			}
			c["session"].(map[string]any)["instanceRoleNames"] = roles
		}, []string{`session.instanceRoleNames: must hold at most 10 entries: the member template, which names them, travels inline to CloudFormation (at most 50 KiB); attach the policy (output InstancePolicyArn) to more roles yourself (got 11 entries)`}},
		{"shell profiles too long", func(c map[string]any) {
			s := c["session"].(map[string]any)
			s["shellProfileLinux"], s["shellProfileWindows"] = strings.Repeat("x", 513), "ok"
		}, []string{`session.shellProfileLinux: must be at most 512 characters (the preferences document travels in the member template, which the CDK CLI sends inline only up to 50 KiB) (got "` + strings.Repeat("x", 76) + `...)`}},
		{"too many forwarders", func(c map[string]any) {
			var fs []any
			for i := 0; i < 21; i++ {
				fs = append(fs, map[string]any{"name": fmt.Sprintf("f%d", i), "logGroupName": fmt.Sprintf("g%d", i), "filterPattern": "ERROR"})
			}
			c["forwarders"] = fs
		}, []string{`forwarders: must hold at most 20 entries: SessionAudit-Forwarders travels inline to CloudFormation (at most 50 KiB) (got 21 entries)`}},
		{"guardrails", func(c map[string]any) {
			c["guardrails"] = map[string]any{"unloggedSessions": "block", "exemptPrincipalArns": []any{"BreakGlass", "arn:aws:iam::*:role/BreakGlass", "arn:aws:iam::*:role/BreakGlass"}}
		}, []string{
			`guardrails.exemptPrincipalArns[0]: must be an IAM role, user or assumed-role ARN pattern such as arn:aws:iam::*:role/BreakGlass (* and ? allowed) (got "BreakGlass")`,
			`guardrails.exemptPrincipalArns[2]: is a duplicate (got "arn:aws:iam::*:role/BreakGlass")`,
			`guardrails.unloggedSessions: must be "notify", "deny" or "allow" (got "block")`,
		}},
		{"guardrails exemptions too long", func(c map[string]any) {
			var arns []any
			for i := 0; i < 11; i++ {
				arns = append(arns, fmt.Sprintf("arn:aws:iam::*:role/%s%02d", strings.Repeat("x", 69), i))
			}
			c["guardrails"] = map[string]any{"exemptPrincipalArns": arns}
		}, []string{`guardrails.exemptPrincipalArns: make the guardrail policy SessionAuditProtect 6840 characters long, more than a service control policy may have (5120); each pattern appears, quoted, in every statement of the policy; exempt a role path such as arn:aws:iam::*:role/break-glass/* instead (got 11 patterns)`}},
		{"ignored principals", func(c map[string]any) {
			c["notifications"].(map[string]any)["ignorePrincipals"] = []any{"automation", "arn:aws:iam::*:role/Auto?", "arn:aws:iam::**:role/x",
				"arn:aws:iam::*:role/automation/*", "arn:aws:sts::*:assumed-role/deploy/*", "arn:aws:iam::111111111111:root", "arn:aws:iam::*:role/automation/*"}
		}, []string{
			`notifications.ignorePrincipals[0]: must be an IAM role, user, root or assumed-role ARN pattern such as arn:aws:iam::*:role/Automation (* allowed, ? not) (got "automation")`,
			`notifications.ignorePrincipals[1]: must be an IAM role, user, root or assumed-role ARN pattern such as arn:aws:iam::*:role/Automation (* allowed, ? not) (got "arn:aws:iam::*:role/Auto?")`,
			`notifications.ignorePrincipals[2]: must not have two * in a row (EventBridge wildcards) (got "arn:aws:iam::**:role/x")`,
			`notifications.ignorePrincipals[6]: is a duplicate (got "arn:aws:iam::*:role/automation/*")`,
		}},
		{"ignored principals too long", func(c map[string]any) {
			var arns []any
			for i := 0; i < 8; i++ {
				arns = append(arns, fmt.Sprintf("arn:aws:iam::*:role/%s%02d", strings.Repeat("x", 69), i))
			}
			c["notifications"].(map[string]any)["ignorePrincipals"] = arns
		}, []string{`notifications.ignorePrincipals: must take at most 700 characters together to fit in an EventBridge event pattern (2,048 characters); ignore a role path such as arn:aws:iam::*:role/automation/* instead (got 752 characters in 8 patterns)`}},
		{"session key", func(c map[string]any) { c["session"].(map[string]any)["encryptionKey"] = "shared" },
			[]string{`session.encryptionKey: must be "organization", "account" or "none" (got "shared")`}},
		{"cloudwatch retention", func(c map[string]any) { c["retention"].(map[string]any)["cloudWatchDays"] = 10 },
			[]string{`retention.cloudWatchDays: must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (got 10)`}},
		{"archive days", func(c map[string]any) { c["retention"].(map[string]any)["archiveDays"] = 0 },
			[]string{`retention.archiveDays: must be between 1 and 36500 (got 0)`}},
		{"object lock mode", func(c map[string]any) { c["retention"].(map[string]any)["objectLockMode"] = "governance" },
			[]string{`retention.objectLockMode: must be "GOVERNANCE", "COMPLIANCE" or "NONE" (got "governance")`}},
		{"emails", func(c map[string]any) {
			c["notifications"].(map[string]any)["emails"] = []any{"Sec Ops <secops@example.com>", "nobody", "a@b.co", "a@b.co"}
		}, []string{
			`notifications.emails[0]: must be a plain e-mail address such as secops@example.com (got "Sec Ops <secops@example.com>")`,
			`notifications.emails[1]: must be a plain e-mail address such as secops@example.com (got "nobody")`,
			`notifications.emails[3]: is a duplicate (got "a@b.co")`,
		}},
		{"unknown fields", func(c map[string]any) {
			c["region"] = "us-east-1"
			c["session"].(map[string]any)["idleTimeout"] = 30
		}, []string{
			`region: is not a known field; did you mean regions? Expected one of delegatedAdmin, forwarders, guardrails, homeRegion, logArchiveAccountId, managementAccountId, notifications, organizationId, rdpRecording, regions, retention, rollout, search, session, stackSet, targetOrganizationalUnitIds (got "us-east-1")`,
			`session.idleTimeout: is not a known field; did you mean idleSessionTimeoutMinutes? Expected one of cloudWatchStreaming, encryptionKey, idleSessionTimeoutMinutes, instanceRoleNames, maxSessionDurationMinutes, runAsDefaultUser, runAsEnabled, shellProfileLinux, shellProfileWindows (got 30)`,
		}},
		{"stack set", func(c map[string]any) {
			c["stackSet"] = map[string]any{"regionConcurrency": "parallel", "maxConcurrentPercentage": 0,
				"failureTolerancePercentage": 101, "retainStacksOnAccountRemoval": "no"}
		}, []string{
			`stackSet.regionConcurrency: must be "PARALLEL" or "SEQUENTIAL" (got "parallel")`,
			`stackSet.maxConcurrentPercentage: must be between 1 and 100 (got 0)`,
			`stackSet.failureTolerancePercentage: must be between 0 and 100 (got 101)`,
			`stackSet.retainStacksOnAccountRemoval: must be true or false (got "no")`,
		}},
		{"forwarders", func(c map[string]any) {
			c["forwarders"] = []any{
				map[string]any{"name": "console-login", "logGroupName": "aws-cloudtrail-logs", "filterPattern": `{ $.eventName = "ConsoleLogin" }`},
				map[string]any{"name": "console-login", "logGroupName": "aws-cloudtrail-logs", "filterPattern": `{ $.eventName = "ConsoleLogin" `},
				map[string]any{"name": "bad name!", "logGroupName": "aws-cloudtrail-logs", "filterPattern": ""},
				map[string]any{"logGroupName": "arn:aws:logs:x", "filterPattern": `"oops`, "pattern": "x"},
				"console-login",
			}
		}, []string{
			`forwarders[1].name: is a duplicate (got "console-login")`,
			`forwarders[1].filterPattern: has an unclosed '{' (got "{ $.eventName = \"ConsoleLogin\" ")`,
			`forwarders[2].name: must be 1 to 64 of A-Z a-z 0-9 . _ - (got "bad name!")`,
			`forwarders[2].logGroupName: has more than 2 forwarders; a log group allows at most 2 subscription filters (got "aws-cloudtrail-logs")`,
			`forwarders[2].filterPattern: must not be empty (got "")`,
			`forwarders[3].pattern: is not a known field; did you mean filterPattern? Expected one of filterPattern, logGroupName, name (got "x")`,
			`forwarders[3].name: is required (got nothing)`,
			`forwarders[3].logGroupName: must be a log group name (1 to 512 of A-Z a-z 0-9 . - _ / #) (got "arn:aws:logs:x")`,
			`forwarders[3].filterPattern: has an unclosed double quote (got "\"oops")`,
			`forwarders[4]: must be an object (got "console-login")`,
		}},
		{"forwarders not a list", func(c map[string]any) { c["forwarders"] = map[string]any{} },
			[]string{`forwarders: must be a list (got {})`}},
		{"chat", func(c map[string]any) { c["notifications"].(map[string]any)["chat"] = "slack" },
			[]string{`notifications.chat: must be true or false (got "slack")`}},
		{"dailyCoverage", func(c map[string]any) { c["notifications"].(map[string]any)["dailyCoverage"] = "daily" },
			[]string{`notifications.dailyCoverage: must be true or false (got "daily")`}},
		// Elements of a list are named by their own index, whatever the elements before them are.
		{"list problems name their index", func(c map[string]any) { c["regions"] = []any{7, "mars-1", "ap-northeast-1", "ap-northeast-1"} },
			[]string{
				`regions[0]: must be a string (got 7)`,
				`regions[1]: must be a region code such as ap-northeast-1 (got "mars-1")`,
				`regions[3]: is a duplicate (got "ap-northeast-1")`,
			}},
		{"section not an object", func(c map[string]any) { c["retention"] = 365 },
			[]string{`retention: must be an object (got 365)`}},
		{"several errors at once", func(c map[string]any) {
			c["organizationId"] = "org"
			c["homeRegion"] = "eu-west-1"
			c["rdpRecording"] = map[string]any{"enabled": "true"}
			c["retention"].(map[string]any)["objectLockMode"] = "LEGAL_HOLD"
		}, []string{
			`organizationId: must be "o-" followed by 10 to 32 lowercase letters or digits (got "org")`,
			`rdpRecording.enabled: must be true or false (got "true")`,
			`regions: must include homeRegion "eu-west-1" (got ["ap-northeast-1","us-east-1"])`,
			`retention.objectLockMode: must be "GOVERNANCE", "COMPLIANCE" or "NONE" (got "LEGAL_HOLD")`,
		}},
	}
	runBadConfigs(t, tests)
}

// badConfig is a patch of the example configuration and every problem it must be refused with.
type badConfig struct {
	name  string
	patch func(c map[string]any)
	want  []string
}

// runBadConfigs checks each bad configuration: exactly its problems, in the contract's format.
func runBadConfigs(t *testing.T, tests []badConfig) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaultConfig(t)
			c["regions"] = []any{"ap-northeast-1", "us-east-1"}
			tt.patch(c)
			data, _ := json.Marshal(c)
			_, err := Parse(data, "test.json")
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("want *config.Error, got %v", err)
			}
			var got []string
			for _, p := range cerr.Problems {
				got = append(got, p.String())
			}
			if !equalSets(got, tt.want) {
				t.Errorf("problems:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
			if !strings.HasPrefix(err.Error(), "invalid configuration in test.json (") {
				t.Errorf("error header: %q", err.Error())
			}
		})
	}
}

func TestForwardersParse(t *testing.T) {
	c := defaultConfig(t)
	c["forwarders"] = []any{map[string]any{"name": "console-login", "logGroupName": "aws-cloudtrail-logs-o-exampleorg1", "filterPattern": `{ $.eventName = "ConsoleLogin" }`}}
	data, _ := json.Marshal(c)
	cfg, err := Parse(data, "x")
	if err != nil {
		t.Fatal(err)
	}
	want := []Forwarder{{Name: "console-login", LogGroupName: "aws-cloudtrail-logs-o-exampleorg1", FilterPattern: `{ $.eventName = "ConsoleLogin" }`}}
	if !reflect.DeepEqual(cfg.Forwarders, want) {
		t.Errorf("got %+v", cfg.Forwarders)
	}
}

func TestProblemsFollowTheContractOrder(t *testing.T) {
	c := defaultConfig(t)
	c["zzz"] = 1
	c["retention"].(map[string]any)["archiveDays"] = 0
	c["session"].(map[string]any)["typo"] = true
	c["organizationId"] = "bad"
	data, _ := json.Marshal(c)
	_, err := Parse(data, "x")
	var got []string
	for _, p := range err.(*Error).Problems {
		got = append(got, p.Path)
	}
	want := []string{"organizationId", "session.typo", "retention.archiveDays", "zzz"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestNotJSON(t *testing.T) {
	for _, in := range []string{`{"organizationId": `, `[1,2]`, `{} {}`} {
		_, err := Parse([]byte(in), "x.json")
		var cerr *Error
		if !errors.As(err, &cerr) || len(cerr.Problems) != 1 || cerr.Problems[0].Path != "config" {
			t.Errorf("Parse(%q) = %v, want one problem at path config", in, err)
		}
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, err := LoadFile("testdata/does-not-exist.json")
	if err == nil || !strings.Contains(err.Error(), `configFile: cannot be read`) {
		t.Errorf("got %v", err)
	}
}

func equalSets(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		count[s]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

// A JSON syntax error says where.
func TestJSONSyntaxErrorsSayWhere(t *testing.T) {
	for in, want := range map[string]string{
		"{\n  \"organizationId\": \"o-exampleorg1\",\n  \"regions\": [\"eu-west-1\",]\n}": "config: is not valid JSON: invalid character ']' looking for beginning of value at line 3, column 27",
		"{\n  \"homeRegion\": ": "config: is not valid JSON: it ends early at line 2, column 17",
		"{} {}":                 "config: holds more than one JSON value (the second starts at line 1, column 4)",
	} {
		_, err := Parse([]byte(in), "x.json")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q):\n%v\nwant %s", in, err, want)
		}
	}
}

// config/example.sessionaudit.json, the file the README tells you to copy, is cdk.json's example
// (with its $schema), valid, and an example (undeployable until edited).
func TestExampleFileIsTheExample(t *testing.T) {
	data, err := os.ReadFile("example.sessionaudit.json")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(data, "example.sessionaudit.json")
	if err != nil {
		t.Fatal(err)
	}
	var file map[string]any
	_ = json.Unmarshal(data, &file)
	delete(file, "$schema")
	if !reflect.DeepEqual(file, defaultConfig(t)) {
		t.Error("config/example.sessionaudit.json differs from cdk.json's sessionAudit")
	}
	if !IsExample(cfg) {
		t.Error("the example is not recognized as the example")
	}
}
