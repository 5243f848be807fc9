package archivesearch

import _ "embed"

// CoverageLedgerSQL lists every ledger event of the arrival days given (first, last; yyyy/MM/dd),
// with the session it names. `sessionaudit coverage` (operator/coverage, as LedgerSQL) and the
// daily coverage check (constructs/coveragecheck) run this one text; test/search/coverage.test.js
// runs it on objects laid out as the ledger writes them.
//
//go:embed coverage_ledger.sql
var CoverageLedgerSQL string

// CoverageForwardedSQL lists each session's forwarded output (lines, first and last event) of the
// days given; run by the same two as CoverageLedgerSQL, and by test/search/coverage.test.js on
// forwarded objects.
//
//go:embed coverage_forwarded.sql
var CoverageForwardedSQL string
