package cost

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Report prints the model in Markdown: the fixed monthly cost for every organization size of
// accounts × regions, what bills while idle at detail, the cost per GiB through every path next to
// the seed design, the cost per session and the archive break-even size.
func Report(w io.Writer, a *App, p *Prices, detail Scale, accounts, regions []int) error {
	plan, err := ReadPlan(a)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "# sessionaudit cost model\n\nTemplates: governed regions %s (home %s); prices: %s list prices checked %s (cost/prices.json names the source of each).\n\n",
		strings.Join(a.Regions, ", "), a.Home, p.Region, p.Checked)

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
	fmt.Fprintf(w, "\n## What bills while idle at %d accounts × %d regions\n\n| stack | resource | deployed | each | monthly |\n|---|---|---:|---:|---:|\n", detail.Accounts, detail.Regions)
	for _, l := range grouped(lines) {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n", l.Where, l.What, num(l.Count), usd(l.Each), usd(l.USD))
	}
	fmt.Fprintf(w, "| **total** | | | | **%s** |\n", usd(Total(lines)))

	ours, err := PerGiB(p, plan, detail.Regions)
	if err != nil {
		return err
	}
	seed := Seed(p, plan)
	fmt.Fprintf(w, "\n## Per GiB of session transcript (%d regions; objects kept %v days, archived after %v days to %s above %v bytes)\n\n", detail.Regions, plan.RetentionDays, plan.ArchiveAfterDays, orNone(plan.ArchiveClass), plan.ArchiveMinBytes)
	table(w, ours)
	fmt.Fprintf(w, "\nSeed design (CloudWatch Logs → Firehose → S3 Standard, no Lambda, one copy), same retention:\n\n")
	table(w, seed)
	fmt.Fprintf(w, "\nRatio sessionaudit / seed: **%.2f** (target ≤ 1.5)\n", Total(ours)/Total(seed))

	fmt.Fprintf(w, "\n## Per session, whatever its size\n\n")
	table(w, PerSession(p, plan))
	fmt.Fprintf(w, "\nArchive break-even: objects of at least %v KB cost less in %s than in S3 Standard over %v days; the bucket archives objects above %v bytes.\n\n", BreakEvenKB(p, plan), orNone(plan.ArchiveClass), plan.RetentionDays, plan.ArchiveMinBytes)
	var assumptions []string
	for id, as := range p.Assumptions {
		assumptions = append(assumptions, fmt.Sprintf("- %s = %v: %s", id, as.Value, as.Why))
	}
	sort.Strings(assumptions)
	fmt.Fprintf(w, "Assumptions (cost/prices.json):\n%s\n", strings.Join(assumptions, "\n"))
	return nil
}

// grouped adds up the lines of one stack and resource type (the per-region resources of a stack).
func grouped(lines []Line) []Line {
	var out []Line
	index := map[string]int{}
	for _, l := range lines {
		typ := l.What[strings.LastIndex(l.What, "(")+1 : len(l.What)-1]
		key := l.Where + "|" + typ + "|" + fmt.Sprint(l.Each)
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
	fmt.Fprintf(w, "| path | item | quantity | each | USD |\n|---|---|---:|---:|---:|\n")
	for _, l := range lines {
		fmt.Fprintf(w, "| %s | %s | %s %s | %s | %s |\n", l.Where, l.What, num(l.Count), l.Unit, usd(l.Each), usd(l.USD))
	}
	fmt.Fprintf(w, "| **total** | | | | **%s** |\n", usd(Total(lines)))
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

func orNone(s string) string {
	if s == "" {
		return "(no archive rule)"
	}
	return s
}

// EndpointReport prints what the VPC endpoints of private subnets cost the organization (Endpoints).
func EndpointReport(w io.Writer, p *Prices, s EndpointScale) error {
	fmt.Fprintf(w, "\n## VPC endpoints for private subnets (the teams' VPCs; not deployed by sessionaudit)\n\n%d accounts × %d regions × %d VPCs, interface endpoints in %d Availability Zones (docs/private-networks.md); data processed adds %s a GB.\n\n",
		s.Accounts, s.Regions, s.VPCs, s.AZs, usd(p.usd("vpc.interfaceEndpointGB")))
	lines := Endpoints(p, s)
	table(w, lines)
	if s.VPCs > 0 {
		fmt.Fprintf(w, "\nPer VPC: %s a month. VPCs that already have these endpoints (for Systems Manager, say) pay nothing more.\n", usd(Total(lines)/float64(s.Accounts*s.Regions*s.VPCs)))
	}
	return nil
}
