SELECT DISTINCT sessionid
FROM forwarded_events
CROSS JOIN UNNEST(sessiondata) AS t(line)
WHERE day BETWEEN ? AND ? AND sessionid IS NOT NULL AND regexp_like(line, ?)
