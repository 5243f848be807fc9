package config

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/constructs/guardrails"
)

// Each way set to deny, and no other, is denied by the guardrails; the policies the guardrails
// attach follow: SessionAuditWays exactly when a way is denied.
func TestDeniedWaysAndPolicyNames(t *testing.T) {
	for _, tt := range []struct {
		name     string
		g        Guardrails
		want     guardrails.Ways
		policies []string
	}{
		{"notify", Guardrails{Enabled: true, UnloggedSessions: UnloggedNotify}, guardrails.Ways{}, []string{"SessionAuditProtect"}},
		{"allow", Guardrails{Enabled: true, UnloggedSessions: UnloggedAllow}, guardrails.Ways{}, []string{"SessionAuditProtect"}},
		{"deny closes every way", Guardrails{Enabled: true, UnloggedSessions: UnloggedDeny},
			guardrails.Ways{InstanceConnect: true, InstanceConnectEndpoint: true, SerialConsole: true, RunCommand: true, ECSExec: true},
			[]string{"SessionAuditProtect", "SessionAuditUnloggedSessions", "SessionAuditWays"}},
		{"deny but two ways", Guardrails{Enabled: true, UnloggedSessions: UnloggedDeny, Ways: Ways{RunCommand: UnloggedNotify, ECSExec: UnloggedAllow}},
			guardrails.Ways{InstanceConnect: true, InstanceConnectEndpoint: true, SerialConsole: true},
			[]string{"SessionAuditProtect", "SessionAuditUnloggedSessions", "SessionAuditWays"}},
		{"deny but every way", Guardrails{Enabled: true, UnloggedSessions: UnloggedDeny, Ways: Ways{InstanceConnect: "notify", InstanceConnectEndpoint: "notify", SerialConsole: "allow", RunCommand: "notify", ECSExec: "allow"}},
			guardrails.Ways{}, []string{"SessionAuditProtect", "SessionAuditUnloggedSessions"}},
		{"notify but the serial console", Guardrails{Enabled: true, UnloggedSessions: UnloggedNotify, Ways: Ways{SerialConsole: UnloggedDeny}},
			guardrails.Ways{SerialConsole: true}, []string{"SessionAuditProtect", "SessionAuditWays"}},
		{"disabled", Guardrails{Enabled: false, UnloggedSessions: UnloggedNotify}, guardrails.Ways{}, nil},
	} {
		if got := tt.g.DeniedWays(); got != tt.want {
			t.Errorf("%s: DeniedWays() = %+v, want %+v", tt.name, got, tt.want)
		}
		if got := tt.g.PolicyNames(); !reflect.DeepEqual(got, tt.policies) {
			t.Errorf("%s: PolicyNames() = %v, want %v", tt.name, got, tt.policies)
		}
		if tt.g.Enabled {
			var names []string
			for suffix := range guardrails.Sizes(guardrails.Props{DenyUnloggedSessions: tt.g.UnloggedSessions == UnloggedDeny, Ways: tt.g.DeniedWays()}) {
				names = append(names, PolicyNamePrefix+suffix)
			}
			if !sameNames(names, tt.policies) {
				t.Errorf("%s: guardrails.Sizes sizes %v, PolicyNames says %v", tt.name, names, tt.policies)
			}
		}
	}
}

// At the SCP size boundary, in each mode: the longest exemption config accepts makes every policy
// fit in 5,120 characters, one character more is refused, naming the policy that would not fit.
func TestGuardrailSizeBoundary(t *testing.T) {
	for _, tt := range []struct {
		name string
		g    map[string]any
	}{
		{"notify", map[string]any{"unloggedSessions": "notify"}},
		{"notify, Run Command denied", map[string]any{"unloggedSessions": "notify", "ways": map[string]any{"runCommand": "deny"}}},
		{"deny, every way denied", map[string]any{"unloggedSessions": "deny"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			parse := func(n int) (Config, error) {
				c := defaultConfig(t)
				g := map[string]any{}
				for k, v := range tt.g {
					g[k] = v
				}
				// Four patterns of n characters: the length is what the size grows with.
				var patterns []any
				for i := range 4 {
					patterns = append(patterns, fmt.Sprintf("arn:aws:iam::*:role/%d%s", i, strings.Repeat("x", n)))
				}
				g["exemptPrincipalArns"] = patterns
				c["guardrails"] = g
				data, _ := json.Marshal(c)
				return Parse(data, "x")
			}
			n := 0
			for ; n < 2000; n++ {
				if _, err := parse(n); err != nil {
					break
				}
			}
			if n == 0 || n == 2000 {
				t.Fatalf("no boundary found (n = %d)", n)
			}
			c, err := parse(n - 1)
			if err != nil {
				t.Fatal(err)
			}
			sizes := guardrails.Sizes(guardrails.Props{ExemptPrincipalArns: c.Guardrails.ExemptPrincipalArns, Regions: c.Regions,
				DenyUnloggedSessions: c.Guardrails.UnloggedSessions == UnloggedDeny, Ways: c.Guardrails.DeniedWays()})
			largest := 0
			for name, size := range sizes {
				if size > guardrails.MaxPolicyCharacters {
					t.Errorf("accepted, yet %s has %d characters", name, size)
				}
				largest = max(largest, size)
			}
			if largest < guardrails.MaxPolicyCharacters-4*4 { // one more character adds at most 4 per pattern (3 statements, a resource)
				t.Errorf("the largest accepted policy has %d characters, far below %d: the limit is not where config puts it", largest, guardrails.MaxPolicyCharacters)
			}
			if len(sizes) != len(c.Guardrails.PolicyNames()) {
				t.Errorf("sized %v, deployed %v", sizes, c.Guardrails.PolicyNames())
			}
			_, err = parse(n)
			if msg := fmt.Sprint(err); !strings.Contains(msg, "guardrails.exemptPrincipalArns: make the guardrail policy SessionAudit") ||
				!strings.Contains(msg, "more than a service control policy may have (5120)") {
				t.Errorf("one character more: %v", err)
			}
		})
	}
}

func sameNames(a, b []string) bool {
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, v := range seen {
		if v != 0 {
			return false
		}
	}
	return true
}
