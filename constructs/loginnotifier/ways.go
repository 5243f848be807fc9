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
	// One branch per event source, with the names of its calls (the template stays small).
	var branches []any
	names := map[string]*[]string{}
	for _, w := range ways {
		calls, ok := wayCalls[w]
		if !ok {
			panic(fmt.Sprintf("loginnotifier: unknown way %q", w))
		}
		for _, c := range calls {
			if list, ok := names[c.eventSource]; ok {
				*list = append(*list, c.eventName)
				continue
			}
			list := &[]string{c.eventName}
			names[c.eventSource] = list
			branches = append(branches, map[string]any{
				"source": []any{c.source},
				"detail": map[string]any{"eventSource": []string{c.eventSource}, "eventName": list},
			})
		}
	}
	for _, b := range branches {
		detail := b.(map[string]any)["detail"].(map[string]any)
		detail["eventName"] = *detail["eventName"].(*[]string)
	}
	if len(branches) == 1 {
		p := Pattern(branches[0].(map[string]any))
		p["detail-type"] = []string{cloudTrailDetailType}
		return p
	}
	// Every pattern has a top-level source (newRule).
	return Pattern{"source": []any{awsSource}, "detail-type": []string{cloudTrailDetailType}, "$or": branches}
}

// knownWay reports whether way is one of sessiondocs.AllWays.
func knownWay(way string) bool {
	_, ok := wayCalls[way]
	return ok
}
