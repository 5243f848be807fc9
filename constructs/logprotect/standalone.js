// The handler of a function that serves only Custom::LogGroupDeletionProtection (logprotect.New);
// protect.js, appended to it, defines logGroupProtection.
function client() {
  const m = require('@aws-sdk/client-cloudwatch-logs');
  const c = new m.CloudWatchLogsClient({});
  return { call: (op, p) => c.send(new m[op + 'Command'](p)) };
}

async function run(e, logs) {
  if (e.ResourceType !== 'Custom::LogGroupDeletionProtection') throw new Error('this function serves no resource type ' + JSON.stringify(e.ResourceType));
  return logGroupProtection(e, logs);
}

module.exports.run = run;
