package check

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/sessionaudit/sessionaudit/config"
	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
	"github.com/sessionaudit/sessionaudit/install"
	"github.com/sessionaudit/sessionaudit/operator/awsapi"
	"github.com/sessionaudit/sessionaudit/operator/report"
	"github.com/sessionaudit/sessionaudit/stacks"
)

// archiveChecks read the log-archive account (through the read role): keys and replicas,
// destinations, streams, delivery freshness, subscriptions and alarms.
func archiveChecks(ctx context.Context, e *Env) {
	c := e.Config
	arch := c.LogArchiveAccountID
	in := stacks.Install(c)
	aliases := []string{install.LogKeyAlias}
	if c.Session.EncryptionKey == config.SessionKeyOrganization {
		aliases = append(aliases, install.SessionKeyAlias)
	}
	for _, r := range c.Regions {
		cfg := e.cfg(arch, r)
		for _, alias := range aliases {
			if err := keyCheck(ctx, e, cfg, alias, r == c.HomeRegion); err != nil {
				e.failed("kms.keys", arch, r, err)
			}
		}
		if err := destinationCheck(ctx, e, cfg, in.StreamArn(r)); err != nil {
			e.failed("logs.destination", arch, r, err)
		}
		if err := streamCheck(ctx, e, install.StreamName(r)); err != nil {
			e.failed("firehose.stream", arch, c.HomeRegion, err)
		}
		if err := freshnessCheck(ctx, e, in.CentralBucketName(), r); err != nil {
			e.failed("s3.delivery", arch, c.HomeRegion, err)
		}
	}
	if err := subscriptionCheck(ctx, e); err != nil {
		e.failed("sns.subscriptions", arch, c.HomeRegion, err)
	}
	if err := alarmCheck(ctx, e); err != nil {
		e.failed("cloudwatch.alarms", arch, c.HomeRegion, err)
	}
	retentionChecks(ctx, e)
	if err := digestsFresh(ctx, e); err != nil {
		e.failed(checkDigests, arch, c.HomeRegion, err)
	}
}

// keyCheck: the key (a replica outside the home region) is enabled and multi-Region, and the
// primary rotates (KMS developer guide, "Rotating multi-Region keys": rotation is set on the
// primary key and shared by its replicas).
func keyCheck(ctx context.Context, e *Env, cfg aws.Config, alias string, primary bool) error {
	arch, r := e.Config.LogArchiveAccountID, cfg.Region
	client := kms.NewFromConfig(cfg)
	out, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)})
	if err != nil {
		if awsapi.IsNotFound(call(err, "", "", "")) {
			e.Report.Add(report.Finding{Check: "kms.keys", Severity: report.Fail, Account: arch, Region: r, Subject: alias, Message: "no key with this alias",
				Meaning: "log groups (or sessions) of this region cannot be encrypted with the organization's key", Fix: "deploy SessionAudit-LogArchive and SessionAudit-Receiver-" + r + " (README \"Deploy order\", steps 1–2)"})
			return nil
		}
		return call(err, "kms:DescribeKey", arch, r)
	}
	m := out.KeyMetadata
	if string(m.KeyState) != "Enabled" || !aws.ToBool(m.MultiRegion) {
		e.Report.Add(report.Finding{Check: "kms.keys", Severity: report.Fail, Account: arch, Region: r, Subject: alias, Message: fmt.Sprintf("key %s is %s (multi-Region %v)", aws.ToString(m.KeyId), m.KeyState, aws.ToBool(m.MultiRegion)),
			Meaning: "logging and session encryption with this key fail", Fix: "`aws kms enable-key --key-id " + aws.ToString(m.KeyId) + "` (or cancel its deletion: `aws kms cancel-key-deletion`)"})
	}
	if !primary {
		return nil
	}
	rot, err := client.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: m.KeyId})
	if err != nil {
		return call(err, "kms:GetKeyRotationStatus", arch, r)
	}
	if !rot.KeyRotationEnabled {
		e.Report.Add(report.Finding{Check: "kms.rotation", Severity: report.Fail, Account: arch, Region: r, Subject: alias, Message: "automatic rotation is off",
			Meaning: "the template turns rotation on; someone turned it off", Fix: "`aws kms enable-key-rotation --key-id " + aws.ToString(m.KeyId) + "`"})
	}
	return nil
}

func destinationCheck(ctx context.Context, e *Env, cfg aws.Config, streamArn string) error {
	arch, r := e.Config.LogArchiveAccountID, cfg.Region
	p := cloudwatchlogs.NewDescribeDestinationsPaginator(cloudwatchlogs.NewFromConfig(cfg), &cloudwatchlogs.DescribeDestinationsInput{DestinationNamePrefix: aws.String(install.DestinationName)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return call(err, "logs:DescribeDestinations", arch, r)
		}
		for _, d := range out.Destinations {
			if aws.ToString(d.DestinationName) == install.DestinationName {
				if aws.ToString(d.TargetArn) != streamArn {
					e.Report.Add(report.Finding{Check: "logs.destination", Severity: report.Fail, Account: arch, Region: r, Subject: install.DestinationName,
						Message: "targets " + aws.ToString(d.TargetArn) + ", not " + streamArn, Meaning: "this region's logs go elsewhere", Fix: "deploy SessionAudit-Receiver-" + r + " again"})
				}
				return nil
			}
		}
	}
	e.Report.Add(report.Finding{Check: "logs.destination", Severity: report.Fail, Account: arch, Region: r, Subject: install.DestinationName, Message: "no destination",
		Meaning: "member subscription filters of this region have nothing to send to", Fix: "deploy SessionAudit-Receiver-" + r + " (README \"Deploy order\", step 2)"})
	return nil
}

func streamCheck(ctx context.Context, e *Env, name string) error {
	arch, home := e.Config.LogArchiveAccountID, e.Config.HomeRegion
	out, err := firehose.NewFromConfig(e.cfg(arch, home)).DescribeDeliveryStream(ctx, &firehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String(name)})
	status := ""
	switch {
	case err != nil && awsapi.IsNotFound(call(err, "", "", "")):
		status = "missing"
	case err != nil:
		return call(err, "firehose:DescribeDeliveryStream", arch, home)
	default:
		status = string(out.DeliveryStreamDescription.DeliveryStreamStatus)
	}
	if status != "ACTIVE" {
		e.Report.Add(report.Finding{Check: "firehose.stream", Severity: report.Fail, Account: arch, Region: home, Subject: name, Message: "stream is " + status,
			Meaning: "forwarded logs of its source region are not delivered to the bucket", Fix: "deploy SessionAudit-LogArchive (README \"Deploy order\", step 1)"})
	}
	return nil
}

// freshnessCheck: the newest object under the region's forwarded prefix of today and yesterday.
func freshnessCheck(ctx context.Context, e *Env, bucket, region string) error {
	arch, home := e.Config.LogArchiveAccountID, e.Config.HomeRegion
	cfg := e.cfg(arch, home)
	client := s3.NewFromConfig(cfg, awsapi.S3Options(cfg))
	now := e.Now().UTC()
	var newest time.Time
	count := 0
	for _, day := range []time.Time{now, now.AddDate(0, 0, -1)} {
		prefix := archivelayout.ForwardedPrefix + region + "/" + day.Format("2006/01/02") + "/"
		p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix)})
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				return call(err, "s3:ListBucket", arch, home)
			}
			for _, o := range out.Contents {
				count++
				if o.LastModified != nil && o.LastModified.After(newest) {
					newest = *o.LastModified
				}
			}
		}
	}
	if count == 0 || now.Sub(newest) > e.FreshWithin {
		msg := "no forwarded object in the last two days"
		if count > 0 {
			msg = "newest forwarded object is from " + newest.Format(time.RFC3339)
		}
		e.Report.Add(report.Finding{Check: "s3.delivery", Severity: report.Warn, Account: arch, Region: region, Subject: archivelayout.ForwardedPrefix + region + "/",
			Message: msg, Meaning: "no session was logged in this region lately, or delivery is broken (destination, stream, subscription filters)",
			Fix: "start a test session in a member account of " + region + " and run verify again (README \"Operations\", \"Verifying a deployment end to end\")"})
	}
	return nil
}

