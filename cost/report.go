package cost

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/sessionaudit/sessionaudit/config"
)

// Report prints the model in Markdown: the fixed monthly cost for every organization size of
// accounts × regions, what bills while idle at detail, the cost per GiB through every path next to
// the seed design, the cost per session and the archive break-even size.
func Report(w io.Writer, a *App, p *Prices, detail Scale, accounts, regions []int) error {
	plan, err := ReadPlan(a)
	if err != nil {
		return err
	}
	g := a.Governed(detail.Regions)
	fmt.Fprintf(w, "# sessionaudit cost model\n\nTemplates: governed regions %s (home %s); prices: each region at its own list prices where cost/prices.json has them (%s checked %s; regional prices for %s), %s prices where not (see \"Regional prices\" below; cost/prices.json names the source of each).\n\n",
		strings.Join(a.Regions, ", "), a.Home, p.Region, p.Checked, orNothing(strings.Join(sortedKeys(p.Regional), ", ")), p.Region)
	if !plan.Logging {
		fmt.Fprintf(w, "Rollout phase %s: the member stacks keep each account's Session Manager preferences, so sessionaudit logs no session yet. The fixed cost bills from this phase; the per-GiB and per-session costs below start with the logging phase (docs/rollout.md).\n\n", config.PhasePermissions)
	}
	if detail.Regions != len(a.Regions) {
		fmt.Fprintf(w, "At %d regions, the %d governed regions other than %s are priced as the configured ones (%s), in equal shares.\n\n", detail.Regions, detail.Regions-1, a.Home, strings.Join(g.Others, ", "))
	}

	fmt.Fprintf(w, "## Fixed monthly cost (billed while idle; keys at steady state, rotated twice)\n\n| accounts \\ regions |")
	for _, r := range regions {
		fmt.Fprintf(w, " %d |", r)
	}
	fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---:|", len(regions)))
	for _, n := range accounts {
		fmt.Fprintf(w, "| %d |", n)
		for _, r := range regions {
			lines, err := Fixed(a, p, Scale{n, r})
			if err != nil {
				return err
			}
			fmt.Fprintf(w, " %s |", usd(Total(lines)))
		}
		fmt.Fprintln(w)
	}

	lines, err := Fixed(a, p, detail)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n## What bills while idle at %d accounts × %d regions\n\n| stack | region | resource | deployed | each | monthly |\n|---|---|---|---:|---:|---:|\n", detail.Accounts, detail.Regions)
	for _, l := range grouped(lines) {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", l.Where, region(l, p), l.What, num(l.Count), usd(l.Each), usd(l.USD))
	}
	fmt.Fprintf(w, "| **total** | | | | | **%s** |\n", usd(Total(lines)))

	ours, err := PerGiB(p, plan, g)
	if err != nil {
		return err
	}
	seed := Seed(p, plan, g)
	fmt.Fprintf(w, "\n## Per GiB of session transcript (%d regions; objects kept %v days, archived after %v days to %s above %v bytes)\n\n", detail.Regions, plan.RetentionDays, plan.ArchiveAfterDays, orNone(plan.ArchiveClass), plan.ArchiveMinBytes)
	table(w, ours)
	fmt.Fprintf(w, "\nSeed design (CloudWatch Logs → Firehose → S3 Standard, no Lambda, one copy), same retention:\n\n")
	table(w, seed)
	fmt.Fprintf(w, "\nRatio sessionaudit / seed: **%.2f** (target ≤ 1.5)\n", Total(ours)/Total(seed))

	fmt.Fprintf(w, "\n## Per session, whatever its size\n\n")
	session := PerSession(p, plan, g)
	table(w, session)
	fmt.Fprintf(w, "\nArchive break-even: objects of at least %v KB cost less in %s than in S3 Standard over %v days (%s prices); the bucket archives objects above %v bytes.\n\n", breakEvenKB(p.in(a.Home), plan), orNone(plan.ArchiveClass), plan.RetentionDays, a.Home, plan.ArchiveMinBytes)
	ways := wayReport(w, p, plan, g, accounts)
	ledger := ledgerReport(w, p, plan, g, accounts)
	digests := digestsReport(w, p, plan, g, accounts)
	check := coverageCheckReport(w, p, plan, g, accounts)
	fmt.Fprintf(w, "## Regional prices\n\n")
	fallbacks(w, p, slices.Concat(lines, ours, seed, session, ways, ledger, digests, check))
	fmt.Fprintln(w)
	var assumptions []string
	for id, as := range p.Assumptions {
		assumptions = append(assumptions, fmt.Sprintf("- %s = %v: %s", id, as.Value, as.Why))
	}
	sort.Strings(assumptions)
	fmt.Fprintf(w, "Assumptions (cost/prices.json):\n%s\n", strings.Join(assumptions, "\n"))
	return nil
}

