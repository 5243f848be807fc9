package cost

import (
	"fmt"
	"io"
	"math"
)

// secondsPerMonth is the billed month in seconds.
const secondsPerMonth = daysPerMonth * 24 * 3600

// Ledger is what the ledger (constructs/ledger) costs a month at accounts member accounts, in the
// home region: every access event that reaches the central bus (ledgerEventsPerAccount a month per
// account, ledgerEventKB each; assumptions) is one Firehose record, billed as at least 5 KB
// (firehose.ingest); Firehose writes at most one object per buffer interval
// (Plan.LedgerBufferSeconds), each an S3 PUT and a data key from the LogKey (kms.request); the
// objects, gzipped (gzipRatio), live in the bucket along the storage plan until they expire, each
// month's objects priced over their whole life (as PerGiB prices storage). The ledger's rule adds
// no EventBridge charge: the events are billed once as they arrive on the central bus
// (WayNotices, noticeLines), and EventBridge bills events, not rules or their targets. Nil without
// a ledger stream.
func Ledger(p *Prices, plan Plan, g Governed, accounts int) []Line {
	if plan.LedgerBufferSeconds <= 0 || accounts <= 0 {
		return nil
	}
	var lines []Line
	add := func(what string, count float64, unit, price string) {
		at := p.in(g.Home) // its own fallback list
		each := at.usd(price)
		lines = append(lines, Line{Where: "ledger", Region: g.Home, Fallback: at.fallback, What: what, Count: count, Unit: unit, Each: each, USD: count * each})
	}
	events := float64(accounts) * p.assume("ledgerEventsPerAccount")
	eventKB := p.assume("ledgerEventKB")
	add("Firehose ingestion (one record per event, each billed as at least 5 KB)", events*math.Max(5, eventKB)/kbPerGiB, "GB billed", "firehose.ingest")
	objects := math.Min(events, secondsPerMonth/plan.LedgerBufferSeconds)
	add("S3 PUT, one object per buffer interval", objects, "requests", "s3.put")
	add("LogKey data keys, one per object", objects, "requests", "kms.request")
	sizeKB := events * eventKB * p.assume("gzipRatio") / objects
	return append(lines, storageLine(p, plan, g, "ledger", objects, sizeKB))
}

// ledgerReport prints Ledger at every organization size the report prints.
func ledgerReport(w io.Writer, p *Prices, plan Plan, g Governed, accounts []int) []Line {
	fmt.Fprintf(w, "## The ledger (every access event of the central bus, in the bucket)\n\n")
	if plan.LedgerBufferSeconds <= 0 {
		fmt.Fprintf(w, "No ledger stream in the templates.\n\n")
		return nil
	}
	fmt.Fprintf(w, "At %v access events per member account a month of %v KB each (assumptions ledgerEventsPerAccount, ledgerEventKB), one object per %v s buffer, kept %v days:\n\n",
		p.assume("ledgerEventsPerAccount"), p.assume("ledgerEventKB"), plan.LedgerBufferSeconds, plan.RetentionDays)
	fmt.Fprintf(w, "| accounts | events a month | USD a month |\n|---|---:|---:|\n")
	var lines []Line
	for _, n := range accounts {
		l := Ledger(p, plan, g, n)
		lines = append(lines, l...)
		fmt.Fprintf(w, "| %d | %s | %s |\n", n, num(float64(n)*p.assume("ledgerEventsPerAccount")), usd(Total(l)))
	}
	if n := accounts[len(accounts)-1]; n > 0 {
		fmt.Fprintf(w, "\nAt %d accounts:\n\n", n)
		table(w, Ledger(p, plan, g, n))
	}
	fmt.Fprintln(w)
	return lines
}
