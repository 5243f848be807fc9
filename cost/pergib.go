package cost

import (
	"math"
	"strconv"
)

// PerGiB is what one GiB of session transcript costs through every path, in an organization that
// governs g's regions (the share of data outside the home region crosses regions), each step at
// the prices of the region it bills in:
//   - the agent uploads the transcript to the central bucket, one object per session, in the home
//     region only (the bucket's region: elsewhere the preferences name no bucket, so that a session
//     depends only on its own region's endpoints; sessions are assumed spread evenly over regions);
//   - the agent streams it to the member's CloudWatch Logs log group of the session's region, kept
//     LogRetentionDays;
//   - the subscription sends it (gzip batches) to the log-archive destination of its region, and
//     across regions (billed by the source region) to the Firehose stream of that region in the
//     home region;
//   - Firehose ingests it, the processor decompresses and partitions it by account, and Firehose
//     writes one object per account and buffer, in the home region;
//   - both copies live in the bucket (home region) along the storage plan until they expire.
func PerGiB(p *Prices, plan Plan, g Governed) ([]Line, error) {
	if err := classPrices(p, plan); err != nil {
		return nil, err
	}
	env := p.assume("cloudwatchEnvelope")
	gz := p.assume("gzipRatio")
	regions := float64(g.Count)
	var lines []Line
	add := func(where, region, what string, count float64, unit, price string) {
		at := p.in(region)
		each := at.usd(price)
		lines = append(lines, Line{Where: where, Region: region, Fallback: at.fallback, What: what, Count: count, Unit: unit, Each: each, USD: count * each})
	}
	life := func(where string, objects, sizeKB float64) {
		lines = append(lines, storageLine(p, plan, g, where, objects, sizeKB))
	}

	transcript := p.assume("transcriptKB")
	inHome := 1 / regions
	add("agent upload", g.Home, "S3 PUT, one object per session of the home region", inHome*kbPerGiB/transcript, "requests", "s3.put")
	life("agent upload", inHome*kbPerGiB/transcript, transcript)

	for _, sh := range g.shares() {
		part := sh.n / regions
		add("CloudWatch Logs", sh.region, "ingestion (session output as JSON events)", env*part, "GB", "logs.ingest")
		add("CloudWatch Logs", sh.region, "storage over the log group's retention (compressed)", env*part*p.assume("cloudwatchStored")*plan.LogRetentionDays/daysPerMonth, "GB-months", "logs.storage")
	}

	compressedKB := env * gz * kbPerGiB
	for _, sh := range g.shares() {
		if sh.region == g.Home && g.Home != "" {
			continue
		}
		outside := sh.n / regions
		if g.Home == "" {
			outside = (regions - 1) / regions
		}
		add("subscription", sh.region, "cross-region transfer to the home region's stream", env*gz*outside, "GB", "transfer.interRegion")
	}

	record := p.assume("subscriptionRecordKB")
	add("Firehose", g.Home, "ingestion (gzip records, each billed as at least 5 KB)", compressedKB/record*math.Max(5, record)/kbPerGiB, "GB billed", "firehose.ingest")
	add("Firehose", g.Home, "dynamic partitioning, data processed", env, "GB", "firehose.partitionGB")
	objectKB := math.Min(plan.BufferMiB*1024, p.assume("busyAccountBytesPerSecond")*plan.BufferSeconds/1024)
	objects := env * kbPerGiB / objectKB
	add("Firehose", g.Home, "dynamic partitioning, objects (one per account and buffer)", objects, "objects", "firehose.partitionObject")
	invocations := compressedKB / (plan.ProcessorBatchMiB * 1024)
	add("processor", g.Home, "Lambda invocations", invocations, "invocations", "lambda.request")
	add("processor", g.Home, "Lambda duration", invocations*p.assume("processorMillis")/1000*plan.ProcessorMemoryMiB/1024, "GB-seconds", "lambda.gbSecond."+plan.ProcessorArch)

	stored := objectKB
	if plan.Compressed {
		stored *= gz
	}
	add("forwarded copy", g.Home, "S3 PUT, one per Firehose object", objects, "requests", "s3.put")
	life("forwarded copy", objects, stored)
	return lines, nil
}

