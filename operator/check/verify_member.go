package check

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	cwltypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/sessionaudit/sessionaudit/constructs/sessiondocs"
	"github.com/sessionaudit/sessionaudit/constructs/sessionprefs"
	"github.com/sessionaudit/sessionaudit/install"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/report"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// memberChecks read the sampled member accounts in every governed region: the preferences as the
// template defines them, the session log group, its subscription filter to the region's
// destination, the notification rules and their dead-letter queue.
func memberChecks(ctx context.Context, e *Env, accounts []string) {
	awsapi.ForEach(ctx, accounts, e.Concurrency, func(ctx context.Context, account string) {
		for _, r := range e.Config.Regions {
			if err := memberRegion(ctx, e, account, r); err != nil {
				e.failed("member.sample", account, r, err)
				return
			}
			doorChecks(ctx, e, account, r, true)
		}
	}, e.progress("verify", len(accounts)))
}

func memberRegion(ctx context.Context, e *Env, account, region string) error {
	cfg := e.cfg(account, region)
	add := func(check string, sev report.Severity, subject, msg, meaning, fix string) {
		e.Report.Add(report.Finding{Check: check, Severity: sev, Account: account, Region: region, Subject: subject, Message: msg, Meaning: meaning, Fix: fix})
	}
	redeploy := fmt.Sprintf("`aws cloudformation update-stack-instances --stack-set-name %s --accounts %s --regions %s` (README \"Operations\")", stacks.MemberStackSetName, account, region)
	content, err := getDocument(ctx, cfg, account, region)
	if err != nil {
		return err
	}
	if governed := governedInputs(e.Config, account, region); governed != nil {
		changes, err := changedInputs(content, governed)
		if err != nil || len(changes) > 0 {
			add("member.preferences", report.Fail, sessiondocs.Preferences, "differs from the template: "+strings.Join(changes, "; "),
				"sessions here are not logged as configured (someone changed the document, or the stack instance is outdated)", redeploy)
		}
	}
	logGroup := sessionprefs.LogGroupNamePrefix + account
	logs := cloudwatchlogs.NewFromConfig(cfg)
	found, err := hasLogGroup(ctx, logs, logGroup)
	if err != nil {
		return call(err, "logs:DescribeLogGroups", account, region)
	}
	if !found {
		add("member.log-group", report.Fail, logGroup, "missing", "sessions cannot be streamed to CloudWatch Logs here", redeploy)
	} else {
		want := stacks.Install(e.Config).DestinationArn(region)
		subscribed := false
		p := cloudwatchlogs.NewDescribeSubscriptionFiltersPaginator(logs, &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String(logGroup)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return call(err, "logs:DescribeSubscriptionFilters", account, region)
			}
			for _, f := range out.SubscriptionFilters {
				subscribed = subscribed || aws.ToString(f.DestinationArn) == want
			}
		}
		if !subscribed {
			add("member.subscription", report.Fail, logGroup, "no subscription filter to "+want, "this account's sessions do not reach the central bucket", redeploy)
		}
	}
	rules, err := listRules(ctx, eventbridge.NewFromConfig(cfg), install.MemberNamePrefix)
	if err != nil {
		return call(err, "events:ListRules", account, region)
	}
	for _, r := range rules {
		if r.State != ebtypes.RuleStateEnabled {
			add("member.rules", report.Fail, aws.ToString(r.Name), "rule is "+orNone(string(r.State)), "these events are not announced", "`aws events enable-rule --name "+aws.ToString(r.Name)+"`")
		}
	}
	if len(rules) == 0 {
		add("member.rules", report.Fail, install.MemberNamePrefix+"*", "no notification rule", "nothing of this account is announced", redeploy)
	}
	return dlqCheck(ctx, e, cfg, account, region, add)
}

// hasLogGroup: DescribeLogGroups with the name as prefix, through every page, lists the group.
func hasLogGroup(ctx context.Context, logs *cloudwatchlogs.Client, name string) (bool, error) {
	p := cloudwatchlogs.NewDescribeLogGroupsPaginator(logs, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(name)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return false, err
		}
		if slices.ContainsFunc(out.LogGroups, func(g cwltypes.LogGroup) bool { return aws.ToString(g.LogGroupName) == name }) {
			return true, nil
		}
	}
	return false, nil
}

// listRules are the default bus's rules whose names start with prefix, through every page
// (EventBridge API reference, ListRules: NextToken; the SDK has no paginator for it).
func listRules(ctx context.Context, client *eventbridge.Client, prefix string) ([]ebtypes.Rule, error) {
	var rules []ebtypes.Rule
	in := &eventbridge.ListRulesInput{NamePrefix: aws.String(prefix)}
	for {
		out, err := client.ListRules(ctx, in)
		if err != nil {
			return nil, err
		}
		rules = append(rules, out.Rules...)
		if aws.ToString(out.NextToken) == "" || aws.ToString(out.NextToken) == aws.ToString(in.NextToken) {
			return rules, nil
		}
		in.NextToken = out.NextToken
	}
}

func dlqCheck(ctx context.Context, e *Env, cfg aws.Config, account, region string, add func(check string, sev report.Severity, subject, msg, meaning, fix string)) error {
	client := sqs.NewFromConfig(cfg)
	url, err := client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(stacks.NotifierQueueName)})
	if err != nil {
		if awsapi.IsNotFound(call(err, "", "", "")) {
			add("member.dead-letters", report.Fail, stacks.NotifierQueueName, "queue missing", "failed notifications of this account are lost",
				fmt.Sprintf("`aws cloudformation update-stack-instances --stack-set-name %s --accounts %s --regions %s`", stacks.MemberStackSetName, account, region))
			return nil
		}
		return call(err, "sqs:GetQueueUrl", account, region)
	}
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: url.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages}})
	if err != nil {
		return call(err, "sqs:GetQueueAttributes", account, region)
	}
	if n, _ := strconv.Atoi(attrs.Attributes[string(sqstypes.QueueAttributeNameApproximateNumberOfMessages)]); n > 0 {
		add("member.dead-letters", report.Warn, stacks.NotifierQueueName, fmt.Sprintf("%d messages", n),
			"notifications of this account could not be put on the central bus (its policy, or the bus was missing)",
			"check the central bus policy (SessionAudit-LogArchive), then read and delete the messages: `aws sqs receive-message --queue-url "+aws.ToString(url.QueueUrl)+"`")
	}
	return nil
}
