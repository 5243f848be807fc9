package test

import (
	"sort"
	"strings"
	"testing"

	"github.com/sessionaudit/sessionaudit/constructs/coveragecheck"
	"github.com/sessionaudit/sessionaudit/constructs/digest"
	"github.com/sessionaudit/sessionaudit/stacks"
)

const busArn = "arn:aws:events:" + home + ":" + archive + ":event-bus/session-audit"

func TestMemberSenderTargets(t *testing.T) {
	tmpl := memberTemplate()
	rules := resources(tmpl, "AWS::Events::Rule")
	if len(rules) != 5 {
		t.Fatalf("member has %d rules, want sessions, RDP connections, access requests, the other ways and sign-in", len(rules))
	}
	role := logicalID(t, tmpl, "AWS::IAM::Role", "LoginNotifierRole")
	dlq := logicalID(t, tmpl, "AWS::SQS::Queue", "LoginNotifierDeadLetterQueue")
	for id, r := range rules {
		targets := props(r)["Targets"].([]any)
		if len(targets) != 1 {
			t.Fatalf("%s has %d targets", id, len(targets))
		}
		target := targets[0].(map[string]any)
		if got := renderJoin(t, target["Arn"]); got != "arn:{Ref:AWS::Partition}:events:"+home+":"+archive+":event-bus/session-audit" {
			t.Errorf("%s targets %s, want the central bus", id, got)
		}
		equalJSON(t, id+" role", target["RoleArn"], map[string]any{"Fn::GetAtt": []any{role, "Arn"}})
		equalJSON(t, id+" retry", target["RetryPolicy"], map[string]any{"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185})
		equalJSON(t, id+" dead letters", target["DeadLetterConfig"], map[string]any{"Arn": map[string]any{"Fn::GetAtt": []any{dlq, "Arn"}}})
	}
	equalJSON(t, "dead-letter queue is encrypted", props(resources(tmpl, "AWS::SQS::Queue")[dlq])["SqsManagedSseEnabled"], true)
	// One statement admits the dead letters of every rule, by the rules' name prefix, and no
	// other sender: EventBridge only (its rules in this account and region).
	var admits []map[string]any
	for _, qp := range resources(tmpl, "AWS::SQS::QueuePolicy") {
		for _, s := range statements(props(qp)["PolicyDocument"]) {
			if s["Effect"] == "Allow" {
				admits = append(admits, s)
			}
		}
	}
	if len(admits) != 1 {
		t.Fatalf("the dead-letter queue policy has %d Allow statements, want one for the rules", len(admits))
	}
	equalJSON(t, "dead letters from", admits[0]["Principal"], map[string]any{"Service": "events.amazonaws.com"})
	equalJSON(t, "dead letters action", admits[0]["Action"], "sqs:SendMessage")
	cond, _ := admits[0]["Condition"].(map[string]any)
	like, _ := cond["ArnLike"].(map[string]any)
	if got := renderJoin(t, like["aws:SourceArn"]); got != "arn:{Ref:AWS::Partition}:events:{Ref:AWS::Region}:{Ref:AWS::AccountId}:rule/"+stacks.MemberNamePrefix+"*" {
		t.Errorf("dead letters admitted from %s, want the rules named %s*", got, stacks.MemberNamePrefix)
	}
	// The role may only put events to the central bus.
	for _, p := range resources(tmpl, "AWS::IAM::Policy") {
		if jsonString(props(p)["Roles"]) != `[{"Ref":"`+role+`"}]` {
			continue
		}
		sts := statements(props(p)["PolicyDocument"])
		if len(sts) != 1 || sts[0]["Action"] != "events:PutEvents" || !strings.HasSuffix(renderJoin(t, sts[0]["Resource"]), ":"+archive+":event-bus/session-audit") {
			t.Errorf("notifier role policy: %v", sts)
		}
	}
	equalJSON(t, "notifier role trust", props(resources(tmpl, "AWS::IAM::Role")[role])["AssumeRolePolicyDocument"], map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": map[string]any{"Service": "events.amazonaws.com"},
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}}}}},
	})
	off := synth(mustConfigWith(t, signInsOff))
	for _, r := range resources(off.templates[stacks.MemberStackName], "AWS::Events::Rule") {
		if strings.Contains(jsonString(props(r)["EventPattern"]), "aws.signin") {
			t.Error("notifications.consoleSignIn=false still sends sign-ins")
		}
	}
}

func TestInboxBusPolicy(t *testing.T) {
	tmpl := logArchiveTemplate()
	_, bus := only(t, tmpl, "AWS::Events::EventBus")
	if props(bus)["Name"] != stacks.BusName {
		t.Errorf("bus name %v", props(bus)["Name"])
	}
	_, policy := only(t, tmpl, "AWS::Events::EventBusPolicy")
	busID := logicalID(t, tmpl, "AWS::Events::EventBus", "LoginNotifierBus")
	equalJSON(t, "bus policy", props(policy)["Statement"], map[string]any{
		"Sid": "cdk-AllowOrganizationPutEvents", "Effect": "Allow", "Principal": map[string]any{"AWS": "*"},
		"Action": "events:PutEvents", "Resource": map[string]any{"Fn::GetAtt": []any{busID, "Arn"}},
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:PrincipalOrgID": org}},
	})
}

func TestInboxTopicKeyAndPolicies(t *testing.T) {
	tmpl := logArchiveTemplate()
	topicID := logicalID(t, tmpl, "AWS::SNS::Topic", "LoginNotifierTopic")
	keyID := logicalID(t, tmpl, "AWS::KMS::Key", "LoginNotifierTopicKey")
	topic := resources(tmpl, "AWS::SNS::Topic")[topicID]
	equalJSON(t, "topic key", props(topic)["KmsMasterKeyId"], map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}})
	key := resources(tmpl, "AWS::KMS::Key")[keyID]
	if key["DeletionPolicy"] != "RetainExceptOnCreate" {
		t.Error("topic key not retained")
	}
	// SNS guide: aws:SourceAccount/SourceArn/SourceOrgID in a key policy are not supported for
	// EventBridge to encrypted topics; the topic's encryption context scopes it instead.
	topicArn := "arn:aws:sns:" + home + ":" + archive + ":" + stacks.BusName
	if got := jsonString(props(topic)["TopicName"]); got != stacks.BusName {
		t.Errorf("topic name %s: the key policy names the topic %s", got, stacks.BusName)
	}
	for sid, cond := range map[string]map[string]any{
		"AllowPublishByevents":     {"kms:EncryptionContext:aws:sns:topicArn": []string{topicArn}},
		"AllowPublishBycloudwatch": {"kms:EncryptionContext:aws:sns:topicArn": []string{topicArn}, "aws:SourceAccount": archive},
	} {
		s := statement(t, props(key)["KeyPolicy"], sid)
		equalJSON(t, sid+" condition", s["Condition"], map[string]any{"StringEquals": cond})
		equalJSON(t, sid+" actions", s["Action"], []string{"kms:Decrypt", "kms:GenerateDataKey*"})
	}
	_, tp := only(t, tmpl, "AWS::SNS::TopicPolicy")
	doc := props(tp)["PolicyDocument"]
	alarmRule := logicalID(t, tmpl, "AWS::Events::Rule", "LoginNotifierAlarms")
	equalJSON(t, "EventBridge may publish only for the alarm rule", statement(t, doc, "AllowAlarmRule")["Condition"],
		map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": map[string]any{"Fn::GetAtt": []any{alarmRule, "Arn"}}}})
	equalJSON(t, "CloudWatch may publish only for sessionaudit alarms", statement(t, doc, "AllowAlarmsOfThisAccount")["Condition"],
		map[string]any{"ArnLike": map[string]any{"aws:SourceArn": "arn:aws:cloudwatch:" + home + ":" + archive + ":alarm:session-audit-*"}})
	for _, s := range statements(doc) {
		if s["Effect"] == "Allow" && strings.Contains(jsonString(s["Principal"]), "amazonaws.com") && s["Condition"] == nil {
			t.Errorf("topic policy statement %v admits a service without aws:SourceArn", s["Sid"])
		}
	}
	var emails []string
	for _, sub := range resources(tmpl, "AWS::SNS::Subscription") {
		if props(sub)["Protocol"] == "email" {
			emails = append(emails, props(sub)["Endpoint"].(string))
		}
	}
	equalJSON(t, "e-mail subscriptions", emails, []string{"secops@example.com"})
}