// Seed is the seed documents' design for the same GiB in the same regions: CloudWatch Logs (in
// each session's region) to Firehose (built-in decompression and message extraction, no Lambda,
// 1 MiB / 10 s buffer, uncompressed JSON) to S3 Standard with no lifecycle (home region), kept as
// long as this plan keeps objects, with the same log group.
func Seed(p *Prices, plan Plan, g Governed) []Line {
	env := p.assume("cloudwatchEnvelope")
	var lines []Line
	add := func(where, region, what string, count float64, unit, price string) {
		at := p.in(region)
		each := at.usd(price)
		lines = append(lines, Line{Where: where, Region: region, Fallback: at.fallback, What: what, Count: count, Unit: unit, Each: each, USD: count * each})
	}
	for _, sh := range g.shares() {
		part := sh.n / float64(g.Count)
		add("CloudWatch Logs", sh.region, "ingestion", env*part, "GB", "logs.ingest")
		add("CloudWatch Logs", sh.region, "storage over the log group's retention (compressed)", env*part*p.assume("cloudwatchStored")*plan.LogRetentionDays/daysPerMonth, "GB-months", "logs.storage")
	}
	record := p.assume("subscriptionRecordKB")
	add("Firehose", g.Home, "ingestion (gzip records, each billed as at least 5 KB)", env*p.assume("gzipRatio")*kbPerGiB/record*math.Max(5, record)/kbPerGiB, "GB billed", "firehose.ingest")
	// One stream for all accounts of a region: objects as large as the 1 MiB buffer (the seed's
	// most favourable case).
	add("S3", g.Home, "PUT, one per 1 MiB buffer", env*kbPerGiB/1024, "requests", "s3.put")
	add("S3", g.Home, "storage over the retention, S3 Standard, uncompressed", env*plan.RetentionDays/daysPerMonth, "GB-months", "s3.storage.STANDARD")
	return lines
}

// PerSession is what each session costs whatever its size: the session data key (the plugin's
// GenerateDataKey and the agent's Decrypt, in the session's region; sessions spread evenly over
// the governed regions) and its notifications (an event to the central bus, a publish and an
// e-mail per address for each of start and end, priced in the home region).
func PerSession(p *Prices, plan Plan, g Governed) []Line {
	events := p.assume("sessionEvents")
	var lines []Line
	add := func(where, region, what string, count float64, unit, price string) {
		at := p.in(region)
		each := at.usd(price)
		lines = append(lines, Line{Where: where, Region: region, Fallback: at.fallback, What: what, Count: count, Unit: unit, Each: each, USD: count * each})
	}
	if plan.SessionEncryption {
		for _, sh := range g.shares() {
			add("session key", sh.region, "kms:GenerateDataKey and kms:Decrypt", 2*sh.n/float64(g.Count), "requests", "kms.request")
		}
	}
	return append(lines, noticeLines(p, plan, g.Home, events)...)
}

// noticeLines are what events notices cost, priced in home: each event sent from a member
// account's default bus to the central bus (another account), a formatter invocation, an SNS
// publish and an e-mail per address.
func noticeLines(p *Prices, plan Plan, home string, events float64) []Line {
	var lines []Line
	add := func(what string, count float64, unit, price string) {
		at := p.in(home)
		each := at.usd(price)
		lines = append(lines, Line{Where: "notifications", Region: home, Fallback: at.fallback, What: what, Count: count, Unit: unit, Each: each, USD: count * each})
	}
	add("events to the central bus (another account)", events, "events", "events.crossAccount")
	add("formatter Lambda invocations", events, "invocations", "lambda.request")
	add("SNS publishes", events, "publishes", "sns.publish")
	if plan.Emails > 0 {
		add("e-mail deliveries", events*float64(plan.Emails), "e-mails", "sns.email")
	}
	return lines
}

// storageLine prices objects of sizeKB in the central bucket (home region) over the retention:
// S3 Standard, then the archive class where the lifecycle moves them.
func storageLine(p *Prices, plan Plan, g Governed, where string, objects, sizeKB float64) Line {
	at := p.in(g.Home)
	m := model{at, plan}
	archived := m.archives(sizeKB)
	what := "storage over the retention, S3 Standard"
	if archived {
		what = "storage over the retention, S3 Standard then " + plan.ArchiveClass + " (with transition)"
	}
	each := m.objectLife(sizeKB, archived)
	return Line{Where: where, Region: g.Home, Fallback: at.fallback, What: what, Count: objects, Unit: "objects of " + kb(sizeKB), Each: each, USD: objects * each}
}

func kb(v float64) string {
	if v >= 1024 {
		return trim(v/1024) + " MiB"
	}
	return trim(v) + " KB"
}

func trim(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }
