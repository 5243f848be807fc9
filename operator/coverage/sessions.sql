WITH events AS (
  SELECT time, account, region, id, day, detail, detail_type,
         coalesce(json_extract_scalar(detail, '$.eventName'), detail_type) AS event,
         json_extract_scalar(detail, '$.errorCode') AS error
  FROM ledger_events
  WHERE day BETWEEN ? AND ?
),
starts AS (
  SELECT time, account, region, event,
         coalesce(json_extract_scalar(detail, '$.responseElements.sessionId'),
                  json_extract_scalar(detail, '$.requestParameters.sessionId'),
                  json_extract_scalar(detail, '$.responseElements.ConnectionArn'),
                  json_extract_scalar(detail, '$.responseElements.command.commandId'),
                  id) AS session,
         json_extract_scalar(detail, '$.userIdentity.arn') AS principal,
         coalesce(json_extract_scalar(detail, '$.requestParameters.target'),
                  json_extract_scalar(detail, '$.requestParameters.InstanceId'),
                  json_extract_scalar(detail, '$.requestParameters.instanceId'),
                  json_extract_scalar(detail, '$.requestParameters.cluster')) AS target,
         json_extract_scalar(detail, '$.requestParameters.documentName') AS document,
         error, id,
         json_extract_scalar(detail, '$.requestParameters.reason') AS reason
  FROM events
  WHERE day >= ?
),
requests AS (
  SELECT time, account, region, detail,
         json_extract_scalar(detail, '$.responseElements.accessRequestId') AS request,
         json_extract_scalar(detail, '$.userIdentity.arn') AS requester,
         json_extract_scalar(detail, '$.requestParameters.reason') AS reason
  FROM events
  WHERE event = 'StartAccessRequest' AND error IS NULL
),
matched AS (
  SELECT s.id, q.request, q.requester, q.reason,
         row_number() OVER (PARTITION BY s.id ORDER BY q.time DESC) AS n
  FROM starts s
  JOIN requests q
    ON s.principal LIKE '%:assumed-role/SSM-JustInTimeAccessTokenRole/%'
   AND q.account = s.account AND q.region = s.region AND q.time <= s.time
   AND strpos(q.detail, '"' || s.target || '"') > 0
),
approvers AS (
  SELECT json_extract_scalar(x.detail, '$.OpsItemId') AS request,
         array_join(array_sort(array_agg(DISTINCT json_extract_scalar(a.detail, '$.userIdentity.arn'))), ' ') AS approver
  FROM events x
  JOIN events a
    ON a.event = 'SendAutomationSignal' AND a.error IS NULL
   AND json_extract_scalar(a.detail, '$.requestParameters.signalType') = 'Approve'
   AND json_extract_scalar(a.detail, '$.requestParameters.automationExecutionId') = json_extract_scalar(x.detail, '$.ExecutionId')
  WHERE x.detail_type = 'Requester Access Request Status Update'
  GROUP BY 1
)
SELECT s.time, s.account, s.region, s.event, s.session, s.principal, s.target, s.document, s.error, s.id,
       s.reason, m.request, m.requester, m.reason AS request_reason, p.approver
FROM starts s
LEFT JOIN matched m ON m.id = s.id AND m.n = 1
LEFT JOIN approvers p ON p.request = m.request
ORDER BY s.time, s.id
