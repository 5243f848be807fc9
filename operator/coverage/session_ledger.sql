SELECT * FROM (
-- sessions.sql
) AS ledger
WHERE session = ?
ORDER BY time, id
