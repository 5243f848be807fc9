package cost

import (
	"fmt"
	"io"
	"math"
)

// CoverageCheckDescription is the Description of the daily coverage check's function in the
// LogArchive template (constructs/coveragecheck.Description), by which ReadPlan finds it.
const CoverageCheckDescription = "sessionaudit: announces yesterday's coverage gaps on the notification topic"

// The daily check's queries (archivesearch's coverage SQL) read the ledger of the checked day,
// the LookBackDays before it and the day after (arrival days), and the forwarded output of the
// checked day and the days either side. Athena bills at least athenaMinBytes per query ("$5 per
// TB of data scanned, rounded up to the nearest megabyte, with a 10 MB minimum per query",
// https://aws.amazon.com/athena/pricing/). Each query writes its results and their metadata
// (two PUT) into the results bucket; the check writes at most one marker a day.
const (
	coverageLedgerDays, coverageForwardedDays = 7 + 2, 3
	athenaMinBytes                            = 10 * 1000 * 1000
	coverageRunPuts                           = 2*2 + 1
)

// CoverageCheck is what the daily coverage check costs a month at accounts member accounts, in
// the home region: one run a day (Lambda, coverageCheckMillis), its two Athena queries (the
// ledger's bytes from ledgerEventsPerAccount and ledgerEventKB, the forwarded output's from
// sessionsPerAccountDay, transcriptKB, cloudwatchEnvelope; both gzipped at gzipRatio), the S3
// GET of each object they read (ledger objects capped by the ledger's buffer, forwarded objects
// at most archivedObjectsPerAccount) with at most one LogKey decrypt each, one transcript lookup
// (LIST) per session, and at most one message a day (SNS publish and an e-mail per subscription).
// Nil without the check in the templates.
func CoverageCheck(p *Prices, plan Plan, g Governed, accounts int) []Line {
	if plan.CoverageCheckMemoryMiB <= 0 {
		return nil
	}
	at := p.in(g.Home)
	var lines []Line
	add := func(what string, count float64, unit, price string) {
		each := at.usd(price)
		lines = append(lines, Line{Where: "coverage check", Region: g.Home, What: what, Count: count, Unit: unit, Each: each, USD: count * each})
	}
	n := float64(accounts)
	runs := daysPerMonth
	ledgerDay := n * p.assume("ledgerEventsPerAccount") / daysPerMonth * p.assume("ledgerEventKB") * 1000 * p.assume("gzipRatio")
	sessionsDay := n * p.assume("sessionsPerAccountDay")
	forwardedDay := sessionsDay * p.assume("transcriptKB") * 1000 * p.assume("cloudwatchEnvelope") * p.assume("gzipRatio")
	scanned := math.Max(coverageLedgerDays*ledgerDay, athenaMinBytes) + math.Max(coverageForwardedDays*forwardedDay, athenaMinBytes)
	add("Athena: the ledger and forwarded-output queries, at least 10 MB each", scanned*runs/1e12, "TB scanned", "athena.tbScanned")
	var objects float64
	if accounts > 0 && plan.LedgerBufferSeconds > 0 {
		objects += coverageLedgerDays * min(n*p.assume("ledgerEventsPerAccount")/daysPerMonth, 24*3600/plan.LedgerBufferSeconds)
	}
	objects += coverageForwardedDays * n * p.assume("archivedObjectsPerAccount") / daysPerMonth
	add("S3 GET: Athena reads each object of the days queried", objects*runs, "requests", "s3.get")
	add("LogKey: at most one decrypt per object read", objects*runs, "requests", "kms.request")
	add("S3 LIST: one transcript lookup per session of the day", sessionsDay*runs, "requests", "s3.put")
	add("S3 PUT: query results and the day's marker", coverageRunPuts*runs, "requests", "s3.put")
	add("SNS: at most one message a day", runs, "publishes", "sns.publish")
	add("e-mail deliveries of it", runs*float64(plan.Emails), "e-mails", "sns.email")
	add("Lambda invocations, one a day", runs, "invocations", "lambda.request")
	add("Lambda duration", runs*p.assume("coverageCheckMillis")/1000*plan.CoverageCheckMemoryMiB/1024, "GB-seconds", "lambda.gbSecond."+plan.CoverageCheckArch)
	for i := range lines {
		lines[i].Fallback = at.fallback
	}
	return lines
}

// coverageCheckReport prints CoverageCheck at every organization size the report prints.
func coverageCheckReport(w io.Writer, p *Prices, plan Plan, g Governed, accounts []int) []Line {
	fmt.Fprintf(w, "## Daily coverage check\n\n")
	if plan.CoverageCheckMemoryMiB <= 0 {
		fmt.Fprintf(w, "No daily coverage check in the templates (notifications.dailyCoverage is false).\n\n")
		return nil
	}
	fmt.Fprintf(w, "One run a day of %v ms at %v MiB, %v sessions per member account a day (assumption sessionsPerAccountDay), at most one message a day to %d e-mail subscription(s):\n\n",
		p.assume("coverageCheckMillis"), plan.CoverageCheckMemoryMiB, p.assume("sessionsPerAccountDay"), plan.Emails)
	return bySize(w, accounts, func(n int) []Line { return CoverageCheck(p, plan, g, n) })
}
