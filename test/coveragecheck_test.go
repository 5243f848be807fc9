package test

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
	"github.com/sessionaudit/sessionaudit/constructs/coveragecheck"
	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// coverageCheckFunction is the LogArchive template's daily coverage check, or nil.
func coverageCheckFunction(tmpl map[string]any) (string, map[string]any) {
	for id, f := range resources(tmpl, "AWS::Lambda::Function") {
		if props(f)["Description"] == coveragecheck.Description {
			return id, f
		}
	}
	return "", nil
}

// The LogArchive stack's daily coverage check (on by default): the daily schedule with dead
// letters, the queries of `sessionaudit coverage` as they are, the topic, and a role that holds
// exactly the statements the check needs.
func TestCoverageCheck(t *testing.T) {
	tmpl := defaultApp.templates[stacks.LogArchiveStackName]
	id, fn := coverageCheckFunction(tmpl)
	if fn == nil {
		t.Fatal("no daily coverage check in the LogArchive template")
	}
	env := asMap(asMap(props(fn)["Environment"])["Variables"])
	for name, want := range map[string]any{
		"LEDGER_SQL": archivesearch.CoverageLedgerSQL, "FORWARDED_SQL": archivesearch.CoverageForwardedSQL,
		"REGIONS": strings.Join(defaultApp.cfg.Regions, ","), "PHASE": defaultApp.cfg.Rollout.Phase,
		"LOGGED_DOCUMENTS": strings.Join(sessiondocs.Logged, ","), "MARKER_PREFIX": coveragecheck.MarkerPrefix,
		"WORKGROUP": archivesearch.DefaultWorkGroupName, "LOOK_BACK": "7", "LISTED": "20",
	} {
		if got := jsonString(env[name]); got != want {
			t.Errorf("environment %s = %q, want %q", name, got, want)
		}
	}
	if got := jsonString(env["TOPIC_ARN"]); !strings.Contains(got, `"Ref":"LoginNotifierTopic`) {
		t.Errorf("TOPIC_ARN is %s, want the notification topic", got)
	}
	if !strings.Contains(jsonString(asMap(props(fn)["Code"])["ZipFile"]), "sessionaudit coverage -from ' + day + ' -to ' + day") {
		t.Error("the check's code is not shipped inline")
	}

	var rule map[string]any
	for _, r := range resources(tmpl, "AWS::Events::Rule") {
		if props(r)["Description"] == coveragecheck.ScheduleRuleDescription {
			rule = props(r)
		}
	}
	targets := asAnyList(asMap(rule)["Targets"])
	if rule == nil || rule["ScheduleExpression"] != coveragecheck.Schedule || coveragecheck.Schedule != "cron(30 0 * * ? *)" || len(targets) != 1 {
		t.Fatalf("the daily rule: %s", jsonString(rule))
	}
	target := asMap(targets[0])
	if got := jsonString(target["Arn"]); got != `{"Fn::GetAtt":["`+id+`","Arn"]}` {
		t.Errorf("the rule targets %s, want the check %s", got, id)
	}
	if got := jsonString(target["DeadLetterConfig"]); !strings.Contains(got, "LoginNotifierDeadLetterQueue") {
		t.Errorf("the rule's dead letters go to %s, want the inbox's dead-letter queue", got)
	}

	role := jsonString(asMap(props(fn)["Role"]))
	var policy map[string]any
	for _, p := range resources(tmpl, "AWS::IAM::Policy") {
		if strings.Contains(jsonString(props(p)["Roles"]), strings.TrimSuffix(strings.TrimPrefix(role, `{"Fn::GetAtt":["`), `","Arn"]}`)) {
			policy = props(p)
		}
	}
	if policy == nil {
		t.Fatalf("no policy of the check's role %s", role)
	}
	want := map[string][]string{
		"RunQueries":             {"athena:GetQueryExecution", "athena:GetQueryResults", "athena:StartQueryExecution"},
		"ReadTableDefinitions":   {"glue:GetDatabase", "glue:GetTable"},
		"ListTheArchive":         {"s3:ListBucket"},
		"LocateTheArchive":       {"s3:GetBucketLocation"},
		"UseTheResults":          {"s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:GetObject", "s3:ListBucket", "s3:ListMultipartUploadParts", "s3:PutObject"},
		"GiveBackAFailedDay":     {"s3:DeleteObject"},
		"EncryptTheResults":      {"kms:Decrypt", "kms:GenerateDataKey"},
		"Announce":               {"sns:Publish"},
		"ReadTheLedgerAndOutput": {"s3:GetObject"},
		"DecryptTheArchive":      {"kms:Decrypt"},
		"EncryptTheMessage":      {"kms:Decrypt", "kms:GenerateDataKey*"},
		"":                       {"logs:CreateLogStream", "logs:PutLogEvents", "sqs:SendMessage"},
	}
	got := map[string][]string{}
	for _, st := range statements(policy["PolicyDocument"]) {
		sid, _ := st["Sid"].(string)
		if st["Effect"] != "Allow" {
			t.Errorf("statement %q: effect %v", sid, st["Effect"])
		}
		got[sid] = append(got[sid], asStrings(st["Action"])...)
		slices.Sort(got[sid])
	}
	equalJSON(t, "the check's statements by Sid", got, want)
	doc := policy["PolicyDocument"]
	for sid, want := range map[string][]string{
		"Announce":               {"LoginNotifierTopic"},
		"ReadTheLedgerAndOutput": {"/cloudwatch/*", "/ledger/*"},
		"GiveBackAFailedDay":     {"/" + coveragecheck.MarkerPrefix + "*"},
		"ListTheArchive":         {`"s3:prefix":["ledger/*","cloudwatch/*","session-manager/*"]`},
		"RunQueries":             {"workgroup/" + archivesearch.DefaultWorkGroupName},
		"ReadTableDefinitions":   {"/" + archivesearch.LedgerTable, "/" + archivesearch.ForwardedTable},
		"EncryptTheMessage":      {"LoginNotifierTopicKey", `"kms:ViaService":"sns.`},
	} {
		s := jsonString(statement(t, doc, sid))
		for _, w := range want {
			if !strings.Contains(s, w) {
				t.Errorf("statement %s lacks %s: %s", sid, w, s)
			}
		}
	}
	if s := jsonString(statement(t, doc, "ReadTheLedgerAndOutput")); strings.Contains(s, "session-manager/") {
		t.Errorf("the check reads transcripts, it should only list them: %s", s)
	}
}

// notifications.dailyCoverage false: no check, no rule; Props without the required fields fail.
func TestCoverageCheckOff(t *testing.T) {
	cfg, err := configWith(func(c map[string]any) {
		n, _ := c["notifications"].(map[string]any)
		if n == nil {
			n = map[string]any{}
			c["notifications"] = n
		}
		n["dailyCoverage"] = false
	})
	if err != nil {
		t.Fatal(err)
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(mustTempDir()), Context: &featureFlags})
	la := stacks.NewLogArchive(app, cfg)
	tmpl := *assertions.Template_FromStack(la.Stack, nil).ToJSON()
	if _, fn := coverageCheckFunction(tmpl); fn != nil || la.CoverageCheck != nil {
		t.Error("notifications.dailyCoverage false still deploys the daily check")
	}
	for _, r := range resources(tmpl, "AWS::Events::Rule") {
		if props(r)["Description"] == coveragecheck.ScheduleRuleDescription {
			t.Error("notifications.dailyCoverage false still deploys the daily rule")
		}
	}
	if _, fn := coverageCheckFunction(defaultApp.templates[stacks.LogArchiveStackName]); fn == nil {
		t.Error("the default configuration has no daily check: the switch is not what removes it")
	}
	if msg := panicMessage(func() { coveragecheck.New(bareStack(), "C", &coveragecheck.Props{}) }); !strings.HasPrefix(msg, "coveragecheck: Props.Topic, Props.Search") {
		t.Errorf("bad props: %q", msg)
	}
}