func TestInboxRulesRetryAndDeadLetters(t *testing.T) {
	tmpl := logArchiveTemplate()
	dlq := logicalID(t, tmpl, "AWS::SQS::Queue", "LoginNotifierDeadLetterQueue")
	formatter := logicalID(t, tmpl, "AWS::Lambda::Function", "LoginNotifierFormatter")
	topic := logicalID(t, tmpl, "AWS::SNS::Topic", "LoginNotifierTopic")
	wantTarget := map[string]string{
		"session-audit-Sessions":       formatter,
		"session-audit-RdpConnections": formatter,
		"session-audit-AccessRequests": formatter,
		"session-audit-ConsoleSignIn":  formatter,
		"session-audit-Ways":           formatter,
		"session-audit-Alarms":         topic,
		"session-audit-Ledger":         logicalID(t, tmpl, "AWS::KinesisFirehose::DeliveryStream", "LedgerStream"),
	}
	for _, r := range resources(tmpl, "AWS::Events::Rule") {
		if d := props(r)["Description"]; d == digest.ObjectsRuleDescription || d == digest.ScheduleRuleDescription || d == coveragecheck.ScheduleRuleDescription {
			continue // the digester's and the coverage check's rules are not the inbox's
		}
		name, _ := props(r)["Name"].(string)
		want, ok := wantTarget[name]
		if !ok {
			t.Errorf("unexpected rule %v", name)
			continue
		}
		delete(wantTarget, name)
		target := props(r)["Targets"].([]any)[0].(map[string]any)
		if !strings.Contains(jsonString(target["Arn"]), want) {
			t.Errorf("%s targets %v, want %s", name, target["Arn"], want)
		}
		equalJSON(t, name+" retry", target["RetryPolicy"], map[string]any{"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185})
		equalJSON(t, name+" dead letters", target["DeadLetterConfig"], map[string]any{"Arn": map[string]any{"Fn::GetAtt": []any{dlq, "Arn"}}})
		if name == "session-audit-Alarms" {
			tr := target["InputTransformer"].(map[string]any)
			if !strings.Contains(tr["InputTemplate"].(string), "Alarm <alarm> is <state>") {
				t.Errorf("alarm message template %v", tr["InputTemplate"])
			}
		}
	}
	if len(wantTarget) != 0 {
		t.Errorf("missing rules %v", wantTarget)
	}
	var names []string
	for _, a := range resources(tmpl, "AWS::CloudWatch::Alarm") {
		if name := props(a)["AlarmName"].(string); strings.HasPrefix(name, stacks.AlarmNamePrefix+"notification-") {
			names = append(names, name)
		}
		equalJSON(t, "alarm action", props(a)["AlarmActions"], []any{map[string]any{"Ref": topic}})
	}
	sort.Strings(names)
	equalJSON(t, "inbox alarms", names, []string{
		"session-audit-notification-dead-letters", "session-audit-notification-failed-AccessRequests",
		"session-audit-notification-failed-Alarms", "session-audit-notification-failed-ConsoleSignIn",
		"session-audit-notification-failed-RdpConnections", "session-audit-notification-failed-Sessions",
		"session-audit-notification-failed-Ways", "session-audit-notification-formatter-errors",
	})
}

func TestInboxChatOption(t *testing.T) {
	if len(resources(logArchiveTemplate(), "AWS::SNS::Topic")) != 1 {
		t.Error("chat is off by default, but there is more than one topic")
	}
	chat := synth(mustConfigWith(t, func(c map[string]any) { c["notifications"].(map[string]any)["chat"] = true }))
	tmpl := chat.templates[stacks.LogArchiveStackName]
	chatTopic := logicalID(t, tmpl, "AWS::SNS::Topic", "LoginNotifierChatTopic")
	fn := resources(tmpl, "AWS::Lambda::Function")[logicalID(t, tmpl, "AWS::Lambda::Function", "LoginNotifierFormatter")]
	env := props(fn)["Environment"].(map[string]any)["Variables"].(map[string]any)
	equalJSON(t, "formatter publishes to the chat topic", env["CHAT_TOPIC_ARN"], map[string]any{"Ref": chatTopic})
}
