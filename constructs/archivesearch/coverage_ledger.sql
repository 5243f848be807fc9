SELECT time, account, region,
       coalesce(json_extract_scalar(detail, '$.eventName'), detail_type) AS event,
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
       json_extract_scalar(detail, '$.errorCode') AS error, id
FROM ledger_events
WHERE day BETWEEN ? AND ?
ORDER BY time, id
