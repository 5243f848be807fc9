package check

import (
	"reflect"
	"testing"

	"github.com/sessionaudit/sessionaudit/config"
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
