package pack

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/sessionaudit/sessionaudit/evidence"
	"github.com/sessionaudit/sessionaudit/operator/coverage"
	"github.com/sessionaudit/sessionaudit/operator/report"
)

// Bar is one bar of a chart, with its geometry in the SVG's user units.
type Bar struct {
	Label string
	Value int
	// Class colours the bar: "ok", "warn", "fail", or "" (neutral).
	Class string
	// The bar's rectangle, and where its value and label are written.
	X, Y, W, H     float64
	VX, VY, LX, LY float64
}

// Chart is one inline SVG bar chart: horizontal bars (one per category), or vertical bars (one
// per day) when Vertical. A bar's length is proportional to its value; the longest is the largest.
type Chart struct {
	ID, Title, Note string
	Vertical        bool
	Width, Height   float64
	Bars            []Bar
}

// TopN is how many people or accounts get a bar of their own; the others share one bar.
const TopN = 20

// Geometry of the charts (SVG user units).
const (
	labelWidth = 190.0 // horizontal: the labels' column
	barSpan    = 340.0 // the longest bar
	rowHeight  = 26.0
	plotHeight = 160.0 // vertical: the tallest bar
)

// archiveKinds name coverage's checks as the chart "What the archive holds" shows them, in order;
// a check not named here gets a bar under its own name.
var archiveKinds = []struct{ check, label, class string }{
	{"coverage.session", "recorded", "ok"},
	{"coverage.transcript", "output, no transcript", "warn"},
	{"coverage.recording", "RDP, recording not found or unknown", "warn"},
	{"coverage.unlogged-way", "ledger entry only", "warn"},
	{"coverage.missing", "nothing in the archive", "fail"},
	{"coverage.forged", "output without a start", "fail"},
}

// validationKinds are the validation's failures in the order the chart shows them.
var validationKinds = []string{evidence.MissingHour, evidence.BadSignature, evidence.UnknownSignerKey, evidence.BrokenChain,
	evidence.MissingObject, evidence.AlteredObject, evidence.UnlistedObject, evidence.ManyVersions}

// Charts are the page's charts of d, in the page's order.
func Charts(d Data) []Chart {
	perDay, people, accounts, ways, notLogged, denied := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	for _, s := range d.Sessions {
		if len(s.Start) >= 10 {
			perDay[s.Start[:10]]++
		}
		people[s.Person]++
		accounts[s.Account]++
		ways[s.Way]++
		if s.Logged == coverage.NotLogged {
			notLogged[s.Way]++
		}
	}
	for _, a := range d.Denied {
		denied[a.Way]++
	}
	var days []Bar
	first, _ := time.Parse("2006-01-02", d.From)
	last, _ := time.Parse("2006-01-02", d.To)
	for t := first; !t.After(last) && len(days) < 400; t = t.AddDate(0, 0, 1) {
		days = append(days, Bar{Label: t.Format("2006-01-02"), Value: perDay[t.Format("2006-01-02")]})
	}
	archive := map[string]int{}
	for _, f := range d.Coverage {
		if f.Check != "coverage.ledger" && (f.Severity != report.Info || f.Check == "coverage.session") {
			archive[f.Check]++
		}
	}
	var held []Bar
	for _, k := range archiveKinds {
		held = append(held, Bar{Label: k.label, Value: archive[k.check], Class: k.class})
		delete(archive, k.check)
	}
	for _, c := range slices.Sorted(maps.Keys(archive)) {
		held = append(held, Bar{Label: c, Value: archive[c], Class: "fail"})
	}
	problems := map[string]int{}
	for _, f := range d.Validation.Findings {
		if f.Severity != report.Info {
			problems[f.Check]++
		}
	}
	var digests []Bar
	for _, k := range validationKinds {
		digests = append(digests, Bar{Label: k, Value: problems[k], Class: "fail"})
		delete(problems, k)
	}
	for _, k := range slices.Sorted(maps.Keys(problems)) {
		digests = append(digests, Bar{Label: k, Value: problems[k], Class: "fail"})
	}
	return []Chart{
		vertical(Chart{ID: "per-day", Title: "Sessions per day", Note: "sessions and connections started each day (UTC)"}, days),
		horizontal(Chart{ID: "per-person", Title: "Sessions per person"}, top(people, "people")),
		horizontal(Chart{ID: "per-account", Title: "Sessions per account"}, top(accounts, "accounts")),
		horizontal(Chart{ID: "by-way", Title: "Sessions by way in"}, byWay(ways, "")),
		horizontal(Chart{ID: "not-logged", Title: "NOT LOGGED sessions by way in", Note: "Session Manager logs nothing of them: the ledger entry is their only record"}, byWay(notLogged, "warn")),
		horizontal(Chart{ID: "denied", Title: "Denied attempts by way in", Note: "starts AWS refused: nothing started"}, byWay(denied, "fail")),
		horizontal(Chart{ID: "archive", Title: "What the archive holds", Note: "per session started in the period (sessionaudit coverage), and output without a start"}, held),
		horizontal(Chart{ID: "digests", Title: "Digest validation problems", Note: "by kind, for the hours " + d.Validation.From + " to " + d.Validation.To}, digests),
	}
}

