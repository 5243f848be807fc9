package cost

import (
	"fmt"
	"io"
)

// DigesterDescription is the Description of the digester's function in the LogArchive template
// (constructs/digest), by which ReadPlan finds its memory and architecture.
const DigesterDescription = "sessionaudit: writes the archive's signed hourly digest"

// Per hourly run, besides the objects, the digester (constructs/digest/digester.js) reads the
// previous hour's digest and signature and the bucket's public key (three GetObject), asks KMS for
// the public key (GetPublicKey) and a signature (Sign), and writes the digest and its signature
// (two PutObject).
const (
	digestRunGets, digestRunPuts, digestRunAsymmetric = 3, 2, 2
)

// Digests is what the hourly digester costs a month at accounts member accounts, in the home
// region: each object written to the archive (archivedObjectsPerAccount per account, and the
// ledger's objects) is one S3 "Object Created" event, sent by the default bus to the digester's
// queue (EventBridge does not bill events AWS services send to the default bus, so the charge is
// the queue's SendMessage), received and deleted in batches of ten (SQS), read once (S3 GET and, at
// most, a LogKey decrypt: the bucket's S3 Bucket Key makes it fewer) and hashed (Lambda duration,
// digesterMillisPerObject); each of the hoursPerMonth runs adds its fixed calls (digestRun*), the
// last empty receive and digesterMillisPerRun. Storage of the digests (a few KB an hour) is left
// out. Nil without a digester in the templates.
func Digests(p *Prices, plan Plan, g Governed, accounts int) []Line {
	if plan.DigesterMemoryMiB <= 0 {
		return nil
	}
	at := p.in(g.Home)
	var lines []Line
	add := func(what string, count float64, unit, price string) {
		each := at.usd(price)
		lines = append(lines, Line{Where: "digests", Region: g.Home, What: what, Count: count, Unit: unit, Each: each, USD: count * each})
	}
	objects := float64(accounts) * p.assume("archivedObjectsPerAccount")
	if accounts > 0 && plan.LedgerBufferSeconds > 0 {
		objects += min(float64(accounts)*p.assume("ledgerEventsPerAccount"), secondsPerMonth/plan.LedgerBufferSeconds)
	}
	runs := float64(hoursPerMonth)
	add("SQS: one event per object in, received and deleted ten at a time, one empty receive per run", objects+2*objects/10+runs, "requests", "sqs.request")
	add("S3 GET: each object once, the previous digest, its signature and the public key per run", objects+digestRunGets*runs, "requests", "s3.get")
	add("S3 PUT: the digest and its signature per run", digestRunPuts*runs, "requests", "s3.put")
	add("LogKey: at most one decrypt per object read, one data key per digest written", objects+(digestRunGets+digestRunPuts)*runs, "requests", "kms.request")
	add("signing key: Sign and GetPublicKey per run", digestRunAsymmetric*runs, "requests", "kms.asymmetricRequest")
	add("Lambda invocations, one per hour", runs, "invocations", "lambda.request")
	seconds := (runs*p.assume("digesterMillisPerRun") + objects*p.assume("digesterMillisPerObject")) / 1000
	add("Lambda duration", seconds*plan.DigesterMemoryMiB/1024, "GB-seconds", "lambda.gbSecond."+plan.DigesterArch)
	for i := range lines {
		lines[i].Fallback = at.fallback
	}
	return lines
}

// digestsReport prints Digests at every organization size the report prints.
func digestsReport(w io.Writer, p *Prices, plan Plan, g Governed, accounts []int) []Line {
	fmt.Fprintf(w, "## Signed digests (the hourly digester)\n\n")
	if plan.DigesterMemoryMiB <= 0 {
		fmt.Fprintf(w, "No digester in the templates.\n\n")
		return nil
	}
	fmt.Fprintf(w, "At %v objects written per member account a month besides the ledger's (assumption archivedObjectsPerAccount), one run an hour (%d a month), %v ms per object and %v ms per run at %v MiB:\n\n",
		p.assume("archivedObjectsPerAccount"), hoursPerMonth, p.assume("digesterMillisPerObject"), p.assume("digesterMillisPerRun"), plan.DigesterMemoryMiB)
	return bySize(w, accounts, func(n int) []Line { return Digests(p, plan, g, n) })
}

// bySize prints the monthly total of linesAt at each organization size, then the lines at the
// largest, and returns the lines of every size (the report's sections of per-use costs).
func bySize(w io.Writer, accounts []int, linesAt func(n int) []Line) []Line {
	fmt.Fprintf(w, "| accounts | USD a month |\n|---|---:|\n")
	var lines []Line
	for _, n := range accounts {
		l := linesAt(n)
		lines = append(lines, l...)
		fmt.Fprintf(w, "| %d | %s |\n", n, usd(Total(l)))
	}
	if n := accounts[len(accounts)-1]; n > 0 {
		fmt.Fprintf(w, "\nAt %d accounts:\n\n", n)
		table(w, linesAt(n))
	}
	fmt.Fprintln(w)
	return lines
}
