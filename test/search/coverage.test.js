// The two queries of `sessionaudit coverage` (constructs/archivesearch/coverage_ledger.sql and coverage_forwarded.sql; the daily coverage check runs them too), run
// with DuckDB (harness.js; what it stands in for: queries.test.js) on objects laid out as the
// ledger's stream and the forwarded logs' streams write them, read through the Glue tables of the
// golden SessionAudit-LogArchive template. The Go tests answer these queries from canned rows
// (operator/fakeaws Canned); this test proves the SQL gives those columns on real shapes.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { DuckDBInstance } = require('@duckdb/node-api');
const { root, resources, cfg, loadTable } = require('./harness');

const sql = (name) => {
  const shared = path.join(root, 'constructs', 'archivesearch', 'coverage_' + name);
  return fs.readFileSync(fs.existsSync(shared) ? shared : path.join(root, 'operator', 'coverage', name), 'utf8');
};
// DuckDB names three of Trino's functions differently: json_extract_scalar, array_join and
// regexp_like (DuckDB's regexp_matches also finds a match anywhere; DuckDB runs RE2, Athena Java
// patterns: operator/coverage.CheckGrep refuses what the two read differently).
const toDuckDB = (s) => s.replace(/\bjson_extract_scalar\(/g, 'json_extract_string(').replace(/\barray_join\(/g, 'array_to_string(').replace(/\bregexp_like\(/g, 'regexp_matches(');
async function query(connection, name, params) {
  const statement = await connection.prepare(toDuckDB(sql(name)));
  params.forEach((p, i) => statement.bindVarchar(i + 1, p));
  return (await statement.runAndReadAll()).getRowObjectsJson();
}

const samples = path.join(root, 'constructs', 'loginnotifier', 'testdata', 'events');
const sample = (name, time) => ({ ...JSON.parse(fs.readFileSync(path.join(samples, name + '.json'), 'utf8')), time });
const ledgerEvents = [
  sample('start-session-iam-user', '2026-11-22T10:15:30Z'),
  sample('resume-session-iam-user', '2026-11-22T10:30:00Z'),
  sample('terminate-session-iam-user', '2026-11-22T10:45:00Z'),
  sample('start-session-denied-switched-role', '2026-11-22T11:00:00Z'),
  sample('start-session-port-forwarding-iam-user', '2026-11-23T08:00:00Z'),
  sample('start-connection-iam-user', '2026-11-23T09:00:00Z'),
  sample('send-command-switched-role', '2026-11-23T10:00:00Z'),
  sample('send-ssh-public-key-iam-user', '2026-11-23T11:00:00Z'),
];

function ledgerObjects(dir, events = ledgerEvents) {
  const [, s] = resources('AWS::KinesisFirehose::DeliveryStream').find(([, r]) => r.Properties.ExtendedS3DestinationConfiguration.Prefix.startsWith('ledger/'));
  const conf = s.Properties.ExtendedS3DestinationConfiguration;
  const hours = new Map();
  for (const e of events) hours.set(e.time.slice(0, 13), [...(hours.get(e.time.slice(0, 13)) || []), e]);
  return [...hours].map(([hour, es]) => {
    const [yyyy, MM, dd, HH] = hour.split(/[-T]/);
    const prefix = conf.Prefix.replace('!{timestamp:yyyy}', yyyy).replace('!{timestamp:MM}', MM).replace('!{timestamp:dd}', dd).replace('!{timestamp:HH}', HH);
    const key = `${prefix}session-audit-ledger-1-${yyyy}-${MM}-${dd}-${HH}-00-00-0a1b2c3d${conf.FileExtension}`;
    fs.mkdirSync(path.join(dir, path.dirname(key)), { recursive: true });
    fs.writeFileSync(path.join(dir, key), zlib.gzipSync(es.map((e) => JSON.stringify(e) + '\n').join('')));
    return key;
  });
}

// Forwarded output through the shipped record processor, named by the region's stream Prefix.
const A = '333333333333';
const HOME = cfg.homeRegion;
const line = (time, session, lines) => JSON.stringify({ eventVersion: '1.0', eventTime: time, awsRegion: HOME, target: { id: 'i-0123456789abcdef0' }, userIdentity: { arn: `arn:aws:iam::${A}:user/bob` }, runAsUser: 'ssm-user', sessionId: session, sessionData: lines });
const output = [
  line('2026-11-22T10:15:40Z', 'bob-0a1b2c3d4e5f67890', ['sh-5.2$ id']),
  line('2026-11-22T10:31:00Z', 'bob-0a1b2c3d4e5f67890', ['sh-5.2$ exit']),
  line('2026-11-23T12:00:00Z', 'forged-0a1b2c3d4e5f60009', ['sh-5.2$ nothing happened here']),
  'not json: a plain log line',
];

async function forwardedObjects(dir) {
  const [, fn] = resources('AWS::Lambda::Function').find(([id]) => id.startsWith('LogReceiverProcessor'));
  const module = { exports: {} };
  new Function('require', 'exports', 'module', fn.Properties.Code.ZipFile)(require, module.exports, module);
  const keys = [];
  for (const day of ['2026-11-22', '2026-11-23']) {
    const es = output.filter((m) => !m.startsWith('{') ? day === '2026-11-22' : JSON.parse(m).eventTime.startsWith(day));
    const envelope = { messageType: 'DATA_MESSAGE', owner: A, logGroup: `session-manager-log-${A}`, logStream: 'i-0123456789abcdef0', subscriptionFilters: ['session-audit'],
      logEvents: es.map((message, i) => ({ id: String(i), timestamp: Date.parse(day), message })) };
    const out = await module.exports.handler({ records: [{ recordId: '1', data: zlib.gzipSync(JSON.stringify(envelope)).toString('base64') }] });
    const [r] = out.records;
    assert.strictEqual(r.result, 'Ok');
    const [, s] = resources('AWS::KinesisFirehose::DeliveryStream').find(([, x]) => x.Properties.DeliveryStreamName && x.Properties.DeliveryStreamName.endsWith(HOME));
    const [yyyy, MM, dd] = day.split('-');
    const prefix = s.Properties.ExtendedS3DestinationConfiguration.Prefix.replace('!{timestamp:yyyy}', yyyy).replace('!{timestamp:MM}', MM).replace('!{timestamp:dd}', dd)
      .replace(/!\{partitionKeyFromLambda:(\w+)\}/, (_, k) => r.metadata.partitionKeys[k]);
    const key = `${prefix}session-audit-${HOME}-1-${day}-00-00-00-${A}.json.gz`;
    fs.mkdirSync(path.join(dir, path.dirname(key)), { recursive: true });
    fs.writeFileSync(path.join(dir, key), zlib.gzipSync(Buffer.from(r.data, 'base64')));
    keys.push(key);
  }
  return keys;
}

test('coverage\'s ledger query names each start\'s session, document, target and error, from objects laid out as the ledger stream writes them', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sessionaudit-coverage-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  assert.strictEqual(await loadTable(connection, dir, ledgerObjects(dir), 'ledger_events'), ledgerEvents.length);
  const rows = await query(connection, 'ledger.sql', ['2026/11/22', '2026/11/23']);
  assert.deepStrictEqual(rows.map((r) => r.event), ledgerEvents.map((e) => e.detail.eventName));
  for (const [i, e] of ledgerEvents.entries()) {
    const d = e.detail, r = rows[i];
    assert.strictEqual(r.time, e.time);
    assert.strictEqual(r.account, e.account);
    assert.strictEqual(r.region, e.region);
    assert.strictEqual(r.principal, d.userIdentity.arn);
    assert.strictEqual(r.error, d.errorCode || null);
    assert.strictEqual(r.id, e.id);
    const rp = d.requestParameters || {}, re = d.responseElements || {};
    const session = re.sessionId || rp.sessionId || re.ConnectionArn || (re.command && re.command.commandId) || e.id;
    assert.strictEqual(r.session, session, d.eventName);
    assert.strictEqual(r.document, rp.documentName || null, d.eventName);
    assert.strictEqual(r.target, rp.target || rp.InstanceId || rp.instanceId || rp.cluster || null, d.eventName);
  }
  // A start, its resume and its termination name one session, as coverage groups them.
  assert.strictEqual(new Set(rows.slice(0, 3).map((r) => r.session)).size, 1);
  assert.deepStrictEqual(await query(connection, 'ledger.sql', ['2026/11/24', '2026/11/30']), []);
});

test('coverage\'s forwarded query counts each session\'s output lines, with its account and first event', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sessionaudit-coverage-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  await loadTable(connection, dir, await forwardedObjects(dir), 'forwarded_events');
  const rows = await query(connection, 'forwarded.sql', ['2026/11/22', '2026/11/23']);
  assert.deepStrictEqual(rows, [
    { account: A, region: HOME, sessionid: 'bob-0a1b2c3d4e5f67890', events: '2', first_event: '2026-11-22T10:15:40Z', last_event: '2026-11-22T10:31:00Z' },
    { account: A, region: HOME, sessionid: 'forged-0a1b2c3d4e5f60009', events: '1', first_event: '2026-11-23T12:00:00Z', last_event: '2026-11-23T12:00:00Z' },
  ]);
  assert.deepStrictEqual((await query(connection, 'forwarded.sql', ['2026/11/23', '2026/11/23'])).map((r) => r.sessionid), ['forged-0a1b2c3d4e5f60009']);
  // operator/coverage's Go test ties the account expression to archivesearch.AccountOfPath.
});

// sessions.sql: a just-in-time session gets the latest earlier request for its node in its account
// and region (requester, reason, ID) and the request's approvers; a session's own reason is kept.
test('the sessions query joins a just-in-time session to its access request and approver, and keeps a session\'s own reason', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sessionaudit-sessions-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const node = 'i-02573cafcf0e1a2b3';
  const withDetail = (e, change) => { const c = structuredClone(e); change(c.detail, c); return c; };
  const request = sample('start-access-request-identity-center', '2026-11-22T10:15:30Z');
  const older = withDetail(sample('start-access-request-iam-user', '2026-11-21T09:00:00Z'), (d, e) => {
    e.account = request.account; e.region = request.region; d.requestParameters.targets = [{ key: 'InstanceIds', values: [node] }];
    d.responseElements.accessRequestId = 'oi-000000000001';
  });
  const elsewhere = withDetail(request, (d, e) => { e.account = '444444444444'; e.time = '2026-11-22T10:20:00Z'; d.responseElements.accessRequestId = 'oi-000000000002'; });
  const approve = sample('send-automation-signal-approve-switched-role', '2026-11-22T10:30:00Z');
  const status = sample('access-request-status-approved', '2026-11-22T10:40:02Z');
  const jit = withDetail(sample('start-session-just-in-time', '2026-11-22T10:45:00Z'), (d) => { d.requestParameters.target = node; });
  const noRequest = withDetail(sample('start-session-just-in-time', '2026-11-22T10:50:00Z'), (d, e) => { e.id = 'jit-other-node'; d.responseElements.sessionId = 'x-0000000000000000a'; });
  const own = withDetail(sample('start-session-iam-user', '2026-11-22T11:00:00Z'), (d) => { d.requestParameters.reason = 'patching'; });
  const events = [older, request, elsewhere, approve, status, jit, noRequest, own];
  for (const e of [approve, status, request, jit, own]) assert.strictEqual(e.account, request.account, 'the samples share one account');
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  assert.strictEqual(await loadTable(connection, dir, ledgerObjects(dir, events), 'ledger_events'), events.length);
  const rows = await query(connection, 'sessions.sql', ['2026/11/15', '2026/11/23', '2026/11/22']);
  const by = (id) => rows.find((r) => r.session === id);
  const s = by(jit.detail.responseElements.sessionId);
  assert.strictEqual(s.request, 'oi-a71f4d891d72');
  assert.strictEqual(s.requester, request.detail.userIdentity.arn);
  assert.strictEqual(s.request_reason, request.detail.requestParameters.reason);
  assert.strictEqual(s.approver, approve.detail.userIdentity.arn);
  assert.strictEqual(s.reason, null);
  const n = by('x-0000000000000000a');
  assert.deepStrictEqual([n.request, n.requester, n.approver], [null, null, null], 'another node: no request');
  const o = by(own.detail.responseElements.sessionId);
  assert.deepStrictEqual([o.reason, o.request], ['patching', null]);
  assert.ok(!rows.some((r) => r.time < '2026-11-22'), 'the third parameter starts the sessions: the days before only give requests');
  assert.deepStrictEqual(rows.map((r) => r.time), [...rows.map((r) => r.time)].sort());
});

