SELECT * FROM (
-- ledger.sql
) AS ledger
WHERE session = ?
ORDER BY time, id
