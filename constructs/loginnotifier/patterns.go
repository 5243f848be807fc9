// Package loginnotifier provides LoginNotifier: EventBridge rules that send every way into a node
// of an account (Session Manager session start, resume and end; Fleet Manager Remote Desktop
// connections; just-in-time node access requests and decisions; EC2 Instance Connect, its endpoint
// tunnels, the serial console, Run Command and ECS Exec, ways.go) and every console sign-in to one
// central event bus (Sender), and the central inbox that turns them into one readable message per
// event on an encrypted SNS topic (Inbox). Both work with any bus or topic, so other apps can reuse
// them.
//
// Sources for the event shapes: EventBridge events reference, "Systems Manager" and "Systems
// Manager GUI Connect" (CloudTrail events arrive as "AWS API Call via CloudTrail" with source
// aws.ssm and aws.ssm-guiconnect; SSM sends "Requester Access Request Status Update" and "JITNA
// Access Request Failed" directly); Systems Manager user guide, "Logging AWS Systems Manager API
// calls with AWS CloudTrail" (the StartConnection example record). Content filtering: EventBridge
// user guide, "Comparison operators" ("anything-but" with "wildcard", "exists", "$or"); event
// patterns are at most 2,048 characters ("EventBridge quotas").
//
// Feature flags: its output means the same with or without any (test/bare_test.go builds it both
// ways); @aws-cdk/core:target-partitions and @aws-cdk/aws-iam:minimizePolicies change only how the
// template is written (a literal partition, merged policy statements).
package loginnotifier

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/invalid"
	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
)

// Pattern is an EventBridge event pattern as JSON. (awsevents.EventPattern cannot hold a
// top-level "$or".)
type Pattern map[string]any

// newRule creates a rule with pattern: aws-cdk-lib's Rule renders only EventPattern fields, so the
// whole pattern is set on the CloudFormation resource. The override merges into the placeholder,
// so pattern must have a top-level source to replace it.
func newRule(scope constructs.Construct, id string, props *awsevents.RuleProps, pattern Pattern) awsevents.Rule {
	if _, ok := pattern["source"]; !ok {
		invalid.Panic("loginnotifier", "rule %s: an event pattern needs a top-level source (got %v)", id, pattern)
	}
	props.EventPattern = &awsevents.EventPattern{Source: jsii.Strings("placeholder")} // replaced below
	rule := awsevents.NewRule(scope, jsii.String(id), props)
	rule.Node().DefaultChild().(awsevents.CfnRule).AddPropertyOverride(jsii.String("EventPattern"), map[string]any(pattern))
	return rule
}

// MaxPatternCharacters is EventBridge's default limit on the size of an event pattern.
const MaxPatternCharacters = 2048

const cloudTrailDetailType = "AWS API Call via CloudTrail"

// SessionEventNames are the Session Manager API calls that are announced.
var SessionEventNames = []string{"StartSession", "ResumeSession", "TerminateSession"}

// SessionPattern matches CloudTrail records of SessionEventNames (successful or not). Events of
// principals whose ARN matches one of ignore (EventBridge wildcards: "*" matches any characters,
// "/" included) are left out, unless they name a document that is not one of the logged ones
// (sessiondocs.Logged by name; any other name, and any ARN, whatever its document): those
// sessions are announced as NOT LOGGED whoever starts them (the formatter tells a logged document
// given as an ARN of the account itself). "anything-but" never matches a missing field, so a
// session with the default document is left to the ignore list.
func SessionPattern(ignore []string) Pattern {
	detail := map[string]any{
		"eventSource": []string{sessiondocs.SessionManagerSource},
		"eventName":   SessionEventNames,
	}
	if len(ignore) > 0 {
		detail["$or"] = []any{
			map[string]any{"requestParameters": map[string]any{"documentName": []any{map[string]any{"anything-but": sessiondocs.Logged}}}},
			notIgnored(ignore),
		}
	}
	return Pattern{"source": []string{"aws.ssm"}, "detail-type": []string{cloudTrailDetailType}, "detail": detail}
}

// RdpConnectionEventNames are the Fleet Manager Remote Desktop (GUI Connect) calls that are
// announced: StartConnection (documented with an example record) and CancelConnection ("Grants
// permission to terminate a GUI Connect connection", Service Authorization Reference; AWS
// documents no record of it).
var RdpConnectionEventNames = []string{"StartConnection", "CancelConnection"}

