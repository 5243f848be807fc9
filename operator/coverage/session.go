package coverage

import (
	"regexp"
	"strings"

	"github.com/sessionaudit/sessionaudit/constructs/archivesearch"
)

// SessionIDPattern is the shape of a session ID that show and play look up: Session Manager's
// "<role session name or user name>-<hex>" (the characters IAM allows in those names, \w+=,.@-;
// SSM API reference, TerminateSession: SessionId of 1 to 96 characters). It excludes "/" (the ID
// names an S3 key), quotes, spaces and every control character, so a checked ID is a plain literal
// in SQL and in a key; the queries still take it as an execution parameter, never as SQL text.
var SessionIDPattern = regexp.MustCompile(`^[A-Za-z0-9_+=,.@-]{1,96}$`)

// SessionLedgerSQL is LedgerSQL for one session: the ledger events of the arrival days given
// (first, last; yyyy/MM/dd) that name the session given (its start, resumes and end). It wraps
// LedgerSQL so that the two cannot drift.
var SessionLedgerSQL = "SELECT * FROM (\n" + strings.TrimSpace(LedgerSQL) + "\n) AS ledger\nWHERE session = ?\nORDER BY time, id\n"

// SessionOutputColumns are the columns of SessionOutputSQL.
var SessionOutputColumns = []string{"account", "eventtime", "principal", "node", "runasuser", "awsregion", "sessiondata", "object"}

// SessionOutputSQL lists the forwarded events of one session, one row per event, with its output
// lines as a JSON array (sessiondata), from the partitions of one region (the session's) and the
// days given (first, last; yyyy/MM/dd): parameters region, first day, last day, session ID. The
// forwarded table's partitions are region and day (archivesearch.ForwardedTable); the account is
// the folder below the day (archivesearch.AccountOfPath), returned for the caller to check.
// Athena gives no row position within an object: rows of the same second come in object order
// ("$path"), not line order.
var SessionOutputSQL = `SELECT ` + archivesearch.AccountOfPath + ` AS account, eventtime, useridentity.arn AS principal,
       target.id AS node, runasuser, awsregion, json_format(CAST(sessiondata AS JSON)) AS sessiondata, "$path" AS object
FROM ` + archivesearch.ForwardedTable + `
WHERE region = ? AND day BETWEEN ? AND ? AND sessionid = ?
ORDER BY eventtime, "$path"
`
