package archivesearch

// Query is a saved query. Its "?" are execution parameters: the Athena console asks for them, the
// API takes them as ExecutionParameters (Athena user guide, "Use parameterized queries").
type Query struct {
	// ID is the query's construct ID suffix (stable).
	ID string
	// Name as shown in the Athena console.
	Name string
	// Description says what it answers and which parameters it takes.
	Description string
	// SQL in Athena engine version 3 (Trino) syntax.
	SQL string
}

// AccountOfPath is the account of a forwarded object: the folder below the day
// (archivelayout.FirehosePrefix).
const AccountOfPath = `regexp_extract("$path", '/([0-9]{12})/[^/]+$', 1)`

// IDs of the saved queries (Query.ID).
const (
	SessionsByPersonID         = "SessionsByPerson"
	CommandsMatchingID         = "CommandsMatching"
	SessionsOnInstanceID       = "SessionsOnInstance"
	SessionsPerAccountPerDayID = "SessionsPerAccountPerDay"
	WaysInID                   = "WaysIn"
)

// QueryByID is the saved query with id (a *ID constant); ok is false for an unknown id.
func QueryByID(id string) (q Query, ok bool) {
	for _, q := range Queries {
		if q.ID == id {
			return q, true
		}
	}
	return Query{}, false
}

// Queries are the auditor's questions.
var Queries = []Query{
	{
		ID: SessionsByPersonID, Name: "sessionaudit: sessions of one person",
		Description: "Sessions whose principal ends with the person's name (an IAM Identity Center user name, a role session name or an IAM user), between two days (yyyy/MM/dd), across the organization. Parameters: first day, last day, principal suffix such as '%/alice@example.com'.",
		SQL: `SELECT ` + AccountOfPath + ` AS account, region, sessionid, target.id AS instance, useridentity.arn AS principal,
       min(eventtime) AS first_event, max(eventtime) AS last_event, count(*) AS events
FROM forwarded_events
WHERE day BETWEEN ? AND ? AND sessionid IS NOT NULL AND useridentity.arn LIKE ?
GROUP BY 1, 2, 3, 4, 5
ORDER BY first_event`,
	},
	{
		ID: CommandsMatchingID, Name: "sessionaudit: output lines matching a pattern",
		Description: "Every line of session output (commands and what they printed) matching a regular expression, between two days (yyyy/MM/dd), across the organization, with who and where. Parameters: first day, last day, regular expression such as 'sudo .*passwd'.",
		SQL: `SELECT ` + AccountOfPath + ` AS account, region, eventtime, sessionid, useridentity.arn AS principal,
       target.id AS instance, line
FROM forwarded_events CROSS JOIN UNNEST(sessiondata) AS t (line)
WHERE day BETWEEN ? AND ? AND sessionid IS NOT NULL AND regexp_like(line, ?)
ORDER BY eventtime`,
	},
	{
		ID: SessionsOnInstanceID, Name: "sessionaudit: sessions on one instance",
		Description: "Every session on one node between two days (yyyy/MM/dd), with who and when. Parameters: first day, last day, instance ID such as 'i-0123456789abcdef0'.",
		SQL: `SELECT ` + AccountOfPath + ` AS account, region, sessionid, useridentity.arn AS principal, runasuser,
       min(eventtime) AS first_event, max(eventtime) AS last_event
FROM forwarded_events
WHERE day BETWEEN ? AND ? AND target.id = ?
GROUP BY 1, 2, 3, 4, 5
ORDER BY first_event`,
	},
	{
		ID: SessionsPerAccountPerDayID, Name: "sessionaudit: sessions per account per day",
		Description: "How many sessions (and people) each account had each day between two days (yyyy/MM/dd). Parameters: first day, last day.",
		SQL: `SELECT day, ` + AccountOfPath + ` AS account, count(DISTINCT sessionid) AS sessions,
       count(DISTINCT useridentity.arn) AS principals
FROM forwarded_events
WHERE day BETWEEN ? AND ? AND sessionid IS NOT NULL
GROUP BY 1, 2
ORDER BY 1, 2`,
	},
	{
		ID: WaysInID, Name: "sessionaudit: ways in for a period",
		Description: "Every access event of the ledger between two days (yyyy/MM/dd, the day it arrived): sessions, Remote Desktop connections, just-in-time requests and decisions, the other ways into a node, console sign-ins, denied attempts included, with who, where and the error if any. Parameters: first day, last day.",
		SQL: `SELECT time, account, region, source, detail_type,
       coalesce(json_extract_scalar(detail, '$.eventName'), detail_type) AS event,
       json_extract_scalar(detail, '$.userIdentity.arn') AS principal,
       json_extract_scalar(detail, '$.errorCode') AS error, id
FROM ledger_events
WHERE day BETWEEN ? AND ?
ORDER BY time, id`,
	},
}
