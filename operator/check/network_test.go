package check

import (
	"reflect"
	"slices"
	"testing"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
)

// The endpoints a private subnet needs follow the rollout phase and the session key: nothing of
// sessionaudit's before the logging phase, logs from it, kms with session encryption, and the S3
// gateway in the home region.
func TestRequiredEndpoints(t *testing.T) {
	for _, tt := range []struct {
		phase, key, region string
		want               []string
	}{
		{config.PhasePermissions, "", "eu-west-1", []string{"ssm", "ssmmessages", "ec2messages"}},
		{config.PhaseLogging, "", "eu-west-1", []string{"ssm", "ssmmessages", "ec2messages", "logs", "kms"}},
		{config.PhaseEnforced, "", "eu-west-1", []string{"ssm", "ssmmessages", "ec2messages", "logs", "kms"}},
		{config.PhaseEnforced, config.SessionKeyNone, "eu-west-1", []string{"ssm", "ssmmessages", "ec2messages", "logs"}},
		{config.PhaseEnforced, "", "us-east-1", []string{"ssm", "ssmmessages", "ec2messages", "logs", "kms", "s3"}},
	} {
		var c config.Config
		c.HomeRegion = "us-east-1"
		c.Rollout.Phase = tt.phase
		c.Session.EncryptionKey = tt.key
		if got := requiredEndpoints(c, tt.region); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("phase %s, key %q, region %s: %v, want %v", tt.phase, tt.key, tt.region, got, tt.want)
		}
	}
}

// The trail must record the sources of the events sessionaudit announces: sessions and RDP
// always, sign-ins with notifications.consoleSignIn, and each way into a node that is not set to
// allow, each source once.
func TestNotifiedSources(t *testing.T) {
	base := []string{sessiondocs.SessionManagerSource, sessiondocs.FleetManagerRemoteDesktop}
	for _, tt := range []struct {
		name   string
		signIn bool
		g      config.Guardrails
		want   []string
	}{
		{"every way allowed", false, config.Guardrails{UnloggedSessions: config.UnloggedAllow}, base},
		{"sign-ins", true, config.Guardrails{UnloggedSessions: config.UnloggedAllow}, append(slices.Clone(base), sessiondocs.SignInSource)},
		{"all ways notify", false, config.Guardrails{UnloggedSessions: config.UnloggedNotify},
			append(slices.Clone(base), sessiondocs.InstanceConnectSource, sessiondocs.EC2Source, sessiondocs.ECSSource)},
		{"one way denied, the rest allowed", false, config.Guardrails{UnloggedSessions: config.UnloggedAllow, Ways: config.Ways{ECSExec: config.UnloggedDeny}},
			append(slices.Clone(base), sessiondocs.WaySources[config.WayECSExec]...)},
		{"Run Command alone adds nothing new", false, config.Guardrails{UnloggedSessions: config.UnloggedAllow, Ways: config.Ways{RunCommand: config.UnloggedNotify}}, base},
	} {
		var c config.Config
		c.Notifications.ConsoleSignIn = tt.signIn
		c.Guardrails = tt.g
		got := notifiedSources(c)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