// fallbacks says, for every region the lines bill in, which items were priced at the prices
// file's own region because the file has no price of that region for them.
func fallbacks(w io.Writer, p *Prices, lines []Line) {
	used := map[string]map[string]bool{}
	fell := map[string]map[string]bool{}
	for _, l := range lines {
		r := l.Region
		if r == "" {
			r = p.Region
		}
		if used[r] == nil {
			used[r], fell[r] = map[string]bool{}, map[string]bool{}
		}
		used[r][l.Where] = true
		for _, id := range l.Fallback {
			fell[r][id] = true
		}
	}
	for _, r := range sortedKeys(used) {
		switch {
		case r == p.Region:
			fmt.Fprintf(w, "- %s: its own list prices (the prices file's region).\n", r)
		case len(fell[r]) == 0:
			fmt.Fprintf(w, "- %s: its own list prices for every item used (checked %s).\n", r, p.Regional[r].Checked)
		default:
			own := sortedKeys(p.Regional[r].Prices)
			fmt.Fprintf(w, "- %s: **%s prices (fallback) for %s**; its own prices for %s.\n", r, p.Region, strings.Join(sortedKeys(fell[r]), ", "), orNothing(strings.Join(own, ", ")))
		}
	}
}

// region names the region of a line.
func region(l Line, p *Prices) string {
	r := l.Region
	if r == "" {
		r = p.Region
	}
	if len(l.Fallback) > 0 {
		r += " (" + p.Region + " prices: " + strings.Join(l.Fallback, ", ") + ")"
	}
	return r
}

// grouped adds up the lines of one stack and resource type (the per-region resources of a stack).
func grouped(lines []Line) []Line {
	var out []Line
	index := map[string]int{}
	for _, l := range lines {
		typ := l.What[strings.LastIndex(l.What, "(")+1 : len(l.What)-1]
		key := l.Where + "|" + l.Region + "|" + typ + "|" + fmt.Sprint(l.Each)
		if i, ok := index[key]; ok {
			out[i].Count += l.Count
			out[i].USD += l.USD
			out[i].What = typ
			continue
		}
		index[key] = len(out)
		out = append(out, l)
	}
	return out
}

func table(w io.Writer, lines []Line) {
	fmt.Fprintf(w, "| path | region | item | quantity | each | USD |\n|---|---|---|---:|---:|---:|\n")
	for _, l := range lines {
		r := l.Region
		if len(l.Fallback) > 0 {
			r += " (fallback: " + strings.Join(l.Fallback, ", ") + ")"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s %s | %s | %s |\n", l.Where, r, l.What, num(l.Count), l.Unit, usd(l.Each), usd(l.USD))
	}
	fmt.Fprintf(w, "| **total** | | | | | **%s** |\n", usd(Total(lines)))
}

func usd(v float64) string {
	switch {
	case v == 0:
		return "$0"
	case v < 0.01:
		return fmt.Sprintf("$%.6f", v)
	case v < 1:
		return fmt.Sprintf("$%.3f", v)
	case v < 100:
		return fmt.Sprintf("$%.2f", v)
	}
	return fmt.Sprintf("$%.0f", v)
}

func num(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.3g", v)
}

func orNothing(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(no archive rule)"
	}
	return s
}

// EndpointReport prints what the VPC endpoints of private subnets cost the organization
// (Endpoints): what sessionaudit adds, apart from what Session Manager needs anyway.
func EndpointReport(w io.Writer, p *Prices, s EndpointScale) error {
	fmt.Fprintf(w, "\n## VPC endpoints for private subnets (the teams' VPCs; not deployed by sessionaudit)\n\n%d accounts × %d regions × %d VPCs, interface endpoints in %d Availability Zones (docs/private-networks.md); data processed adds %s a GB (%s price).\n\n",
		s.Accounts, s.Regions, s.VPCs, s.AZs, usd(p.usd("vpc.interfaceEndpointGB")), p.Region)
	added, anyway := Endpoints(p, s)
	fmt.Fprintf(w, "### What sessionaudit adds (%s)\n\n", orNothing(strings.Join(AddedEndpoints(s), ", ")))
	if !s.Logging {
		fmt.Fprintf(w, "Nothing in this rollout phase: sessionaudit logs no session before the logging phase, which adds %s (and %s once sessions are encrypted).\n\n", LoggingEndpoint, EncryptionEndpoint)
	}
	table(w, added)
	fmt.Fprintf(w, "\n### What Session Manager in a private subnet needs anyway (%s; Systems Manager user guide, \"Improve the security of EC2 instances by using VPC endpoints for Systems Manager\")\n\n", strings.Join(SessionManagerEndpoints, ", "))
	table(w, anyway)
	fmt.Fprintln(w)
	fallbacks(w, p, slices.Concat(added, anyway[:len(anyway)-1])) // the gateway endpoint is free everywhere
	if vpcs := s.Accounts * s.Regions * s.VPCs; vpcs > 0 {
		fmt.Fprintf(w, "\nPer VPC: sessionaudit adds %s a month; the endpoints Session Manager needs anyway cost %s a month, which VPCs that already reach Systems Manager privately pay today.\n", usd(Total(added)/float64(vpcs)), usd(Total(anyway)/float64(vpcs)))
	}
	return nil
}
