package fakeaws

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
