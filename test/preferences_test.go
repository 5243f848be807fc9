package test

import (
	"testing"

	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// rollout.phase: each phase asks of sessions only what the previous one gave every instance role
// and user (docs/rollout.md).
func TestRolloutPhases(t *testing.T) {
	for _, tt := range []struct {
		phase             string
		document, rdp     bool
		encryptionChecked bool
	}{
		{"permissions", false, false, false},
		{"logging", true, false, false},
		{"enforced", true, true, true},
	} {
		t.Run(tt.phase, func(t *testing.T) {
			a := synth(mustConfigWith(t, func(c map[string]any) { c["rollout"] = map[string]any{"phase": tt.phase} }))
			tmpl := a.templates[stacks.MemberStackName]
			if got := len(resources(tmpl, sessionprefs.ResourceType)) == 1; got != tt.document {
				t.Errorf("preferences document managed = %v, want %v", got, tt.document)
			}
			if got := len(resources(tmpl, sessionprefs.RecordingResourceType)) == 1; got != tt.rdp {
				t.Errorf("RDP recording preferences = %v, want %v", got, tt.rdp)
			}
			if n := len(resources(tmpl, "AWS::IAM::ManagedPolicy")); n != 2 {
				t.Errorf("%d managed policies, want the instance and user policies in every phase", n)
			}
			if !tt.document {
				return
			}
			for _, region := range a.cfg.Regions {
				inputs := preferencesIn(t, tmpl, region)["inputs"].(map[string]any)
				if inputs["cloudWatchEncryptionEnabled"] != tt.encryptionChecked || (region == a.cfg.HomeRegion && inputs["s3EncryptionEnabled"] != tt.encryptionChecked) {
					t.Errorf("%s: encryption checked at session start = %v/%v, want %v", region, inputs["cloudWatchEncryptionEnabled"], inputs["s3EncryptionEnabled"], tt.encryptionChecked)
				}
				if key := inputs["kmsKeyId"]; (key != "") != tt.encryptionChecked {
					t.Errorf("%s: kmsKeyId %q in phase %s", region, key, tt.phase)
				}
				if inputs["cloudWatchLogGroupName"] == nil {
					t.Errorf("%s: sessions are not logged in phase %s", region, tt.phase)
				}
			}
		})
	}
}

// A configuration that sets no session limit, run-as or shell profile leaves them out of the
// document: the handler keeps each account's own (and AWS's defaults where it has none).
func TestMemberPreferencesKeepWhatIsNotConfigured(t *testing.T) {
	inputs := preferencesIn(t, memberTemplate(), defaultApp.cfg.HomeRegion)["inputs"].(map[string]any)
	for _, k := range []string{"idleSessionTimeout", "maxSessionDuration", "runAsEnabled", "runAsDefaultUser", "shellProfile"} {
		if v, ok := inputs[k]; ok {
			t.Errorf("%s = %v is governed, but the example configures no such setting", k, v)
		}
	}
}
