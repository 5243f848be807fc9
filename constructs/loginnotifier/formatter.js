// Formats Session Manager (StartSession, ResumeSession, TerminateSession) and console sign-in
// (ConsoleLogin) CloudTrail events into one readable message and publishes it to the topic (and, in
// the custom notification format of AWS chat integrations, to the chat topic if there is one).
// Input transformers cannot do this: an assumed role's session name (the person behind an IAM
// Identity Center session) exists only as the last part of the principal ARN.
// Env: TOPIC_ARN, CHAT_TOPIC_ARN (optional), BUCKET, LOG_GROUP_PREFIX, S3_PREFIX.
const last = (s) => String(s || '').split('/').pop();
const person = (u) => ({ IAMUser: u.userName, Root: 'root', AssumedRole: last(u.arn), FederatedUser: last(u.arn) })[u.type] || u.invokedBy || u.type || 'unknown';

function who(u) {
  const c = u.sessionContext || {};
  const issuer = (c.sessionIssuer || {}).userName;
  switch (u.type) {
    case 'IAMUser': return u.userName + ' (IAM user)';
    case 'Root': return 'root user of ' + u.accountId;
    case 'AssumedRole': return last(u.arn) + ' (' + (/^AWSReservedSSO_/.test(issuer || '') ? 'IAM Identity Center, permission set role ' : 'assumed role ') + issuer + ')';
    case 'FederatedUser': return last(u.arn) + ' (federated user of IAM user ' + issuer + ')';
    default: return u.invokedBy || u.principalId || u.type || 'unknown';
  }
}

function format(e, env) {
  const d = e.detail || {};
  const u = d.userIdentity || {};
  const req = d.requestParameters || {};
  const res = d.responseElements || {};
  const account = d.recipientAccountId || e.account;
  const region = d.awsRegion || e.region;
  const session = res.sessionId || req.sessionId;
  const signIn = d.eventName === 'ConsoleLogin';
  const failed = d.errorCode || d.errorMessage || res.ConsoleLogin === 'Failure';
  const lines = [
    ['Event', (signIn ? 'Console sign-in' : 'Session Manager ' + d.eventName) + (failed ? ' FAILED' : '')],
    ['When', d.eventTime],
    ['Account', account + ' (' + region + ')'],
    ['Who', who(u)],
    ['Principal', u.arn],
    ['From', d.sourceIPAddress],
    ['Client', d.userAgent],
    ['Target', req.target],
    ['Session', session],
    ['MFA', signIn ? (d.additionalEventData || {}).MFAUsed : undefined],
    ['Result', signIn ? res.ConsoleLogin : undefined],
    ['Error', [d.errorCode, d.errorMessage].filter(Boolean).join(': ')],
  ];
  if (session && !signIn && !failed) {
    lines.push(['Log', 'CloudWatch Logs ' + env.LOG_GROUP_PREFIX + account + ' / ' + session]);
    lines.push(['Log', 's3://' + env.BUCKET + '/' + env.S3_PREFIX + account + '/' + region + '/' + session + '.log']);
  }
  const text = lines.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => (k + ':').padEnd(11) + v).join('\n') + '\n';
  const subject = ('[sessionaudit] ' + (signIn ? 'ConsoleLogin' : d.eventName) + (failed ? ' FAILED' : '') + ' by ' + person(u) + ' in ' + account).replace(/[^\x20-\x7e]/g, '?').slice(0, 99);
  const chat = { version: '1.0', source: 'custom', content: { textType: 'client-markdown', title: subject, description: '```\n' + text + '```' } };
  return { subject, text, chat };
}

function client() {
  const { SNSClient, PublishCommand } = require('@aws-sdk/client-sns');
  const c = new SNSClient({});
  return { publish: (p) => c.send(new PublishCommand(p)) };
}

async function handle(e, env, sns) {
  const m = format(e, env);
  await sns.publish({ TopicArn: env.TOPIC_ARN, Subject: m.subject, Message: m.text });
  if (env.CHAT_TOPIC_ARN) await sns.publish({ TopicArn: env.CHAT_TOPIC_ARN, Message: JSON.stringify(m.chat) });
  return m;
}

exports.handler = (e) => handle(e, process.env, client());
exports.format = format;
exports.handle = handle;
