package test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/loginnotifier"
	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// The notices name the ways as the configuration does: sessiondocs's names (which the notifier
// and preflight use) are config.AllWays, in the same order.
func TestWayNamesAreTheConfigs(t *testing.T) {
	if !slices.Equal(sessiondocs.AllWays, config.AllWays) {
		t.Errorf("sessiondocs.AllWays %v, config.AllWays %v", sessiondocs.AllWays, config.AllWays)
	}
}

// memberWaysPattern synthesizes only the member stack of cfg and returns the names of its rules
// and the event pattern of its ways rule (nil without one).
func memberWaysPattern(t *testing.T, cfg config.Config) ([]string, map[string]any) {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(mustTempDir()), Context: &featureFlags})
	m := stacks.NewMember(app, cfg)
	data, err := json.Marshal(assertions.Template_FromStack(m.Stack, &assertions.TemplateParsingOptions{SkipCyclicalDependenciesCheck: jsii.Bool(true)}).ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	var tmpl map[string]any
	if err := json.Unmarshal(data, &tmpl); err != nil {
		t.Fatal(err)
	}
	var names []string
	var ways map[string]any
	for _, r := range resources(tmpl, "AWS::Events::Rule") {
		name, _ := props(r)["Name"].(string)
		names = append(names, name)
		if name == stacks.MemberNamePrefix+loginnotifier.RuleWays {
			ways, _ = props(r)["EventPattern"].(map[string]any)
		}
	}
	return names, ways
}

// The member stack announces every way whose setting in force is notify or deny (denied attempts
// are announced), and not a way set to allow: its ways rule matches the sample calls, successful
// and denied, of exactly the ways announced, and there is no ways rule when every way is allowed.
// The session rules stay whatever the ways.
func TestMemberAnnouncesTheWaysNotAllowed(t *testing.T) {
	events := samples(t)
	for _, tt := range []struct {
		name      string
		guardrail map[string]any
		announced []string
	}{
		{"all follow notify", map[string]any{"enabled": true, "unloggedSessions": "notify"}, config.AllWays},
		{"all follow allow", map[string]any{"enabled": true, "unloggedSessions": "allow"}, nil},
		{"own settings", map[string]any{"enabled": true, "unloggedSessions": "notify", "ways": map[string]any{"runCommand": "allow", "ecsExec": "deny", "serialConsole": "allow"}},
			[]string{config.WayInstanceConnect, config.WayInstanceConnectEndpoint, config.WayECSExec}},
		{"deny follows, one allowed", map[string]any{"enabled": true, "unloggedSessions": "deny", "ways": map[string]any{"instanceConnect": "allow"}},
			[]string{config.WayInstanceConnectEndpoint, config.WaySerialConsole, config.WayRunCommand, config.WayECSExec}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := mustConfigWith(t, func(c map[string]any) {
				g := c["guardrails"].(map[string]any)
				for k, v := range tt.guardrail {
					g[k] = v
				}
			})
			names, pattern := memberWaysPattern(t, cfg)
			if !slices.Contains(names, stacks.MemberNamePrefix+loginnotifier.RuleSessions) {
				t.Errorf("no session rule among %v", names)
			}
			if (pattern != nil) != (len(tt.announced) > 0) {
				t.Fatalf("ways rule present = %v, want %v (rules %v)", pattern != nil, len(tt.announced) > 0, names)
			}
			if pattern == nil {
				return
			}
			seen := map[string]bool{}
			for name, e := range events {
				way := sampleKind(name, true)
				if !slices.Contains(config.AllWays, way) {
					if matches(pattern, e) {
						t.Errorf("ways rule matches %s, which is no way into a node", name)
					}
					continue
				}
				seen[way] = true
				if got, want := matches(pattern, e), slices.Contains(tt.announced, way); got != want {
					t.Errorf("way %s (setting %s): ways rule matches %s = %v, want %v", way, cfg.Guardrails.Way(way), name, got, want)
				}
			}
			for _, w := range config.AllWays {
				if !seen[w] {
					t.Errorf("no sample of way %s", w)
				}
			}
		})
	}
}

// Each way's pattern, and the inbox's pattern of all of them, fits in an EventBridge event
// pattern, and names the CloudTrail event sources that preflight requires the trail to record.
func TestWayPatternsFitAndNameTheirSources(t *testing.T) {
	patterns := map[string]loginnotifier.Pattern{"all": loginnotifier.WayPattern(sessiondocs.AllWays...)}
	for _, w := range sessiondocs.AllWays {
		patterns[w] = loginnotifier.WayPattern(w)
	}
	for name, p := range patterns {
		data, _ := json.Marshal(p)
		if len(data) > loginnotifier.MaxPatternCharacters {
			t.Errorf("way pattern %s is %d characters, more than %d", name, len(data), loginnotifier.MaxPatternCharacters)
		}
		ways := []string{name}
		if name == "all" {
			ways = sessiondocs.AllWays
		}
		for _, s := range sessiondocs.SourcesOf(ways) {
			if !strings.Contains(string(data), `"`+s+`"`) {
				t.Errorf("way pattern %s does not name the event source %s: %s", name, s, data)
			}
		}
	}
}
