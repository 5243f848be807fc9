// Tests of the notification formatter with CloudTrail sample events (testdata/events) against the
// expected messages (testdata/messages). Regenerate the expected messages only on purpose:
// UPDATE=1 node --test constructs/loginnotifier/formatter.test.js, then review the diff.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { format, handle } = require('../inlinefn/shipped.js')(require.resolve('./formatter.js'));

const env = {
  TOPIC_ARN: 'arn:aws:sns:ap-northeast-1:222222222222:session-audit', BUCKET: 'session-audit-logs-222222222222-ap-northeast-1',
  LOG_GROUP_PREFIX: 'session-manager-log-', S3_PREFIX: 'session-manager/',
  LOGGED_DOCUMENTS: 'SSM-SessionManagerRunShell', FLEET_MANAGER: 'ssm-guiconnect.amazonaws.com', GOVERNED_REGIONS: 'ap-northeast-1,us-east-1',
  RECORDING_BUCKET: 'session-audit-logs-222222222222-ap-northeast-1',
};
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
    assert.ok(m.chat.metadata.summary && !m.chat.metadata.summary.startsWith('['), 'a short summary');
    assert.ok(name.startsWith('console-login') || name.includes('-denied-') || m.chat.metadata.threadId, name + ': every session, connection and request has a thread');
  });
}

// Start, resume and end of one session share one chat thread, and so do start and end of one RDP
// connection and a request with its settled status; different sessions do not.
test('chat threads', () => {
  const thread = (name) => format(load(name), env).chat.metadata.threadId;
  for (const who of ['iam-user', 'switched-role', 'identity-center', 'root', 'federated-user']) {
    const start = thread('start-session-' + who);
    assert.strictEqual(thread('resume-session-' + who), start, who);
    assert.strictEqual(thread('terminate-session-' + who), start, who);
  }
  assert.notStrictEqual(thread('start-session-iam-user'), thread('start-session-switched-role'));
  assert.strictEqual(thread('start-connection-identity-center'), 'fcb810cd-241f-4aae-9ee4-02d5900e1a2b');
  assert.strictEqual(thread('cancel-connection-identity-center'), thread('start-connection-identity-center'));
  assert.strictEqual(thread('access-request-status-approved'), thread('start-access-request-identity-center'));
  assert.strictEqual(thread('send-automation-signal-approve-switched-role'), '0aa5a695-4685-449f-90cc-49d24139dbe9');
  assert.strictEqual(format(load('console-login-iam-user-success'), env).chat.metadata.threadId, undefined);
});

