package cost

import (
	"fmt"
	"sort"
	"strings"
)

// Line is one priced item: a resource that bills while idle, or one step of a data path.
type Line struct {
	// Where is the stack (fixed cost) or the path (variable cost).
	Where string
	// Region is where it bills ("" for the prices file's own region).
	Region string
	// Fallback are the items of Each that have no price of Region in the prices file: priced at
	// the prices file's own region instead.
	Fallback []string
	// What is the logical ID and type, or the item billed.
	What string
	// Count is how many (deployed resources, requests, GB, objects).
	Count float64
	// Unit is the unit of Count and Each.
	Unit string
	// Each is the price of one unit.
	Each float64
	// USD is Count × Each.
	USD float64
}

// Total adds the lines up.
func Total(lines []Line) float64 {
	t := 0.0
	for _, l := range lines {
		t += l.USD
	}
	return t
}

// Fixed is what bills every month whatever happens, at steady state (keys rotated twice), for
// an organization of s.Accounts accounts in s.Regions governed regions. Every resource type in
// the templates must be priced (Prices.Idle) or known to bill only by use (Prices.UsageOnly): a
// new resource type cannot slip in unpriced.
func Fixed(a *App, p *Prices, s Scale) ([]Line, error) {
	var lines []Line
	var problems []string
	for _, name := range sortedKeys(a.Templates) {
		t := a.Templates[name]
		for _, id := range sortedKeys(t.Resources) {
			r := t.Resources[id]
			idle, billed := p.Idle[r.Type]
			if _, free := p.UsageOnly[r.Type]; !billed && !free {
				problems = append(problems, fmt.Sprintf("%s/%s: resource type %s has no entry in prices idle or usageOnly", name, id, r.Type))
				continue
			}
			if !billed {
				continue
			}
			shares, err := a.instances(name, id, r, s)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			for _, sh := range shares {
				at := p.in(sh.region)
				each := at.usd(idle.Price)
				unit := at.unit(idle.Price)
				if idle.Rotation && (r.Type != "AWS::KMS::Key" || r.Properties["EnableKeyRotation"] == true) {
					each += 2 * at.usd("kms.rotation")
					unit += ", rotated twice"
				}
				lines = append(lines, Line{Where: name, Region: sh.region, Fallback: at.fallback, What: id + " (" + r.Type + ")", Count: sh.n, Unit: unit, Each: each, USD: sh.n * each})
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("cannot price the templates:\n  %s", strings.Join(problems, "\n  "))
	}
	return lines, nil
}

// sortedKeys returns the keys of m in order (templates and resources print the same every time).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
