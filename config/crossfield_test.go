package config

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// Rules that relate fields (crossfield.go) and regions (validate.go), each with its own failing
// configuration.
func TestCrossFieldConfigs(t *testing.T) {
	runBadConfigs(t, []badConfig{
		{"rollout phase", func(c map[string]any) { c["rollout"] = map[string]any{"phase": "all"} },
			[]string{`rollout.phase: must be "permissions", "logging" or "enforced" (got "all")`}},
		{"deny before the rollout is enforced", func(c map[string]any) {
			c["rollout"] = map[string]any{"phase": "logging"}
			c["guardrails"].(map[string]any)["unloggedSessions"] = "deny"
		}, []string{`guardrails.unloggedSessions: is "deny" but rollout.phase is "logging": deny sessions only once the logged alternative is enforced (docs/rollout.md) (got "deny")`}},
		{"nonexistent regions", func(c map[string]any) {
			c["regions"] = []any{"ap-northeast-1", "eu-central-3"}
			c["notifications"].(map[string]any)["signInRegions"] = []any{"us-east-7"}
		}, []string{
			`regions[1]: is not an AWS region (known: eu-central-1, eu-central-2); docs/regions.md lists the regions of each partition (got "eu-central-3")`,
			`notifications.signInRegions[0]: is not an AWS region (known: us-east-1, us-east-2); docs/regions.md lists the regions of each partition (got "us-east-7")`,
		}},
		{"nonexistent home region", func(c map[string]any) { c["homeRegion"], c["regions"] = "xx-nowhere-1", []any{"xx-nowhere-1"} },
			[]string{`homeRegion: is not an AWS region (the aws partition has 34 known regions); docs/regions.md lists the regions of each partition (got "xx-nowhere-1")`,
				`regions[0]: is not an AWS region (the aws partition has 34 known regions); docs/regions.md lists the regions of each partition (got "xx-nowhere-1")`}},
		{"archive shorter than CloudWatch", func(c map[string]any) {
			c["retention"] = map[string]any{"cloudWatchDays": 365, "archiveDays": 180}
		}, []string{`retention.archiveDays: must be at least retention.cloudWatchDays (365): the tamper-resistant archive must outlive the editable CloudWatch Logs copy (got 180)`}},
		{"deny without guardrails", func(c map[string]any) {
			c["guardrails"] = map[string]any{"enabled": false, "unloggedSessions": "deny"}
		}, []string{`guardrails.unloggedSessions: is "deny" but guardrails.enabled is false: no service control policy would deny anything (got "deny")`}},
		{"a way denied without guardrails", func(c map[string]any) {
			c["guardrails"] = map[string]any{"enabled": false, "ways": map[string]any{"serialConsole": "deny", "runCommand": "notify"}}
		}, []string{`guardrails.ways.serialConsole: is "deny" but guardrails.enabled is false: no service control policy would deny anything (got "deny")`}},
		{"a way that is not a setting", func(c map[string]any) {
			c["guardrails"] = map[string]any{"ways": map[string]any{"ecsExec": "block", "ssh": "deny"}}
		}, []string{
			`guardrails.ways.ecsExec: must be "notify", "deny" or "allow" (got "block")`,
			`guardrails.ways.ssh: is not a known field; expected one of ecsExec, instanceConnect, instanceConnectEndpoint, runCommand, serialConsole (got "deny")`,
		}},
		{"the serial console's declarative policy without guardrails", func(c map[string]any) {
			c["guardrails"] = map[string]any{"enabled": false, "declarativeSerialConsole": true}
		}, []string{`guardrails.declarativeSerialConsole: is true but guardrails.enabled is false: SessionAudit-Guardrails, which would attach the declarative policy, is not deployed (got true)`}},
		{"the serial console's declarative policy as a word", func(c map[string]any) {
			c["guardrails"] = map[string]any{"declarativeSerialConsole": "disabled"}
		}, []string{`guardrails.declarativeSerialConsole: must be true or false (got "disabled")`}},
		{"the archive protected without exempt principals", func(c map[string]any) {
			c["guardrails"] = map[string]any{"enabled": true, "protectArchive": true, "exemptPrincipalArns": []any{}}
		}, []string{`guardrails.protectArchive: is true but needs guardrails.enabled and at least one guardrails.exemptPrincipalArns pattern: only exempt principals may deploy the log-archive stacks once it is attached (got true)`}},
		{"exemptions without guardrails", func(c map[string]any) {
			c["guardrails"] = map[string]any{"enabled": false, "exemptPrincipalArns": []any{"arn:aws:iam::*:role/BreakGlass"}}
		}, []string{`guardrails.exemptPrincipalArns: has patterns but guardrails.enabled is false: there is no guardrail to exempt them from (got ["arn:aws:iam::*:role/BreakGlass"])`}},
		{"exempt role session", func(c map[string]any) {
			c["guardrails"] = map[string]any{"exemptPrincipalArns": []any{"arn:aws:sts::*:assumed-role/BreakGlass/*"}}
		}, []string{`guardrails.exemptPrincipalArns[0]: names a role session, but the guardrails match aws:PrincipalArn, which for a role session is the role's ARN: exempt the role, e.g. arn:aws:iam::*:role/BreakGlass (got "arn:aws:sts::*:assumed-role/BreakGlass/*")`}},
		{"exempt Identity Center role session", func(c map[string]any) {
			c["guardrails"] = map[string]any{"exemptPrincipalArns": []any{"arn:aws:sts::*:assumed-role/AWSReservedSSO_BreakGlass_*/*", "arn:aws:sts::*:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice"}}
		}, []string{
			`guardrails.exemptPrincipalArns[0]: names a role session, but the guardrails match aws:PrincipalArn, which for a role session is the role's ARN: exempt the role, e.g. arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_BreakGlass_* (got "arn:aws:sts::*:assumed-role/AWSReservedSSO_BreakGlass_*/*")`,
			`guardrails.exemptPrincipalArns[1]: names a role session, but the guardrails match aws:PrincipalArn, which for a role session is the role's ARN: exempt the role, e.g. arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_Admin_0123456789abcdef (got "arn:aws:sts::*:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice")`,
		}},
		{"principal patterns of another partition", func(c map[string]any) {
			c["guardrails"] = map[string]any{"exemptPrincipalArns": []any{"arn:aws-cn:iam::*:role/BreakGlass"}}
			c["notifications"].(map[string]any)["ignorePrincipals"] = []any{"arn:aws-us-gov:iam::*:role/automation/*"}
		}, []string{
			`notifications.ignorePrincipals[0]: must be an ARN of the partition of homeRegion (aws), not aws-us-gov (got "arn:aws-us-gov:iam::*:role/automation/*")`,
			`guardrails.exemptPrincipalArns[0]: must be an ARN of the partition of homeRegion (aws), not aws-cn (got "arn:aws-cn:iam::*:role/BreakGlass")`,
		}},
		{"sign-in regions without sign-in notifications", func(c map[string]any) {
			c["notifications"].(map[string]any)["consoleSignIn"] = false
		}, []string{`notifications.signInRegions: lists regions but notifications.consoleSignIn is false: no sign-in rule would run there (got ["us-east-2","eu-north-1","ap-southeast-2"])`}},
		{"run-as user without run-as", func(c map[string]any) {
			s := c["session"].(map[string]any)
			s["runAsEnabled"], s["runAsDefaultUser"] = false, "ec2-user"
		}, []string{`session.runAsDefaultUser: is set but session.runAsEnabled is false: sessions would start as ssm-user, not this user (got "ec2-user")`}},
	})
}