test('sessions Session Manager does not log are NOT LOGGED, with what they forward', () => {
  const m = format(load('start-session-port-forwarding-remote-host-identity-center'), env);
  assert.match(m.subject, /^\[sessionaudit\] NOT LOGGED StartSession by alice@example.com in 333333333333$/);
  assert.match(m.text, /^Event: +Session Manager StartSession NOT LOGGED$/m);
  assert.match(m.text, /^Document: +AWS-StartPortForwardingSessionToRemoteHost$/m);
  assert.match(m.text, /^Forwards: +db.cluster-abc.ap-northeast-1.rds.amazonaws.com:5432 \(local port 15432\)$/m);
  assert.match(m.text, /^Reason: +Migrate the orders table$/m);
  assert.match(m.text, /^Log: +NONE: Session Manager does not log port forwarding sessions$/m);
  assert.ok(!/s3:\/\//.test(m.text), 'no transcript is promised');
  assert.match(format(load('start-session-ssh-switched-role'), env).text, /^Log: +NONE: Session Manager does not log SSH sessions$/m);
  assert.match(format(load('start-session-port-forwarding-iam-user'), env).text, /^Forwards: +the node:8080 \(local port 18080\)$/m);
  // The same document, were it one of the logged documents, would make a logged session.
  assert.doesNotMatch(format(load('start-session-ssh-switched-role'), { ...env, LOGGED_DOCUMENTS: 'SSM-SessionManagerRunShell,AWS-StartSSHSession' }).subject, /NOT LOGGED/);
  // Fleet Manager's Remote Desktop transport is recorded as an RDP connection, not NOT LOGGED.
  const fm = format(load('start-session-fleet-manager-identity-center'), env);
  assert.doesNotMatch(fm.subject, /NOT LOGGED/);
  assert.match(fm.text, /^Log: +Fleet Manager Remote Desktop: see the connection announcement for its recording$/m);
});

// Only the logged documents of the session's own account, in a governed region, make a logged
// session: any other document, whatever its spelling (name or ARN, own or shared), is NOT LOGGED
// with the document as given, and no log location is printed that nothing writes to.
test('the allow-list: own documents, ARNs, shared documents and ungoverned regions', () => {
  const notLogged = (name, log) => {
    const m = format(load(name), env);
    assert.match(m.subject, /^\[sessionaudit\] NOT LOGGED StartSession by /, name);
    assert.match(m.text, /^Event: +Session Manager StartSession NOT LOGGED$/m, name);
    assert.match(m.text, new RegExp('^Log: +' + log.replace(/[.()]/g, '\\$&') + '$', 'm'), name);
    assert.ok(!/s3:\/\/|CloudWatch Logs/.test(m.text), name + ': no log location is promised');
    return m;
  };
  const custom = notLogged('start-session-custom-document-switched-role', 'NONE: only SSM-SessionManagerRunShell of this account is logged, not this document');
  assert.match(custom.text, /^Document: +MyTunnel$/m);
  const shared = notLogged('start-session-shared-document-switched-role', 'NONE: only SSM-SessionManagerRunShell of this account is logged, not this document');
  assert.match(shared.text, /^Document: +arn:aws:ssm:ap-northeast-1:444444444444:document\/SSM-SessionManagerRunShell$/m);
  notLogged('start-session-ungoverned-region-switched-role', 'NONE: eu-west-3 is not a governed region (sessionaudit sets no logging there)');
  // The preferences document given as an ARN of the account itself is the logged document.
  const own = format(load('start-session-own-document-arn-switched-role'), env);
  assert.doesNotMatch(own.subject, /NOT LOGGED/);
  assert.match(own.text, /^Log: +s3:\/\/session-audit-logs-222222222222-ap-northeast-1\/session-manager\/333333333333\/ap-northeast-1\/.+\.log$/m);
  // Without GOVERNED_REGIONS every region counts as governed.
  assert.doesNotMatch(format(load('start-session-ungoverned-region-switched-role'), { ...env, GOVERNED_REGIONS: '' }).subject, /NOT LOGGED/);
  // An RDP connection in an ungoverned region is not recorded.
  const rdp = format(load('start-connection-ungoverned-region-switched-role'), env);
  assert.match(rdp.subject, /^\[sessionaudit\] NOT RECORDED RDP connection started by /);
  assert.match(rdp.text, /^Recording: +NONE: eu-west-3 is not a governed region \(sessionaudit sets no recording there\)$/m);
});

test('RDP connections: person, node, connection and where the recording is', () => {
  const m = format(load('start-connection-identity-center'), env);
  assert.strictEqual(m.subject, '[sessionaudit] RDP connection started by alice@example.com in 333333333333');
  assert.match(m.text, /^Who: +alice@example.com \(IAM Identity Center, permission set role AWSReservedSSO_AdministratorAccess_0123456789abcdef\)$/m);
  assert.match(m.text, /^Target: +i-02573cafcf0e1a2b3$/m);
  assert.match(m.text, /^Connection: +fcb810cd-241f-4aae-9ee4-02d5900e1a2b$/m);
  assert.match(m.text, /^Recording: +s3:\/\/session-audit-logs-222222222222-ap-northeast-1\/ \(AWS does not document the key layout: look for fcb810cd-241f-4aae-9ee4-02d5900e1a2b\)$/m);
  assert.doesNotMatch(format(load('start-connection-identity-center'), { ...env, RECORDING_BUCKET: '' }).text, /^Recording:/m);
  assert.doesNotMatch(format(load('start-connection-denied-iam-user'), env).text, /^Recording:/m);
  assert.match(format(load('cancel-connection-identity-center'), env).subject, /RDP connection ended by alice@example.com/);
});

test('just-in-time access: requester, reason, target, approver and decision', () => {
  const req = format(load('start-access-request-identity-center'), env).text;
  assert.match(req, /^Who: +alice@example.com /m);
  assert.match(req, /^Reason: +Troubleshooting networking performance issue$/m);
  assert.match(req, /^Target: +i-02573cafcf0e1a2b3$/m);
  assert.match(req, /^Request: +oi-a71f4d891d72$/m);
  const approve = format(load('send-automation-signal-approve-switched-role'), env);
  assert.strictEqual(approve.subject, '[sessionaudit] Approval granted by carol in 333333333333');
  assert.match(approve.text, /^Comment: +Change CHG-1234 approved$/m);
  assert.match(format(load('send-automation-signal-reject-switched-role'), env).subject, /Approval rejected by carol/);
  const status = format(load('access-request-status-approved'), env);
  assert.strictEqual(status.subject, '[sessionaudit] Access request oi-a71f4d891d72 Approved in 333333333333');
  assert.match(status.text, /^Execution: +0aa5a695-4685-449f-90cc-49d24139dbe9$/m, 'ties the decision (execution) to the request');
  assert.match(format(load('access-request-failed'), env).subject, /Access request oi-fdac6036584a FAILED/);
  assert.match(format(load('start-session-just-in-time'), env).text, /^Access: +just-in-time node access/m);
});

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

// docs/notifications.md shows real output: its sample messages are the expected messages of these samples.
test('docs/notifications.md shows the messages the formatter writes', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'notifications.md'), 'utf8');
  for (const name of ['start-session-identity-center', 'start-connection-identity-center', 'start-session-port-forwarding-remote-host-identity-center']) {
    const m = format(load(name), env);
    assert.ok(readme.includes('```\nSubject: ' + m.subject + '\n\n' + m.text + '```'), 'docs/notifications.md lacks the current message for ' + name);
  }
});