test('the -grep query finds the sessions with a forwarded line matching, line by line, in the days given', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sessionaudit-grep-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  await loadTable(connection, dir, await forwardedObjects(dir), 'forwarded_events');
  const grep = async (expr, first = '2026/11/22', last = '2026/11/23') => (await query(connection, 'grep.sql', [first, last, expr])).map((r) => r.sessionid).sort();
  assert.deepStrictEqual(await grep('exit'), ['bob-0a1b2c3d4e5f67890']);
  assert.deepStrictEqual(await grep('^sh-5\\.2\\$ (id|nothing)'), ['bob-0a1b2c3d4e5f67890', 'forged-0a1b2c3d4e5f60009']);
  assert.deepStrictEqual(await grep('id$'), ['bob-0a1b2c3d4e5f67890'], '$ ends a line');
  assert.deepStrictEqual(await grep('exit', '2026/11/23', '2026/11/23'), [], 'a day outside is not read');
  assert.deepStrictEqual(await grep('plain log line'), [], 'foreign lines have no session');
});

// show and play's two queries (operator/coverage/session.go). session_ledger.sql is a wrapper:
// SessionLedgerSQL is it with sessions.sql in place of its "-- sessions.sql" line, and so is this.
// Athena's json_format(CAST(x AS JSON)) is DuckDB's to_json(x) as text.
// They live beside it (only the CLI runs them); coverage's two are in constructs/archivesearch.
const showSQL = (name) => fs.readFileSync(path.join(root, 'operator', 'coverage', name), 'utf8');
async function showQuery(connection, name, params) {
  const text = name === 'session_ledger.sql' ? showSQL(name).replace('-- sessions.sql', sql('sessions.sql').trim()) : showSQL(name);
  const statement = await connection.prepare(toDuckDB(text).replace(/\bjson_format\(CAST\((\w+) AS JSON\)\)/g, 'CAST(to_json($1) AS VARCHAR)'));
  params.forEach((p, i) => statement.bindVarchar(i + 1, p));
  return (await statement.runAndReadAll()).getRowObjectsJson();
}