// A deployment lives in one partition.
func TestRegionsShareThePartition(t *testing.T) {
	c := defaultConfig(t)
	c["homeRegion"], c["regions"] = "eu-west-1", []any{"eu-west-1", "cn-north-1"}
	c["notifications"].(map[string]any)["signInRegions"] = []any{"us-east-1", "us-gov-west-1"}
	data, _ := json.Marshal(c)
	_, err := Parse(data, "x")
	for _, want := range []string{
		`regions[1]: must be in the partition of homeRegion "eu-west-1" (aws), not aws-cn (got "cn-north-1")`,
		`notifications.signInRegions[1]: must be in the partition of homeRegion "eu-west-1" (aws), not aws-us-gov (got "us-gov-west-1")`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want %s in\n%v", want, err)
		}
	}
}

// Warnings name the global sign-in regions a configuration leaves out and its opt-in regions.
func TestWarnings(t *testing.T) {
	c := defaultConfig(t)
	delete(c["notifications"].(map[string]any), "signInRegions")
	c["regions"] = []any{"ap-northeast-1", "us-east-1", "eu-south-2"}
	data, _ := json.Marshal(c)
	cfg, err := Parse(data, "x")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"console sign-ins that CloudTrail records in us-east-2, eu-north-1, ap-southeast-2 (global endpoint) are not announced: add those regions to notifications.signInRegions if your service control policies let CloudFormation deploy there (docs/regions.md)",
		"eu-south-2 is an opt-in region: every target account must have enabled it before the StackSet deploys there (docs/regions.md)",
	}
	if got := cfg.Warnings(); !reflect.DeepEqual(got, want) {
		t.Errorf("warnings:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	data, _ = json.Marshal(defaultConfig(t))
	if cfg, _ := Parse(data, "x"); len(cfg.Warnings()) != 0 {
		t.Errorf("the example warns: %v", cfg.Warnings())
	}
}

// Values exactly at a limit are accepted: organization IDs of 10 and 32 characters after "o-", an
// archive kept exactly as long as the CloudWatch copy, and a role session pattern without a session
// name still gives the role (roleOfSession cuts only after the role name).
func TestConfigsAtTheLimits(t *testing.T) {
	for _, tt := range []struct {
		name  string
		patch func(map[string]any)
	}{
		{"organization id of 10", func(c map[string]any) { c["organizationId"] = "o-" + strings.Repeat("a", 10) }},
		{"organization id of 32", func(c map[string]any) { c["organizationId"] = "o-" + strings.Repeat("0", 32) }},
		{"archive as long as CloudWatch", func(c map[string]any) {
			c["retention"] = map[string]any{"cloudWatchDays": 365, "archiveDays": 365}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := defaultConfig(t)
			tt.patch(c)
			data, _ := json.Marshal(c)
			if _, err := Parse(data, "x"); err != nil {
				t.Errorf("refused at the limit: %v", err)
			}
		})
	}
	for session, want := range map[string]string{
		"arn:aws:sts::*:assumed-role/BreakGlass":                    "arn:aws:iam::*:role/BreakGlass",
		"arn:aws:sts::*:assumed-role/BreakGlass/":                   "arn:aws:iam::*:role/BreakGlass",
		"arn:aws:sts::*:assumed-role/AWSReservedSSO_X_1":            "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_X_1",
		"arn:aws:sts::*:assumed-role/AWSReservedSSO_/s":             "arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_",
		"arn:aws:sts::*:assumed-role/AWSReservedSS_Admin/alice":     "arn:aws:iam::*:role/AWSReservedSS_Admin",
		"arn:aws-us-gov:sts::*:assumed-role/AWSReservedSSO_A_1/bob": "arn:aws-us-gov:iam::*:role/aws-reserved/sso.amazonaws.com/*AWSReservedSSO_A_1",
	} {
		if got := roleOfSession(session); got != want {
			t.Errorf("roleOfSession(%s) = %s, want %s", session, got, want)
		}
	}
}

// A way into a node follows guardrails.unloggedSessions unless it has its own setting.
func TestWaysFollowUnloggedSessions(t *testing.T) {
	for _, tt := range []struct {
		name       string
		unlogged   string
		ways       Ways
		want       map[string]string
		wantDenied []string
	}{
		{"all follow notify", UnloggedNotify, Ways{}, map[string]string{WayInstanceConnect: "notify", WayInstanceConnectEndpoint: "notify", WaySerialConsole: "notify", WayRunCommand: "notify", WayECSExec: "notify"}, nil},
		{"all follow deny", UnloggedDeny, Ways{}, map[string]string{WayInstanceConnect: "deny", WayInstanceConnectEndpoint: "deny", WaySerialConsole: "deny", WayRunCommand: "deny", WayECSExec: "deny"}, AllWays},
		{"own settings win", UnloggedDeny, Ways{RunCommand: UnloggedNotify, ECSExec: UnloggedAllow}, map[string]string{WayInstanceConnect: "deny", WayInstanceConnectEndpoint: "deny", WaySerialConsole: "deny", WayRunCommand: "notify", WayECSExec: "allow"}, []string{WayInstanceConnect, WayInstanceConnectEndpoint, WaySerialConsole}},
		{"one denied in notify mode", UnloggedNotify, Ways{SerialConsole: UnloggedDeny}, map[string]string{WayInstanceConnect: "notify", WayInstanceConnectEndpoint: "notify", WaySerialConsole: "deny", WayRunCommand: "notify", WayECSExec: "notify"}, []string{WaySerialConsole}},
	} {
		g := Guardrails{UnloggedSessions: tt.unlogged, Ways: tt.ways}
		for _, w := range AllWays {
			if got := g.Way(w); got != tt.want[w] {
				t.Errorf("%s: Way(%s) = %q, want %q", tt.name, w, got, tt.want[w])
			}
		}
		if got := g.WaysIn(UnloggedDeny); !reflect.DeepEqual(got, tt.wantDenied) {
			t.Errorf("%s: WaysIn(deny) = %v, want %v", tt.name, got, tt.wantDenied)
		}
	}
}

// Each Ways field is one of AllWays, under the JSON name the constant gives.
func TestWaysNames(t *testing.T) {
	var w Ways
	b, err := json.Marshal(Ways{InstanceConnect: "a", InstanceConnectEndpoint: "b", SerialConsole: "c", RunCommand: "d", ECSExec: "e"})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != len(AllWays) {
		t.Errorf("Ways has %d fields, AllWays %d names", len(m), len(AllWays))
	}
	for _, name := range AllWays {
		if m[name] == "" {
			t.Errorf("Ways has no JSON field %q", name)
		}
		_ = w.field(name)
	}
}