// Where the caller was: every notice of a CloudTrail event says the event's sourceIPAddress on
// its From line, in the e-mail text and in the chat message, for each kind of event (sessions,
// RDP connections, access requests, approval decisions, sign-ins). The settled status of an access
// request comes from Systems Manager, not from a caller, and has no From line.
test('every notice of a call says where the caller was (From: sourceIPAddress)', () => {
  const kinds = {
    StartSession: 0, ResumeSession: 0, TerminateSession: 0, StartConnection: 0, CancelConnection: 0,
    StartAccessRequest: 0, SendAutomationSignal: 0, ConsoleLogin: 0,
  };
  for (const name of samples) {
    const e = load(name);
    const m = format(e, env);
    const ip = (e.detail || {}).sourceIPAddress;
    if (e['detail-type'] !== 'AWS API Call via CloudTrail' && e['detail-type'] !== 'AWS Console Sign In via CloudTrail') {
      assert.doesNotMatch(m.text, /^From:/m, name + ': a status event has no caller');
      continue;
    }
    assert.ok(ip, name + ': the sample has a sourceIPAddress');
    const from = m.text.match(/^From: +(.*)$/m);
    assert.ok(from, name + ': no From line:\n' + m.text);
    assert.strictEqual(from[1], ip, name);
    assert.ok(m.chat.content.description.includes('\n' + from[0] + '\n'), name + ': the chat message has the From line');
    if (e.detail.eventName in kinds) kinds[e.detail.eventName]++;
  }
  for (const [kind, n] of Object.entries(kinds)) assert.ok(n > 0, 'no sample of ' + kind + ' checked');
  // A different address is the one shown, not a constant of the samples.
  const moved = load('start-session-iam-user');
  moved.detail.sourceIPAddress = '2001:db8::7';
  assert.match(format(moved, env).text, /^From: +2001:db8::7$/m);
});

// The environment the template deploys (the golden SessionAudit-LogArchive template, which the Go
// tests keep equal to the synthesized one), not this test's own: with it, a session with any of
// AWS's documents that Session Manager never logs (Session Manager user guide, "Logging session
// activity": "Logging isn't available for Session Manager sessions that connect through port
// forwarding or SSH") is NOT LOGGED, whoever starts it, and its notice promises no log.
test('with the deployed environment, SSH and port forwarding sessions are NOT LOGGED', () => {
  const template = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'test', 'testdata', 'SessionAudit-LogArchive.template.json'), 'utf8'));
  const deployed = Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function')
    .map((r) => ((r.Properties.Environment || {}).Variables || {}))
    .find((v) => typeof v.LOGGED_DOCUMENTS === 'string');
  assert.ok(deployed, 'the golden LogArchive template has no formatter environment with LOGGED_DOCUMENTS');
  const live = { ...env, ...Object.fromEntries(Object.entries(deployed).filter(([, v]) => typeof v === 'string')) };
  const cases = [
    ['start-session-ssh-switched-role', 'AWS-StartSSHSession', 'NONE: Session Manager does not log SSH sessions'],
    ['start-session-ssh-ignored-automation', 'AWS-StartSSHSession', 'NONE: Session Manager does not log SSH sessions'],
    ['start-session-port-forwarding-iam-user', 'AWS-StartPortForwardingSession', 'NONE: Session Manager does not log port forwarding sessions'],
    ['start-session-port-forwarding-remote-host-identity-center', 'AWS-StartPortForwardingSessionToRemoteHost', 'NONE: Session Manager does not log port forwarding sessions'],
  ];
  for (const [name, doc, log] of cases) {
    const e = load(name);
    assert.strictEqual(e.detail.requestParameters.documentName, doc, name);
    const m = format(e, live);
    assert.match(m.subject, /^\[sessionaudit\] NOT LOGGED StartSession by /, name);
    assert.match(m.text, /^Event: +Session Manager StartSession NOT LOGGED$/m, name);
    assert.strictEqual(m.text.match(/^Log: +(.*)$/m)[1], log, name);
    assert.doesNotMatch(m.text, /s3:\/\/|CloudWatch Logs/, name + ': no log location is promised');
  }
  // The same environment logs a session with the preferences document (the test can tell).
  assert.doesNotMatch(format(load('start-session-iam-user'), live).subject, /NOT LOGGED/);
});