// byWay is one bar per way in, in coverage.Ways' order, then any other way seen.
func byWay(counts map[string]int, class string) []Bar {
	var bars []Bar
	for _, w := range coverage.Ways {
		bars = append(bars, Bar{Label: w, Value: counts[w], Class: class})
	}
	for _, w := range slices.Sorted(maps.Keys(counts)) {
		if !slices.Contains(coverage.Ways, w) {
			bars = append(bars, Bar{Label: w, Value: counts[w], Class: class})
		}
	}
	return bars
}

// top is a bar per key, the largest first (ties by name), at most TopN; the rest share one bar.
func top(counts map[string]int, what string) []Bar {
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	var bars []Bar
	for i, k := range keys {
		if i == TopN {
			rest := 0
			for _, r := range keys[TopN:] {
				rest += counts[r]
			}
			bars = append(bars, Bar{Label: fmt.Sprintf("%d other %s", len(keys)-TopN, what), Value: rest, Class: "other"})
			break
		}
		bars = append(bars, Bar{Label: k, Value: counts[k]})
	}
	return bars
}

func largest(bars []Bar) int {
	m := 0
	for _, b := range bars {
		m = max(m, b.Value)
	}
	return m
}

// horizontal lays bars out one a row: label, bar, value.
func horizontal(c Chart, bars []Bar) Chart {
	scale := 0.0
	if m := largest(bars); m > 0 {
		scale = barSpan / float64(m)
	}
	for i := range bars {
		b := &bars[i]
		y := float64(i) * rowHeight
		b.X, b.Y, b.W, b.H = labelWidth, y+5, float64(b.Value)*scale, rowHeight-10
		b.LX, b.LY = labelWidth-8, y+rowHeight/2+4
		b.VX, b.VY = labelWidth+b.W+6, b.LY
	}
	c.Bars, c.Width, c.Height = bars, labelWidth+barSpan+70, max(float64(len(bars))*rowHeight, rowHeight)
	return c
}

// vertical lays bars out one a column: value above, label below (turned).
func vertical(c Chart, bars []Bar) Chart {
	slot := 26.0
	if len(bars) > 31 {
		slot = 16
	}
	scale := 0.0
	if m := largest(bars); m > 0 {
		scale = plotHeight / float64(m)
	}
	top := 18.0
	for i := range bars {
		b := &bars[i]
		x := 24 + float64(i)*slot
		b.H = float64(b.Value) * scale
		b.X, b.Y, b.W = x+2, top+plotHeight-b.H, slot-4
		b.VX, b.VY = x+slot/2, b.Y-4
		b.LX, b.LY = x+slot/2, top+plotHeight+8
	}
	c.Vertical = true
	c.Bars, c.Width, c.Height = bars, 32+float64(len(bars))*slot, top+plotHeight+80
	return c
}
