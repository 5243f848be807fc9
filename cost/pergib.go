package cost

import (
	"math"
	"strconv"
)

// PerGiB is what one GiB of session transcript costs through every path, in an organization that
// governs regions regions (the share of data outside the home region crosses regions):
//   - the agent uploads the transcript to the central bucket, one object per session, in the home
//     region only (the bucket's region: elsewhere the preferences name no bucket, so that a session
//     depends only on its own region's endpoints; sessions are assumed spread evenly over regions);
//   - the agent streams it to the member's CloudWatch Logs log group, kept LogRetentionDays;
//   - the subscription sends it (gzip batches) to the log-archive destination of its region, and
//     across regions to the Firehose stream of that region in the home region;
//   - Firehose ingests it, the processor decompresses and partitions it by account, and Firehose
//     writes one object per account and buffer;
//   - both copies live in the bucket along the storage plan until they expire.
func PerGiB(p *Prices, plan Plan, regions int) ([]Line, error) {
	if err := classPrices(p, plan); err != nil {
		return nil, err
	}
	m := model{p, plan}
	env := p.assume("cloudwatchEnvelope")
	gz := p.assume("gzipRatio")
	var lines []Line
	add := func(where, what string, count float64, unit, price string) {
		each := p.usd(price)
		lines = append(lines, Line{Where: where, What: what, Count: count, Unit: unit, Each: each, USD: count * each})
	}
	life := func(where string, objects, sizeKB float64) {
		archived := m.archives(sizeKB)
		what := "storage over the retention, S3 Standard"
		if archived {
			what = "storage over the retention, S3 Standard then " + plan.ArchiveClass + " (with transition)"
		}
		each := m.objectLife(sizeKB, archived)
		lines = append(lines, Line{Where: where, What: what, Count: objects, Unit: "objects of " + kb(sizeKB), Each: each, USD: objects * each})
	}

	transcript := p.assume("transcriptKB")
	inHome := 1 / float64(regions)
	add("agent upload", "S3 PUT, one object per session of the home region", inHome*kbPerGiB/transcript, "requests", "s3.put")
	life("agent upload", inHome*kbPerGiB/transcript, transcript)

	add("CloudWatch Logs", "ingestion (session output as JSON events)", env, "GB", "logs.ingest")
	add("CloudWatch Logs", "storage over the log group's retention (compressed)", env*p.assume("cloudwatchStored")*plan.LogRetentionDays/daysPerMonth, "GB-months", "logs.storage")

	compressedKB := env * gz * kbPerGiB
	outside := float64(regions-1) / float64(regions)
	add("subscription", "cross-region transfer to the home region's stream", env*gz*outside, "GB", "transfer.interRegion")

	record := p.assume("subscriptionRecordKB")
	add("Firehose", "ingestion (gzip records, each billed as at least 5 KB)", compressedKB/record*math.Max(5, record)/kbPerGiB, "GB billed", "firehose.ingest")
	add("Firehose", "dynamic partitioning, data processed", env, "GB", "firehose.partitionGB")
	objectKB := math.Min(plan.BufferMiB*1024, p.assume("busyAccountBytesPerSecond")*plan.BufferSeconds/1024)
	objects := env * kbPerGiB / objectKB
	add("Firehose", "dynamic partitioning, objects (one per account and buffer)", objects, "objects", "firehose.partitionObject")
	invocations := compressedKB / (plan.ProcessorBatchMiB * 1024)
	add("processor", "Lambda invocations", invocations, "invocations", "lambda.request")
	add("processor", "Lambda duration", invocations*p.assume("processorMillis")/1000*plan.ProcessorMemoryMiB/1024, "GB-seconds", "lambda.gbSecond."+plan.ProcessorArch)

	stored := objectKB
	if plan.Compressed {
		stored *= gz
	}
	add("forwarded copy", "S3 PUT, one per Firehose object", objects, "requests", "s3.put")
	life("forwarded copy", objects, stored)
	return lines, nil
}

// Seed is the seed documents' design for the same GiB: CloudWatch Logs to Firehose (built-in
// decompression and message extraction, no Lambda, 1 MiB / 10 s buffer, uncompressed JSON) to S3
// Standard with no lifecycle, kept as long as this plan keeps objects, with the same log group.
func Seed(p *Prices, plan Plan) []Line {
	env := p.assume("cloudwatchEnvelope")
	var lines []Line
	add := func(where, what string, count float64, unit string, each float64) {
		lines = append(lines, Line{Where: where, What: what, Count: count, Unit: unit, Each: each, USD: count * each})
	}
	add("CloudWatch Logs", "ingestion", env, "GB", p.usd("logs.ingest"))
	add("CloudWatch Logs", "storage over the log group's retention (compressed)", env*p.assume("cloudwatchStored")*plan.LogRetentionDays/daysPerMonth, "GB-months", p.usd("logs.storage"))
	record := p.assume("subscriptionRecordKB")
	add("Firehose", "ingestion (gzip records, each billed as at least 5 KB)", env*p.assume("gzipRatio")*kbPerGiB/record*math.Max(5, record)/kbPerGiB, "GB billed", p.usd("firehose.ingest"))
	// One stream for all accounts of a region: objects as large as the 1 MiB buffer (the seed's
	// most favourable case).
	add("S3", "PUT, one per 1 MiB buffer", env*kbPerGiB/1024, "requests", p.usd("s3.put"))
	add("S3", "storage over the retention, S3 Standard, uncompressed", env*plan.RetentionDays/daysPerMonth, "GB-months", p.usd("s3.storage.STANDARD"))
	return lines
}

// PerSession is what each session costs whatever its size: the session data key (the plugin's
// GenerateDataKey and the agent's Decrypt) and its notifications (an event to the central bus,
// a publish and an e-mail per address for each of start and end).
func PerSession(p *Prices, plan Plan) []Line {
	events := p.assume("sessionEvents")
	var lines []Line
	add := func(where, what string, count float64, unit, price string) {
		each := p.usd(price)
		lines = append(lines, Line{Where: where, What: what, Count: count, Unit: unit, Each: each, USD: count * each})
	}
	if plan.SessionEncryption {
		add("session key", "kms:GenerateDataKey and kms:Decrypt", 2, "requests", "kms.request")
	}
	add("notifications", "events to the central bus (another account)", events, "events", "events.crossAccount")
	add("notifications", "formatter Lambda invocations", events, "invocations", "lambda.request")
	add("notifications", "SNS publishes", events, "publishes", "sns.publish")
	if plan.Emails > 0 {
		add("notifications", "e-mail deliveries", events*float64(plan.Emails), "e-mails", "sns.email")
	}
	return lines
}

func kb(v float64) string {
	if v >= 1024 {
		return trim(v/1024) + " MiB"
	}
	return trim(v) + " KB"
}

func trim(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }
