package coverage

import (
	_ "embed"
	"regexp"
	"strings"
)

// SessionIDPattern is the shape of a session ID that show and play look up: Session Manager's
// "<role session name or user name>-<hex>" (the characters IAM allows in those names, \w+=,.@-;
// SSM API reference, TerminateSession: SessionId of 1 to 96 characters). It excludes "/" (the ID
// names an S3 key), quotes, spaces and every control character, so a checked ID is a plain literal
// in SQL and in a key; the queries still take it as an execution parameter, never as SQL text.
var SessionIDPattern = regexp.MustCompile(`^[A-Za-z0-9_+=,.@-]{1,96}$`)

// sessionsPlaceholder is the line of session_ledger.sql that stands for SessionsSQL.
const sessionsPlaceholder = "-- sessions.sql"

//go:embed session_ledger.sql
var sessionLedgerWrapper string

// SessionLedgerSQL is SessionsSQL for one session: the ledger events that name the session given
// (its start, resumes and end), each with the session's reason and, for a just-in-time session,
// its access request's ID, requester, reason and approvers (SessionsColumns). Parameters: those of
// SessionsSQL (the first and last arrival day read, the first day of the starts; yyyy/MM/dd), then
// the session ID. It is session_ledger.sql with SessionsSQL in place of its "-- sessions.sql"
// line, so that show and sessions read a session alike; test/search/coverage.test.js builds it the
// same way and runs it.
var SessionLedgerSQL = strings.Replace(sessionLedgerWrapper, sessionsPlaceholder, strings.TrimSpace(SessionsSQL), 1)

// SessionOutputColumns are the columns of SessionOutputSQL.
var SessionOutputColumns = []string{"account", "eventtime", "principal", "node", "runasuser", "awsregion", "sessiondata", "object"}

// SessionOutputSQL lists the forwarded events of one session, one row per event, with its output
// lines as a JSON array (sessiondata), from the partitions of one region (the session's) and the
// days given (first, last; yyyy/MM/dd): parameters region, first day, last day, session ID. The
// forwarded table's partitions are region and day (archivesearch.ForwardedTable); the account is
// the folder below the day (archivesearch.AccountOfPath), returned for the caller to check.
// Athena gives no row position within an object: rows of the same second come in object order
// ("$path"), not line order. test/search/coverage.test.js runs it on forwarded objects.
//
//go:embed session_output.sql
var SessionOutputSQL string
