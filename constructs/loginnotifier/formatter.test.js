// Tests of the notification formatter with CloudTrail sample events (testdata/events) against the
// expected messages (testdata/messages). Regenerate the expected messages only on purpose:
// UPDATE=1 node --test constructs/loginnotifier/formatter.test.js, then review the diff.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { format, handle } = require('./formatter.js');

const env = { TOPIC_ARN: 'arn:aws:sns:ap-northeast-1:222222222222:session-audit', BUCKET: 'session-audit-logs-222222222222-ap-northeast-1', LOG_GROUP_PREFIX: 'session-manager-log-', S3_PREFIX: 'session-manager/' };
const dir = path.join(__dirname, 'testdata');
const samples = fs.readdirSync(path.join(dir, 'events')).filter((f) => !f.startsWith('other-')).map((f) => f.replace(/\.json$/, ''));
const load = (name) => JSON.parse(fs.readFileSync(path.join(dir, 'events', name + '.json'), 'utf8'));

for (const name of samples) {
  test('message for ' + name, () => {
    const m = format(load(name), env);
    const file = path.join(dir, 'messages', name + '.txt');
    const got = 'Subject: ' + m.subject + '\n\n' + m.text;
    if (process.env.UPDATE) fs.writeFileSync(file, got);
    assert.strictEqual(got, fs.readFileSync(file, 'utf8'));
    for (const bad of ['undefined', 'null', 'NaN', '[object']) assert.ok(!got.includes(bad), `${name} shows ${bad}:\n${got}`);
    for (const line of m.text.trimEnd().split('\n')) assert.match(line, /^[A-Za-z]+: +\S/, `${name}: empty field: ${line}`);
    assert.ok(m.subject.length < 100 && /^[\x20-\x7e]+$/.test(m.subject), 'SNS subject: ASCII, under 100 characters');
    assert.deepStrictEqual(Object.keys(m.chat.content), ['textType', 'title', 'description']);
    assert.strictEqual(m.chat.version, '1.0');
    assert.strictEqual(m.chat.source, 'custom');
  });
}

test('the person is right for every identity type', () => {
  const who = (name) => format(load(name), env).text.match(/^Who: +(.*)$/m)[1];
  assert.strictEqual(who('start-session-iam-user'), 'bob (IAM user)');
  assert.strictEqual(who('start-session-switched-role'), 'carol (assumed role OpsAdmin)');
  assert.strictEqual(who('start-session-identity-center'), 'alice@example.com (IAM Identity Center, permission set role AWSReservedSSO_AdministratorAccess_0123456789abcdef)');
  assert.strictEqual(who('start-session-root'), 'root user of 333333333333');
  assert.strictEqual(who('start-session-federated-user'), 'dave (federated user of IAM user broker)');
  assert.strictEqual(who('console-login-identity-center'), 'alice@example.com (IAM Identity Center, permission set role AWSReservedSSO_AdministratorAccess_0123456789abcdef)');
});

test('session logs are located, failures are not given a log', () => {
  const ok = format(load('start-session-identity-center'), env).text;
  assert.match(ok, /^Log: +CloudWatch Logs session-manager-log-333333333333 \/ alice@example.com-0c1d2e3f4a5b67890$/m);
  assert.match(ok, /^Log: +s3:\/\/session-audit-logs-222222222222-ap-northeast-1\/session-manager\/333333333333\/ap-northeast-1\/alice@example.com-0c1d2e3f4a5b67890\.log$/m);
  const denied = format(load('start-session-denied-switched-role'), env);
  assert.ok(!/^Log:/m.test(denied.text));
  assert.match(denied.subject, /StartSession FAILED/);
  const failedLogin = format(load('console-login-iam-user-failure'), env).text;
  assert.match(failedLogin, /^Result: +Failure$/m);
  assert.match(failedLogin, /^Error: +Failed authentication$/m);
});

test('publishes the text, and the chat format only when there is a chat topic', async () => {
  const sent = [];
  const sns = { publish: async (p) => sent.push(p) };
  await handle(load('start-session-iam-user'), env, sns);
  assert.strictEqual(sent.length, 1);
  assert.strictEqual(sent[0].TopicArn, env.TOPIC_ARN);
  assert.match(sent[0].Message, /^Event: +Session Manager StartSession$/m);
  await handle(load('start-session-iam-user'), { ...env, CHAT_TOPIC_ARN: 'arn:aws:sns:ap-northeast-1:222222222222:chat' }, sns);
  assert.strictEqual(sent.length, 3);
  assert.strictEqual(sent[2].TopicArn, 'arn:aws:sns:ap-northeast-1:222222222222:chat');
  const chat = JSON.parse(sent[2].Message);
  assert.strictEqual(chat.content.textType, 'client-markdown');
  assert.match(chat.content.description, /bob \(IAM user\)/);
});

test('a failed publish fails the invocation (EventBridge retries, then the dead-letter queue)', async () => {
  await assert.rejects(handle(load('start-session-iam-user'), env, { publish: async () => { throw new Error('KMS.AccessDenied'); } }), /KMS.AccessDenied/);
});
