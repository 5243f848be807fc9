package sessiondocs

// The ways into a node other than a Session Manager session, by the names that the configuration's
// guardrails.ways uses (config.AllWays spells them the same; test/ways_notices_test.go keeps the
// two equal). None of them is logged by Session Manager's preferences.
const (
	// WayInstanceConnect: ec2-instance-connect:SendSSHPublicKey pushes a key that the node accepts
	// for 60 seconds, then SSH (EC2 Instance Connect API reference, SendSSHPublicKey).
	WayInstanceConnect = "instanceConnect"
	// WayInstanceConnectEndpoint: ec2-instance-connect:OpenTunnel, a TCP tunnel through an EC2
	// Instance Connect Endpoint to a private IP and port (EC2 user guide, "Log connections
	// established over EC2 Instance Connect Endpoint").
	WayInstanceConnectEndpoint = "instanceConnectEndpoint"
	// WaySerialConsole: ec2-instance-connect:SendSerialConsoleSSHPublicKey, and
	// ec2:EnableSerialConsoleAccess, which opens the serial console of every instance of the
	// account (EC2 API reference, EnableSerialConsoleAccess).
	WaySerialConsole = "serialConsole"
	// WayRunCommand: ssm:SendCommand, any Command document on any targets.
	WayRunCommand = "runCommand"
	// WayECSExec: ecs:ExecuteCommand, a command or shell in a container.
	WayECSExec = "ecsExec"
)

// AllWays lists the Way* names in the order of the configuration schema and the docs.
var AllWays = []string{WayInstanceConnect, WayInstanceConnectEndpoint, WaySerialConsole, WayRunCommand, WayECSExec}

// InstanceConnectSource, EC2Source and ECSSource are the CloudTrail event sources (eventSource) of
// EC2 Instance Connect (SendSSHPublicKey, SendSerialConsoleSSHPublicKey, OpenTunnel), of EC2
// (EnableSerialConsoleAccess) and of ECS (ExecuteCommand). Run Command's SendCommand is a
// SessionManagerSource call. CloudTrail records all of them as management write events.
const (
	InstanceConnectSource = "ec2-instance-connect.amazonaws.com"
	EC2Source             = "ec2.amazonaws.com"
	ECSSource             = "ecs.amazonaws.com"
)

// WaySources are, by way, the CloudTrail event sources of the calls that announce it.
var WaySources = map[string][]string{
	WayInstanceConnect:         {InstanceConnectSource},
	WayInstanceConnectEndpoint: {InstanceConnectSource},
	WaySerialConsole:           {InstanceConnectSource, EC2Source},
	WayRunCommand:              {SessionManagerSource},
	WayECSExec:                 {ECSSource},
}

// SourcesOf returns the CloudTrail event sources of ways (Way* names; others are left out), each
// once, in the order of AllWays.
func SourcesOf(ways []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range AllWays {
		wanted := false
		for _, x := range ways {
			wanted = wanted || x == w
		}
		for _, s := range WaySources[w] {
			if wanted && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}
