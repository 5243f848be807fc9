// Package loginnotifier provides LoginNotifier: EventBridge rules that send every Session Manager
// session start, resume and end and every console sign-in of an account to one central event bus
// (Sender), and the central inbox that turns them into one readable message per event on an
// encrypted SNS topic (Inbox). Both work with any bus or topic, so other apps can reuse them.
package loginnotifier

import "github.com/aws/aws-cdk-go/awscdk/v2/awsevents"

// SessionEventNames are the Session Manager API calls that are announced.
var SessionEventNames = []string{"StartSession", "ResumeSession", "TerminateSession"}

// SessionPattern matches CloudTrail records of SessionEventNames (successful or not).
func SessionPattern() *awsevents.EventPattern {
	return &awsevents.EventPattern{
		Source:     strs("aws.ssm"),
		DetailType: strs("AWS API Call via CloudTrail"),
		Detail: &map[string]any{
			"eventSource": []string{"ssm.amazonaws.com"},
			"eventName":   SessionEventNames,
		},
	}
}

// SignInPattern matches console sign-ins (success and failure) of every identity type.
func SignInPattern() *awsevents.EventPattern {
	return &awsevents.EventPattern{
		Source:     strs("aws.signin"),
		DetailType: strs("AWS Console Sign In via CloudTrail"),
		Detail:     &map[string]any{"eventName": []string{"ConsoleLogin"}},
	}
}

const alarmDetailType = "CloudWatch Alarm State Change"

// AlarmPattern matches CloudWatch alarms whose name starts with prefix going into ALARM.
func AlarmPattern(prefix string) *awsevents.EventPattern {
	detail := alarmDetail(prefix)
	return &awsevents.EventPattern{Source: strs("aws.cloudwatch"), DetailType: strs(alarmDetailType), Detail: &detail}
}

func alarmDetail(prefix string) map[string]any {
	return map[string]any{
		"alarmName": []any{map[string]any{"prefix": prefix}},
		"state":     map[string]any{"value": []string{"ALARM"}},
	}
}

func strs(values ...string) *[]*string {
	out := make([]*string, len(values))
	for i := range values {
		out[i] = &values[i]
	}
	return &out
}