// The other ways into a node: each notice names the person, the account and region, the node, the
// method, what CloudTrail shows of the act, and the source IP, and says NOT LOGGED (LOG UNKNOWN for
// ECS Exec, whose logging is its cluster's) in the subject and the body, with no log location.
test('the other ways into a node: every field of every notice', () => {
  const where = '333333333333 (ap-northeast-1)';
  const cases = [
    { name: 'send-ssh-public-key-iam-user', by: 'bob', what: 'NOT LOGGED EC2 Instance Connect', who: 'bob (IAM user)',
      event: 'EC2 Instance Connect SendSSHPublicKey NOT LOGGED', method: /^SSH with a key the node accepts for 60 seconds/,
      fields: { Target: 'i-0123456789abcdef0', User: 'ec2-user' }, thread: 'i-0123456789abcdef0' },
    { name: 'send-ssh-public-key-denied-switched-role', by: 'carol', what: 'NOT LOGGED EC2 Instance Connect FAILED', who: 'carol (assumed role OpsAdmin)',
      event: 'EC2 Instance Connect SendSSHPublicKey NOT LOGGED FAILED', method: /SendSSHPublicKey/,
      fields: { Target: 'i-0fedcba9876543210', User: 'ubuntu', Error: /^AccessDenied: .*explicit deny in a service control policy$/ } },
    { name: 'open-tunnel-identity-center', by: 'alice@example.com', what: 'NOT LOGGED Endpoint tunnel',
      who: 'alice@example.com (IAM Identity Center, permission set role AWSReservedSSO_AdministratorAccess_0123456789abcdef)',
      event: 'EC2 Instance Connect Endpoint OpenTunnel NOT LOGGED', method: /^TCP tunnel through an EC2 Instance Connect Endpoint/,
      fields: { Endpoint: 'eice-0123456789abcdef0', Target: '10.0.1.25:22', Duration: 'at most 3600 seconds' }, thread: 'eice-0123456789abcdef0' },
    { name: 'open-tunnel-rdp-federated-user', by: 'dave', what: 'NOT LOGGED Endpoint tunnel', who: 'dave (federated user of IAM user broker)',
      event: 'EC2 Instance Connect Endpoint OpenTunnel NOT LOGGED', method: /RDP/, fields: { Target: '10.0.2.40:3389' } },
    { name: 'send-serial-console-ssh-public-key-root', by: 'root', what: 'NOT LOGGED Serial console', who: 'root user of 333333333333',
      event: 'EC2 serial console SendSerialConsoleSSHPublicKey NOT LOGGED', method: /^EC2 serial console with a key/,
      fields: { Target: 'i-0123456789abcdef0', Port: 'serial port 0' }, thread: 'i-0123456789abcdef0' },
    { name: 'enable-serial-console-access-identity-center', by: 'alice@example.com', what: 'NOT LOGGED Serial console access ENABLED',
      who: /^alice@example.com \(IAM Identity Center/, event: 'EC2 serial console EnableSerialConsoleAccess NOT LOGGED',
      method: /^EnableSerialConsoleAccess: the serial console of all instances of the account/,
      fields: { Target: 'all instances of the account in ap-northeast-1 (their serial console)' }, thread: 'serial-console-333333333333-ap-northeast-1' },
    { name: 'enable-serial-console-access-denied-iam-user', by: 'bob', what: 'NOT LOGGED Serial console access ENABLED FAILED', who: 'bob (IAM user)',
      event: 'EC2 serial console EnableSerialConsoleAccess NOT LOGGED FAILED', method: /EnableSerialConsoleAccess/,
      fields: { Error: /^Client.UnauthorizedOperation: / } },
    { name: 'send-command-switched-role', by: 'carol', what: 'NOT LOGGED Run Command', who: 'carol (assumed role OpsAdmin)',
      event: 'Run Command SendCommand NOT LOGGED', method: /^Run Command \(SendCommand\)/,
      fields: { Document: 'AWS-RunShellScript', Targets: 'i-0123456789abcdef0, i-0fedcba9876543210',
        Parameters: /^hidden by CloudTrail \(HIDDEN_DUE_TO_SECURITY_REASONS\)/, Command: '8f2a1c3e-4b5d-4e6f-9a0b-1c2d3e4f5a6b' },
      thread: '8f2a1c3e-4b5d-4e6f-9a0b-1c2d3e4f5a6b' },
    { name: 'send-command-targets-identity-center', by: 'alice@example.com', what: 'NOT LOGGED Run Command', who: /^alice@example.com /,
      event: 'Run Command SendCommand NOT LOGGED', method: /SendCommand/,
      fields: { Document: 'AWS-RunPowerShellScript', Targets: 'tag:Environment=production', Comment: 'restart the web service',
        Output: 's3://ops-command-output/run-command/ (where the caller asked: command output, not a transcript)' } },
    { name: 'send-command-ignored-automation', by: 'i-0fedcba9876543210', what: 'NOT LOGGED Run Command', who: 'i-0fedcba9876543210 (assumed role deploy-runner)',
      event: 'Run Command SendCommand NOT LOGGED', method: /SendCommand/, fields: { Targets: 'i-0fedcba9876543210' } },
    { name: 'execute-command-identity-center', by: 'alice@example.com', what: 'LOG UNKNOWN ECS Exec', who: /^alice@example.com /,
      event: 'ECS Exec ExecuteCommand LOG UNKNOWN', method: /^ECS Exec \(ExecuteCommand\)/,
      fields: { Cluster: 'orders', Task: '5f1e2d3c4b5a69788796a5b4c3d2e1f0', Container: 'app', Command: '/bin/sh', Mode: 'interactive',
        Session: 'ecs-execute-command-0a1b2c3d4e5f67890' }, thread: 'ecs-execute-command-0a1b2c3d4e5f67890' },
    { name: 'execute-command-denied-root', by: 'root', what: 'LOG UNKNOWN ECS Exec FAILED', who: 'root user of 333333333333',
      event: 'ECS Exec ExecuteCommand LOG UNKNOWN FAILED', method: /ExecuteCommand/,
      fields: { Cluster: 'orders', Command: '/bin/bash', Error: /^AccessDeniedException: / } },
  ];
  const field = (text, key) => (text.match(new RegExp('^' + key + ': +(.*)$', 'm')) || [])[1];
  const check = (got, want, label) => (want instanceof RegExp ? assert.match(got || '', want, label) : assert.strictEqual(got, want, label));
  for (const c of cases) {
    const e = load(c.name);
    const m = format(e, env);
    assert.strictEqual(m.subject, '[sessionaudit] ' + c.what + ' by ' + c.by + ' in 333333333333', c.name);
    check(field(m.text, 'Event'), c.event, c.name + ' Event');
    check(field(m.text, 'Who'), c.who, c.name + ' Who');
    check(field(m.text, 'Principal'), e.detail.userIdentity.arn, c.name + ' Principal');
    check(field(m.text, 'Account'), where, c.name + ' Account');
    check(field(m.text, 'From'), '203.0.113.10', c.name + ' From');
    check(field(m.text, 'Method'), c.method, c.name + ' Method');
    for (const [k, v] of Object.entries(c.fields)) check(field(m.text, k), v, c.name + ' ' + k);
    const unknown = c.what.startsWith('LOG UNKNOWN');
    check(field(m.text, 'Log'), unknown ? /^UNKNOWN: logged only if the cluster's executeCommandConfiguration logs/ : /^NONE: Session Manager does not log /, c.name + ' Log');
    assert.doesNotMatch(m.text, /s3:\/\/session-audit|CloudWatch Logs session-manager/, c.name + ': no session log is promised');
    if (c.thread) assert.strictEqual(m.chat.metadata.threadId, c.thread, c.name + ' thread');
  }
  // Every way sample is in the table.
  const ways = samples.filter((n) => /^(send-ssh|open-tunnel|send-serial|enable-serial|send-command|execute-command)/.test(n));
  assert.deepStrictEqual(ways.sort(), cases.map((c) => c.name).sort());
});
