package coverage

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"

	"github.com/sessionaudit/sessionaudit/constructs/archivelayout"
)

// ledgerLine is one line of the ledger: its record (nil: not a JSON object), its day partition
// and LedgerSQL's row of it.
type ledgerLine struct {
	m   map[string]any
	day string
	row Row
}

// ledgerLines reads the ledger's day partitions days, in day and key order.
func (d Dir) ledgerLines(days []string) ([]ledgerLine, error) {
	var out []ledgerLine
	for _, day := range days {
		err := d.lines(archivelayout.LedgerPrefix+day+"/", func(_ string, line []byte) {
			m := record(line, false)
			out = append(out, ledgerLine{m: m, day: day, row: ledgerRow(m)})
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ledger is LedgerSQL over the ledger's day partitions days.
func (d Dir) ledger(days []string) ([]Row, error) {
	lines, err := d.ledgerLines(days)
	if err != nil {
		return nil, err
	}
	rows := make([]Row, 0, len(lines))
	for _, l := range lines {
		rows = append(rows, l.row)
	}
	sortByTimeID(rows)
	return rows, nil
}

// sortByTimeID is ORDER BY time, id: NULLs last (Athena's and DuckDB's default for ascending
// order); rows equal on both keep their order.
func sortByTimeID(rows []Row) {
	slices.SortStableFunc(rows, func(a, b Row) int {
		return cmp.Or(nullsLast(a, b, "time"), nullsLast(a, b, "id"))
	})
}

// ledgerRow is LedgerSQL's select list of one ledger line (m nil: a malformed line, all NULL).
func ledgerRow(m map[string]any) Row {
	r := Row{}
	// coalesce: the first non-NULL.
	first := func(name string, values ...func() (string, bool)) {
		for _, f := range values {
			if v, ok := f(); ok {
				r[name] = v
				return
			}
		}
	}
	if m == nil {
		return r
	}
	detail := m["detail"]
	at := func(path ...string) func() (string, bool) {
		return func() (string, bool) { return scalar(detail, path...) }
	}
	col := func(key string) func() (string, bool) { return func() (string, bool) { return column(m[key]) } }
	first("time", col("time"))
	first("account", col("account"))
	first("region", col("region"))
	first("event", at("eventName"), col("detail-type"))
	first("session", at("responseElements", "sessionId"), at("requestParameters", "sessionId"),
		at("responseElements", "ConnectionArn"), at("responseElements", "command", "commandId"), col("id"))
	first("principal", at("userIdentity", "arn"))
	first("target", at("requestParameters", "target"), at("requestParameters", "InstanceId"),
		at("requestParameters", "instanceId"), at("requestParameters", "cluster"))
	first("document", at("requestParameters", "documentName"))
	first("error", at("errorCode"))
	first("id", col("id"))
	return r
}

// nullsLast compares a and b's column c, NULL (absent) after every value.
func nullsLast(a, b Row, c string) int {
	x, okx := a[c]
	y, oky := b[c]
	switch {
	case okx && oky:
		return cmp.Compare(x, y)
	case okx:
		return -1
	case oky:
		return 1
	}
	return 0
}

// accountOfPath is ForwardedSQL's regexp_extract("$path", '/([0-9]{12})/[^/]+$', 1).
var accountOfPath = regexp.MustCompile(`/([0-9]{12})/[^/]+$`)

// forwarded is ForwardedSQL over the forwarded output's partitions of the governed regions and
// days.
func (d Dir) forwarded(days []string) ([]Row, error) {
	type group struct {
		row         Row
		events      int
		first, last string
		times       bool
	}
	var order []string
	groups := map[string]*group{}
	for _, region := range d.regions() {
		for _, day := range days {
			err := d.lines(archivelayout.ForwardedPrefix+region+"/"+day+"/", func(key string, line []byte) {
				m := record(line, true)
				session, ok := column(m["sessionid"])
				if m == nil || !ok {
					return // WHERE sessionid IS NOT NULL
				}
				r := Row{"region": region, "sessionid": session}
				k := "\x00" + region + "\x00" + session
				if a := accountOfPath.FindStringSubmatch("/" + key); a != nil {
					r["account"], k = a[1], a[1]+k // no match: NULL, a group of its own
				}
				g := groups[k]
				if g == nil {
					g = &group{row: r}
					groups[k] = g
					order = append(order, k)
				}
				g.events++
				if t, ok := column(m["eventtime"]); ok {
					if !g.times || t < g.first {
						g.first = t
					}
					if !g.times || t > g.last {
						g.last = t
					}
					g.times = true
				}
			})
			if err != nil {
				return nil, err
			}
		}
	}
	rows := make([]Row, 0, len(order))
	for _, k := range order {
		g := groups[k]
		g.row["events"] = strconv.Itoa(g.events)
		if g.times {
			g.row["first_event"], g.row["last_event"] = g.first, g.last
		}
		rows = append(rows, g.row)
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		return cmp.Or(nullsLast(a, b, "first_event"), nullsLast(a, b, "sessionid"))
	})
	return rows, nil
}

// grep is GrepSQL: the sessions of the governed regions' forwarded output of days with a line of
// sessionData that expr matches (Go's RE2: CheckGrep refuses what Athena's Java patterns read
// otherwise), each once, in the order found.
func (d Dir) grep(days []string, expr string) ([]Row, error) {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil, fmt.Errorf("offline query: -grep: %v", err)
	}
	seen := map[string]bool{}
	var rows []Row
	for _, region := range d.regions() {
		for _, day := range days {
			err := d.lines(archivelayout.ForwardedPrefix+region+"/"+day+"/", func(_ string, line []byte) {
				m := record(line, true)
				session, ok := column(m["sessionid"])
				list, _ := m["sessiondata"].([]any)
				if m == nil || !ok || seen[session] {
					return
				}
				for _, l := range list {
					if s, ok := column(l); ok && re.MatchString(s) {
						seen[session] = true
						rows = append(rows, Row{"sessionid": session})
						return
					}
				}
			})
			if err != nil {
				return nil, err
			}
		}
	}
	return rows, nil
}

// regions are the governed regions, each once.
func (d Dir) regions() []string {
	var out []string
	for _, r := range d.Regions {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// query answers one of Run's queries: from the copy with Input.Offline, else from Athena.
func (in Input) query(ctx context.Context, sql string, params, columns []string) ([]Row, error) {
	if in.Offline != nil {
		return in.Offline.Rows(ctx, sql, params)
	}
	return Query(ctx, in.Athena, in.Config.LogArchiveAccountID, sql, params, columns, in.Poll, in.Timeout)
}
