package fakeaws

import "slices"

// Canned is the answer of one query the fake does not run itself: a test registers it in
// Org.Canned under the query's exact text, with the rows a real table would give. The fake never
// parses the SQL (test/search runs the SQL on real data shapes with DuckDB); it only answers
// StartQueryExecution, GetQueryExecution and GetQueryResults in the Athena API's shapes: the header
// row first, every value a VarCharValue, pages of MaxResults (at most 1000) with NextToken.
type Canned struct {
	// Columns name the result's columns (the header row).
	Columns []string
	// Rows are the values, in Columns' order.
	Rows [][]string
	// Scanned is the query's QueryExecution.Statistics.DataScannedInBytes once it succeeded.
	Scanned int64
}

// QueryParams are the ExecutionParameters of each query started with the text sql, in the order
// they were started: what a test checks the command asked for (the fake itself ignores them).
func (o *Org) QueryParams(sql string) [][]string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var ids []string
	for id, q := range o.queries {
		if q.sql == sql {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var out [][]string
	for _, id := range ids {
		out = append(out, o.queries[id].params)
	}
	return out
}
