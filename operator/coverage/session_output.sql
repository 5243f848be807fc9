SELECT regexp_extract("$path", '/([0-9]{12})/[^/]+$', 1) AS account, eventtime, useridentity.arn AS principal,
       target.id AS node, runasuser, awsregion, json_format(CAST(sessiondata AS JSON)) AS sessiondata, "$path" AS object
FROM forwarded_events
WHERE region = ? AND day BETWEEN ? AND ? AND sessionid = ?
ORDER BY eventtime, "$path"