test('show\'s ledger query keeps the sessions query\'s rows of one session: its start, resume and end', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sessionaudit-coverage-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  await loadTable(connection, dir, ledgerObjects(dir), 'ledger_events');
  const days = ['2026/11/15', '2026/11/23', '2026/11/22'];
  const all = await query(connection, 'sessions.sql', days);
  const id = all[0].session;
  const rows = await showQuery(connection, 'session_ledger.sql', [...days, id]);
  assert.deepStrictEqual(rows, all.filter((r) => r.session === id));
  assert.deepStrictEqual(rows.map((r) => r.event), ['StartSession', 'ResumeSession', 'TerminateSession']);
  assert.ok('reason' in rows[0] && 'requester' in rows[0] && 'approver' in rows[0], 'the sessions query\'s columns');
  assert.deepStrictEqual(await showQuery(connection, 'session_ledger.sql', [...days, 'nobody-0a1b2c3d4e5f60000']), []);
  assert.deepStrictEqual(await showQuery(connection, 'session_ledger.sql', ['2026/11/17', '2026/11/30', '2026/11/24', id]), []);
});

test('show\'s forwarded query gives one session\'s events with their lines as JSON, pruned by region and day', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sessionaudit-coverage-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  const keys = await forwardedObjects(dir);
  await loadTable(connection, dir, keys, 'forwarded_events');
  const rows = await showQuery(connection, 'session_output.sql', [HOME, '2026/11/22', '2026/11/23', 'bob-0a1b2c3d4e5f67890']);
  assert.deepStrictEqual(rows.map((r) => ({ ...r, sessiondata: JSON.parse(r.sessiondata) })), [
    { account: A, eventtime: '2026-11-22T10:15:40Z', principal: `arn:aws:iam::${A}:user/bob`, node: 'i-0123456789abcdef0', runasuser: 'ssm-user', awsregion: HOME, sessiondata: ['sh-5.2$ id'], object: `s3://${require('./harness').BUCKET}/${keys[0]}` },
    { account: A, eventtime: '2026-11-22T10:31:00Z', principal: `arn:aws:iam::${A}:user/bob`, node: 'i-0123456789abcdef0', runasuser: 'ssm-user', awsregion: HOME, sessiondata: ['sh-5.2$ exit'], object: `s3://${require('./harness').BUCKET}/${keys[0]}` },
  ]);
  assert.deepStrictEqual(await showQuery(connection, 'session_output.sql', [HOME, '2026/11/23', '2026/11/23', 'bob-0a1b2c3d4e5f67890']), []);
  const other = cfg.regions.find((r) => r !== HOME);
  assert.deepStrictEqual(await showQuery(connection, 'session_output.sql', [other, '2026/11/22', '2026/11/23', 'bob-0a1b2c3d4e5f67890']), []);
});
