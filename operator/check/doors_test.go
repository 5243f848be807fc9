package check

import (
	"testing"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// Every endpoint state of the EC2 API model (as the SDK lists it) is classified, open or closed:
// a state the model gains fails here before it reaches an account as "unknown".
func TestEveryEndpointStateIsKnown(t *testing.T) {
	for _, s := range ec2types.Ec2InstanceConnectEndpointState("").Values() {
		if _, known := endpointOpen(s); !known {
			t.Errorf("endpoint state %q is not classified", s)
		}
	}
	if _, known := endpointOpen("suspended"); known {
		t.Errorf("a state outside the model is classified")
	}
}

// Every ECS Exec logging value of the ECS API model is read as what it logs.
func TestEveryExecLoggingValueIsKnown(t *testing.T) {
	for _, v := range ecstypes.ExecuteCommandLogging("").Values() {
		c := ecstypes.Cluster{Configuration: &ecstypes.ClusterConfiguration{ExecuteCommandConfiguration: &ecstypes.ExecuteCommandConfiguration{Logging: v}}}
		if clusterLogging(c) == execUnknownLog {
			t.Errorf("logging %q is not read", v)
		}
	}
}

func TestDoorSeverity(t *testing.T) {
	cases := []struct {
		setting           string
		preflight, verify report.Severity
	}{
		{config.UnloggedDeny, report.Warn, report.Fail},
		{config.UnloggedNotify, report.Warn, report.Warn},
		{config.UnloggedAllow, report.Info, report.Info},
		{"later", report.Warn, report.Warn},
	}
	for _, c := range cases {
		if got := doorSeverity(c.setting, false); got != c.preflight {
			t.Errorf("%s in preflight: %s, want %s", c.setting, got, c.preflight)
		}
		if got := doorSeverity(c.setting, true); got != c.verify {
			t.Errorf("%s in verify: %s, want %s", c.setting, got, c.verify)
		}
	}
}