// RdpConnectionPattern matches CloudTrail records of RdpConnectionEventNames, without the
// principals matching ignore.
func RdpConnectionPattern(ignore []string) Pattern {
	detail := map[string]any{
		"eventSource": []string{sessiondocs.FleetManagerRemoteDesktop},
		"eventName":   RdpConnectionEventNames,
	}
	if len(ignore) > 0 {
		for k, v := range notIgnored(ignore) {
			detail[k] = v
		}
	}
	return Pattern{"source": []string{"aws.ssm-guiconnect"}, "detail-type": []string{cloudTrailDetailType}, "detail": detail}
}

// Just-in-time node access events that SSM sends directly (EventBridge events reference).
const (
	AccessRequestStatusDetailType = "Requester Access Request Status Update"
	AccessRequestFailedDetailType = "JITNA Access Request Failed"
)

// ApprovalSignals are the SendAutomationSignal types that decide an approval: an approver
// approves, rejects or revokes a just-in-time access request by signalling its Automation
// execution ("Approving and denying just-in-time node access requests"; SignalType in the SSM
// API).
var ApprovalSignals = []string{"Approve", "Reject", "Revoke"}

// AccessRequestPattern matches just-in-time node access: a request (StartAccessRequest, with the
// requester's reason), an approver's decision (SendAutomationSignal with an ApprovalSignals type;
// Automation approval steps outside just-in-time access are decided the same way and match too),
// the request's status once it leaves PendingApproval, and requests that failed.
func AccessRequestPattern() Pattern {
	trail := func(detail map[string]any) map[string]any {
		detail["eventSource"] = []string{sessiondocs.SessionManagerSource}
		return map[string]any{"detail-type": []string{cloudTrailDetailType}, "detail": detail}
	}
	return Pattern{
		"source": []string{"aws.ssm"},
		"$or": []any{
			trail(map[string]any{"eventName": []string{"StartAccessRequest"}}),
			trail(map[string]any{"eventName": []string{"SendAutomationSignal"}, "requestParameters": map[string]any{"signalType": ApprovalSignals}}),
			map[string]any{"detail-type": []string{AccessRequestStatusDetailType}, "detail": map[string]any{
				"AccessRequestStatus": []any{map[string]any{"anything-but": []string{"PendingApproval"}}},
			}},
			map[string]any{"detail-type": []string{AccessRequestFailedDetailType}},
		},
	}
}

// notIgnored is the part of a CloudTrail pattern's detail that leaves out principals matching
// ignore: by the caller's ARN (IAM users, root, assumed-role sessions) and by the role of an
// assumed-role session (its sessionIssuer), as aws:PrincipalArn would. A missing field matches
// ("exists": false also matches when a parent is missing), so identities without an ARN (AWS
// services) are kept.
func notIgnored(ignore []string) map[string]any {
	not := func() []any {
		return []any{map[string]any{"anything-but": map[string]any{"wildcard": ignore}}, map[string]any{"exists": false}}
	}
	return map[string]any{"userIdentity": map[string]any{
		"arn":            not(),
		"sessionContext": map[string]any{"sessionIssuer": map[string]any{"arn": not()}},
	}}
}

// SignInPattern matches console sign-ins (success and failure) of every identity type.
func SignInPattern() Pattern {
	return Pattern{
		"source":      []string{"aws.signin"},
		"detail-type": []string{"AWS Console Sign In via CloudTrail"},
		"detail":      map[string]any{"eventName": []string{"ConsoleLogin"}},
	}
}

const alarmDetailType = "CloudWatch Alarm State Change"

// AlarmPattern matches CloudWatch alarms whose name starts with prefix going into ALARM.
func AlarmPattern(prefix string) Pattern {
	return Pattern{"source": []string{"aws.cloudwatch"}, "detail-type": []string{alarmDetailType}, "detail": alarmDetail(prefix)}
}

func alarmDetail(prefix string) map[string]any {
	return map[string]any{
		"alarmName": []any{map[string]any{"prefix": prefix}},
		"state":     map[string]any{"value": []string{"ALARM"}},
	}
}
