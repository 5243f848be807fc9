SELECT regexp_extract("$path", '/([0-9]{12})/[^/]+$', 1) AS account, region, sessionid,
       count(*) AS events, min(eventtime) AS first_event, max(eventtime) AS last_event
FROM forwarded_events
WHERE day BETWEEN ? AND ? AND sessionid IS NOT NULL
GROUP BY 1, 2, 3
ORDER BY first_event, sessionid