func subscriptionCheck(ctx context.Context, e *Env) error {
	c := e.Config
	arch, home := c.LogArchiveAccountID, c.HomeRegion
	topic := fmt.Sprintf("arn:%s:sns:%s:%s:%s", install.Partition(home), home, arch, install.BusName)
	var pending, confirmed int
	p := sns.NewListSubscriptionsByTopicPaginator(sns.NewFromConfig(e.cfg(arch, home)), &sns.ListSubscriptionsByTopicInput{TopicArn: aws.String(topic)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return call(err, "sns:ListSubscriptionsByTopic", arch, home)
		}
		for _, s := range out.Subscriptions {
			// A confirmed subscription has its ARN; an unconfirmed one "PendingConfirmation" (SNS
			// API reference, Subscription.SubscriptionArn). Anything else is not confirmed either.
			arn := aws.ToString(s.SubscriptionArn)
			if strings.HasPrefix(arn, "arn:") {
				confirmed++
				continue
			}
			pending++
			msg := "subscription not confirmed"
			if arn != "PendingConfirmation" {
				msg = "subscription is " + orNone(arn)
			}
			e.Report.Add(report.Finding{Check: "sns.subscriptions", Severity: report.Warn, Account: arch, Region: home, Subject: aws.ToString(s.Endpoint), Message: msg,
				Meaning: "this address receives no notification", Fix: "confirm with the link in the mail from SNS (README \"Deploy order\", step 7), or `aws sns subscribe` again"})
		}
	}
	if confirmed > 0 {
		return nil
	}
	f := report.Finding{Check: "sns.subscriptions", Severity: report.Fail, Account: arch, Region: home, Subject: topic, Message: "no subscription",
		Meaning: "notices reach no one: SNS delivers only to confirmed subscriptions (SNS developer guide, \"Subscription confirmation\")",
		Fix:     "confirm the subscriptions with the link in the mail from SNS, or deploy SessionAudit-LogArchive with notifications.emails (README \"Deploy order\", step 7)"}
	if pending > 0 {
		f.Message = fmt.Sprintf("none of its %d subscriptions is confirmed", pending)
	}
	if c.Notifications.Chat && len(c.Notifications.Emails) == 0 {
		// The chat topic's subscribers (AWS chat integrations) may be the inbox; verify does not
		// read that topic, so it cannot say that notices reach no one.
		f.Severity = report.Warn
		f.Meaning = "no notice reaches anyone through the inbox topic; with notifications.chat, only the chat topic's subscribers (not read by verify) receive them"
	}
	e.Report.Add(f)
	return nil
}

// alarmCheck: sessionaudit's alarms (dead letters, formatter errors, delivery) in ALARM.
func alarmCheck(ctx context.Context, e *Env) error {
	arch, home := e.Config.LogArchiveAccountID, e.Config.HomeRegion
	var alarms []cwtypes.MetricAlarm
	p := cloudwatch.NewDescribeAlarmsPaginator(cloudwatch.NewFromConfig(e.cfg(arch, home)), &cloudwatch.DescribeAlarmsInput{AlarmNamePrefix: aws.String(install.AlarmNamePrefix), StateValue: cwtypes.StateValueAlarm})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			return call(err, "cloudwatch:DescribeAlarms", arch, home)
		}
		alarms = append(alarms, out.MetricAlarms...)
	}
	for _, a := range alarms {
		name := aws.ToString(a.AlarmName)
		meaning := "delivery of forwarded logs fails"
		switch {
		case strings.Contains(name, "dead-letters"):
			meaning = "notifications could not be delivered and wait in the dead-letter queue"
		case strings.Contains(name, "formatter"):
			meaning = "the notification formatter fails"
		}
		e.Report.Add(report.Finding{Check: "cloudwatch.alarms", Severity: report.Fail, Account: arch, Region: home, Subject: name, Message: "in ALARM: " + aws.ToString(a.StateReason),
			Meaning: meaning, Fix: "read the formatter's or stream's log group for the error; the alarm returns to OK by itself (README \"Operations\")"})
	}
	return nil
}
