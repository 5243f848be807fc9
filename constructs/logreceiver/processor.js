// Firehose record processor for CloudWatch Logs subscription data (inline Lambda, plain handler).
// Each record is a gzip'd CloudWatch Logs envelope. The processor decompresses it, drops control
// messages, extracts the messages (one line each, verbatim: Session Manager and CloudTrail events
// are JSON) and returns the source account as the partition key "account", so that objects land
// under cloudwatch/<region>/<yyyy>/<MM>/<dd>/<account>/ (archivelayout) and stay readable.
const zlib = require('zlib');

function transform(r) {
  let env;
  try {
    env = JSON.parse(zlib.gunzipSync(Buffer.from(r.data, 'base64')).toString('utf8'));
  } catch (err) {
    return { recordId: r.recordId, result: 'ProcessingFailed', data: r.data };
  }
  if (env.messageType === 'CONTROL_MESSAGE') return { recordId: r.recordId, result: 'Dropped', data: r.data };
  if (env.messageType !== 'DATA_MESSAGE' || !/^\d{12}$/.test(env.owner) || !Array.isArray(env.logEvents)) {
    return { recordId: r.recordId, result: 'ProcessingFailed', data: r.data };
  }
  const lines = env.logEvents.map((e) => String(e.message).replace(/\n+$/, '') + '\n').join('');
  return { recordId: r.recordId, result: 'Ok', data: Buffer.from(lines, 'utf8').toString('base64'), metadata: { partitionKeys: { account: env.owner } } };
}

exports.handler = async (event) => ({ records: event.records.map(transform) });
