package loginnotifier

import (
	"fmt"

	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
)

// wayCall is one announced CloudTrail call of a way into a node.
type wayCall struct {
	// source matches the EventBridge source: CloudTrail events arrive with "aws." and the
	// service's name (EventBridge events reference, "Events": event source and CloudTrail event
	// source of each service).
	source any
	// eventSource and eventName are the CloudTrail record's (sessiondocs).
	eventSource string
	eventName   string
}

// awsSource matches any source of AWS's own events: EventBridge refuses custom events whose
// source starts with "aws." (EventBridge API reference, PutEventsRequestEntry: Source), so nothing
// but a service can send one. EC2 Instance Connect's EventBridge source is not in the events
// reference; its eventSource, which CloudTrail documents, decides instead.
var awsSource = map[string]any{"prefix": "aws."}

// wayCalls are the calls announced for each way (sessiondocs.AllWays), successful or not:
//   - SendSSHPublicKey, SendSerialConsoleSSHPublicKey (EC2 Instance Connect API reference; the
//     CloudTrail records carry instanceId, instanceOSUser, serialPort);
//   - OpenTunnel (EC2 user guide, "Log connections established over EC2 Instance Connect
//     Endpoint": a management event with instanceConnectEndpointId, privateIpAddress, remotePort);
//   - EnableSerialConsoleAccess (EC2 API reference; AWS shows no record of it);
//   - SendCommand (Systems Manager API reference; CloudTrail records its parameters as
//     HIDDEN_DUE_TO_SECURITY_REASONS, so what ran is never in the notice);
//   - ExecuteCommand (ECS developer guide, "Monitor Amazon ECS Exec with CloudTrail": cluster,
//     task, container and command in requestParameters).
var wayCalls = map[string][]wayCall{
	sessiondocs.WayInstanceConnect:         {{awsSource, sessiondocs.InstanceConnectSource, "SendSSHPublicKey"}},
	sessiondocs.WayInstanceConnectEndpoint: {{awsSource, sessiondocs.InstanceConnectSource, "OpenTunnel"}},
	sessiondocs.WaySerialConsole: {
		{awsSource, sessiondocs.InstanceConnectSource, "SendSerialConsoleSSHPublicKey"},
		{"aws.ec2", sessiondocs.EC2Source, "EnableSerialConsoleAccess"},
	},
	sessiondocs.WayRunCommand: {{"aws.ssm", sessiondocs.SessionManagerSource, "SendCommand"}},
	sessiondocs.WayECSExec:    {{"aws.ecs", sessiondocs.ECSSource, "ExecuteCommand"}},
}

// WayPattern matches the CloudTrail records of the announced calls of ways (sessiondocs Way*
// names), whoever makes them: none of them is logged by Session Manager, and an unlogged act is
// announced whoever does it, as for sessions (SessionPattern); ECS Exec is logged only by its
// cluster's own setting, which the record does not show. It panics on an unknown way.
func WayPattern(ways ...string) Pattern {
	var branches []any
	for _, w := range ways {
		calls, ok := wayCalls[w]
		if !ok {
			panic(fmt.Sprintf("loginnotifier: unknown way %q", w))
		}
		for _, c := range calls {
			branches = append(branches, map[string]any{
				"source": []any{c.source},
				"detail": map[string]any{"eventSource": []string{c.eventSource}, "eventName": []string{c.eventName}},
			})
		}
	}
	if len(branches) == 1 {
		p := Pattern(branches[0].(map[string]any))
		p["detail-type"] = []string{cloudTrailDetailType}
		return p
	}
	return Pattern{"detail-type": []string{cloudTrailDetailType}, "$or": branches}
}

// wayRules name the rule of each way: its Sender rule name suffix (SenderProps.RuleNamePrefix),
// its key in Sender.Rules and its description.
var wayRules = map[string]struct{ suffix, name, description string }{
	sessiondocs.WayInstanceConnect:         {"instance-connect", "InstanceConnect", "EC2 Instance Connect key pushes"},
	sessiondocs.WayInstanceConnectEndpoint: {"instance-connect-endpoint", "InstanceConnectEndpoint", "EC2 Instance Connect Endpoint tunnels"},
	sessiondocs.WaySerialConsole:           {"serial-console", "SerialConsole", "serial console key pushes and access"},
	sessiondocs.WayRunCommand:              {"run-command", "RunCommand", "Run Command commands"},
	sessiondocs.WayECSExec:                 {"ecs-exec", "ECSExec", "ECS Exec commands"},
}
