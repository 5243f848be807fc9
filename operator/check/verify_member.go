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
	groups, err := logs.DescribeLogGroups(ctx, &cloudwatchlogs.DescribeLogGroupsInput{LogGroupNamePrefix: aws.String(logGroup)})
	if err != nil {
		return call(err, "logs:DescribeLogGroups", account, region)
	}
	if !slices.ContainsFunc(groups.LogGroups, func(g cwlGroup) bool { return aws.ToString(g.LogGroupName) == logGroup }) {
		add("member.log-group", report.Fail, logGroup, "missing", "sessions cannot be streamed to CloudWatch Logs here", redeploy)
	} else {
		filters, err := logs.DescribeSubscriptionFilters(ctx, &cloudwatchlogs.DescribeSubscriptionFiltersInput{LogGroupName: aws.String(logGroup)})
		if err != nil {
			return call(err, "logs:DescribeSubscriptionFilters", account, region)
		}
		want := stacks.Install(e.Config).DestinationArn(region)
		found := false
		for _, f := range filters.SubscriptionFilters {
			found = found || aws.ToString(f.DestinationArn) == want
		}
		if !found {
			add("member.subscription", report.Fail, logGroup, "no subscription filter to "+want, "this account's sessions do not reach the central bucket", redeploy)
		}
	}
	rules, err := eventbridge.NewFromConfig(cfg).ListRules(ctx, &eventbridge.ListRulesInput{NamePrefix: aws.String(install.MemberNamePrefix)})
	if err != nil {
		return call(err, "events:ListRules", account, region)
	}
	enabled := 0
	for _, r := range rules.Rules {
		if r.State == "ENABLED" {
			enabled++
		} else {
			add("member.rules", report.Fail, aws.ToString(r.Name), "rule is "+string(r.State), "these events are not announced", "`aws events enable-rule --name "+aws.ToString(r.Name)+"`")
		}
	}
	if enabled == 0 && len(rules.Rules) == 0 {
		add("member.rules", report.Fail, install.MemberNamePrefix+"*", "no notification rule", "nothing of this account is announced", redeploy)
	}
	return dlqCheck(ctx, e, cfg, account, region, add)
}

type cwlGroup = cwltypes.LogGroup

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
