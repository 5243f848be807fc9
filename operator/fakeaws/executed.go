package fakeaws

import (
	"maps"
	"slices"
)

// ExecutedQuery is one query StartQueryExecution received: its text and its execution parameters
// (the SQL literals, as the caller quoted them).
type ExecutedQuery struct {
	SQL    string
	Params []string
}

// Executed are the queries StartQueryExecution received, in the order it received them.
func (o *Org) Executed() []ExecutedQuery {
	var out []ExecutedQuery
	for _, id := range slices.Sorted(maps.Keys(o.queries)) {
		out = append(out, ExecutedQuery{SQL: o.queries[id].sql, Params: slices.Clone(o.queries[id].params)})
	}
	return out
}
