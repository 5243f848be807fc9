// `sessionaudit coverage -dir` and `sessions -dir` answer their queries (constructs/archivesearch/
// coverage_ledger.sql, coverage_forwarded.sql, operator/coverage/sessions.sql) from a downloaded copy of the bucket with a Go
// reader (operator/coverage/offline.go) instead of Athena. This test lays objects out as the
// ledger's and the forwarded logs' streams write them, runs the SQL on them with DuckDB through
// the Glue tables of the golden template (harness.js) AND the Go reader on the same directory
// (test/search/offlinerows), and asserts equal rows: same columns, values, NULLs and order.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { execFileSync } = require('node:child_process');
const { DuckDBInstance } = require('@duckdb/node-api');
const { root, cfg, loadTable } = require('./harness');

const sql = (name) => fs.readFileSync(['sessions', 'grep'].includes(name) ? path.join(root, 'operator', 'coverage', name + '.sql') : path.join(root, 'constructs', 'archivesearch', 'coverage_' + name + '.sql'), 'utf8');
// As in coverage.test.js: DuckDB's names of Trino's json_extract_scalar, array_join and regexp_like.
const toDuckDB = (s) => s.replace(/\bjson_extract_scalar\(/g, 'json_extract_string(').replace(/\barray_join\(/g, 'array_to_string(').replace(/\bregexp_like\(/g, 'regexp_matches(');
async function query(connection, name, params) {
  const statement = await connection.prepare(toDuckDB(sql(name)));
  params.forEach((p, i) => statement.bindVarchar(i + 1, p));
  return (await statement.runAndReadAll()).getRowObjectsJson();
}

let bin;
test.before(() => {
  // In bin/ (ignored by git), where go build finds it up to date on the next run and does not
  // link it again (it links aws-cdk-go, through the construct packages coverage reads its SQL from).
  bin = path.join(root, 'bin', 'offlinerows');
  execFileSync('go', ['build', '-o', bin, './test/search/offlinerows'], { cwd: root, stdio: 'inherit' });
});
const goRows = (dir, name, params) => JSON.parse(execFileSync(bin, [dir, name, cfg.regions.join(','), ...params], { encoding: 'utf8' }));

const samples = path.join(root, 'constructs', 'loginnotifier', 'testdata', 'events');
const sample = (name, time, change = () => {}) => {
  const e = { ...JSON.parse(fs.readFileSync(path.join(samples, name + '.json'), 'utf8')), time };
  change(e.detail, e);
  return e;
};
const write = (dir, key, lines) => {
  fs.mkdirSync(path.join(dir, path.dirname(key)), { recursive: true });
  fs.writeFileSync(path.join(dir, key), zlib.gzipSync(lines.map((l) => l + '\n').join('')));
  return key;
};
// The ledger stream's objects: ledger/yyyy/MM/dd/HH/ (archivelayout.LedgerFirehosePrefix), the
// arrival hour, one event per line.
const ledgerKey = (hour, n = 1) => `ledger/${hour.slice(0, 4)}/${hour.slice(5, 7)}/${hour.slice(8, 10)}/${hour.slice(11, 13)}/session-audit-ledger-${n}-${hour.slice(0, 10)}-${hour.slice(11, 13)}-00-00-0a1b2c3d.json.gz`;

test('the Go reader gives the ledger query\'s rows: every branch of each coalesce, denied starts, resume and terminate, foreign lines, days outside', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sessionaudit-offline-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const events = {
    start: sample('start-session-iam-user', '2026-11-22T10:15:30Z'), // responseElements.sessionId, requestParameters.target
    resume: sample('resume-session-iam-user', '2026-11-22T10:30:00Z'),
    terminate: sample('terminate-session-iam-user', '2026-11-22T10:45:00Z', (d) => { delete d.responseElements; }), // requestParameters.sessionId
    denied: sample('start-session-denied-switched-role', '2026-11-22T11:00:00Z'), // errorCode
    document: sample('start-session-port-forwarding-iam-user', '2026-11-22T11:30:00Z'), // documentName
    rdp: sample('start-connection-iam-user', '2026-11-22T12:00:00Z'), // ConnectionArn, InstanceId
    command: sample('send-command-switched-role', '2026-11-22T13:00:00Z'), // command.commandId
    ssh: sample('send-ssh-public-key-iam-user', '2026-11-22T14:00:00Z'), // id, instanceId
    ecs: sample('execute-command-identity-center', '2026-11-22T15:00:00Z'), // cluster
    status: sample('access-request-status-approved', '2026-11-22T16:00:00Z'), // detail-type, no eventName
    text: sample('start-session-iam-user', '2026-11-22T17:00:00Z', (d, e) => { e.id = 'detail-as-text'; e.detail = JSON.stringify({ ...d, responseElements: { sessionId: 'text-0a1b2c3d4e5f60001' } }); }),
    tieB: sample('send-ssh-public-key-iam-user', '2026-11-22T18:00:00Z', (d, e) => { e.id = 'b-same-time'; }),
    tieA: sample('send-ssh-public-key-iam-user', '2026-11-22T18:00:00Z', (d, e) => { e.id = 'a-same-time'; }),
    late: sample('start-session-iam-user', '2026-11-22T23:59:59Z', (d, e) => { e.id = 'arrived-next-day'; d.responseElements.sessionId = 'late-0a1b2c3d4e5f60002'; }),
    before: sample('start-session-iam-user', '2026-11-20T09:00:00Z', (d, e) => { e.id = 'outside-before'; }),
    after: sample('start-session-iam-user', '2026-11-25T09:00:00Z', (d, e) => { e.id = 'outside-after'; }),
  };
  // The samples share some IDs; each event of the ledger has its own.
  for (const [name, e] of Object.entries(events)) if (e.id.startsWith('6f1b2c3d-') || e.id.startsWith('5e1d2c3b-')) e.id = 'id-' + name;
  const j = (e) => JSON.stringify(e);
  const keys = [
    write(dir, ledgerKey('2026-11-22T10'), [j(events.start), j(events.resume), j(events.terminate)]),
    write(dir, ledgerKey('2026-11-22T11'), [j(events.denied), 'not json: a foreign line', j(events.document), '[1,2]']),
    write(dir, ledgerKey('2026-11-22T12'), [j(events.rdp), j(events.command), j(events.ssh), j(events.ecs)]),
    write(dir, ledgerKey('2026-11-22T12', 2), [j(events.status), j(events.text), j(events.tieB), j(events.tieA)]),
    write(dir, ledgerKey('2026-11-23T00'), [j(events.late)]), // the arrival day is the next day
    write(dir, ledgerKey('2026-11-20T09'), [j(events.before)]),
    write(dir, ledgerKey('2026-11-25T09'), [j(events.after)]),
    write(dir, `ledger-errors/DeliveryFailed/2026/11/22/session-audit-ledger-errors.gz`, [j(events.start)]), // not the table's
  ];
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  await loadTable(connection, dir, keys, 'ledger_events');
  for (const days of [['2026/11/22', '2026/11/23'], ['2026/11/15', '2026/11/23'], ['2026/11/21', '2026/11/21'], ['2026/11/24', '2026/11/30'], ['2026/11/20', '2026/11/25']]) {
    const want = await query(connection, 'ledger', days);
    assert.deepStrictEqual(goRows(dir, 'ledger', days), want, days.join(' to '));
  }
  // The rows are the cases meant: every branch met.
  const rows = await query(connection, 'ledger', ['2026/11/22', '2026/11/23']);
  const by = (id) => rows.find((r) => r.id === id);
  assert.strictEqual(by(events.terminate.id).session, events.start.detail.responseElements.sessionId);
  assert.strictEqual(by(events.rdp.id).session, events.rdp.detail.responseElements.ConnectionArn);
  assert.strictEqual(by(events.rdp.id).target, events.rdp.detail.requestParameters.InstanceId);
  assert.strictEqual(by(events.command.id).session, events.command.detail.responseElements.command.commandId);
  assert.strictEqual(by(events.ssh.id).session, events.ssh.id);
  assert.strictEqual(by(events.ssh.id).target, events.ssh.detail.requestParameters.instanceId);
  assert.strictEqual(by(events.ecs.id).target, 'orders');
  assert.strictEqual(by(events.status.id).event, events.status['detail-type']);
  assert.strictEqual(by('detail-as-text').session, 'text-0a1b2c3d4e5f60001');
  assert.strictEqual(by(events.denied.id).error, events.denied.detail.errorCode);
  assert.ok(events.denied.detail.errorCode);
  assert.strictEqual(by(events.document.id).document, events.document.detail.requestParameters.documentName);
  assert.deepStrictEqual(rows.slice(-2), [Object.fromEntries(Object.keys(rows[0]).map((c) => [c, null])), Object.fromEntries(Object.keys(rows[0]).map((c) => [c, null]))], 'foreign lines: rows of NULLs, last');
  assert.ok(!rows.some((r) => r.id && r.id.startsWith('outside')));
});

test('the Go reader gives the forwarded query\'s rows: two sessions interleaved, foreign lines, other regions and days outside', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sessionaudit-offline-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const [home, other] = cfg.regions;
  const A = '333333333333', B = '444444444444';
  const line = (time, session, region = home, text = 'sh-5.2$ id') => JSON.stringify({ eventVersion: '1.0', eventTime: time, awsRegion: region, target: { id: 'i-0123456789abcdef0' }, userIdentity: { arn: `arn:aws:iam::${A}:user/bob` }, runAsUser: 'ssm-user', sessionId: session, sessionData: [text] });
  const key = (region, day, account, n = 1) => `cloudwatch/${region}/${day.replace(/-/g, '/')}/${account}/session-audit-${region}-${n}-${day}-00-00-00-${account}.json.gz`;
  const keys = [
    write(dir, key(home, '2026-11-22', A), [line('2026-11-22T10:15:40Z', 'bob-1'), line('2026-11-22T10:15:41Z', 'alice-2'), line('2026-11-22T10:15:42Z', 'bob-1'),
      'not json: a plain log line', JSON.stringify({ message: 'a JSON line of another kind' }), line('2026-11-22T10:16:00Z', 'alice-2')]),
    write(dir, key(home, '2026-11-23', A), [line('2026-11-23T00:00:05Z', 'bob-1'), JSON.stringify({ SessionId: 'mixed-case-3', EventTime: '2026-11-23T01:00:00Z' })]),
    write(dir, key(home, '2026-11-22', B, 2), [line('2026-11-22T10:15:40Z', 'carol-4'), JSON.stringify({ sessionId: 'no-time-5' })]),
    write(dir, key(other, '2026-11-22', A), [line('2026-11-22T09:00:00Z', 'bob-1', other)]),
    write(dir, key('eu-west-1', '2026-11-22', A), [line('2026-11-22T08:00:00Z', 'ungoverned-6', 'eu-west-1')]), // not a governed region: not in the table
    write(dir, key(home, '2026-11-21', A), [line('2026-11-21T23:59:00Z', 'before-7')]),
    write(dir, key(home, '2026-11-24', A), [line('2026-11-24T00:01:00Z', 'after-8')]),
  ];
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  await loadTable(connection, dir, keys, 'forwarded_events');
  for (const days of [['2026/11/22', '2026/11/23'], ['2026/11/21', '2026/11/24'], ['2026/11/23', '2026/11/23'], ['2026/11/25', '2026/11/30']]) {
    const want = await query(connection, 'forwarded', days);
    assert.deepStrictEqual(goRows(dir, 'forwarded', days), want, days.join(' to '));
  }
  // sessions -grep's query (operator/coverage/grep.sql): each session once, in no order.
  for (const [expr, days] of [['id$', ['2026/11/22', '2026/11/23']], ['^sh-5\\.2\\$', ['2026/11/21', '2026/11/24']], ['plain log line', ['2026/11/22', '2026/11/23']], ['id', ['2026/11/23', '2026/11/23']], ['(?i)ID', ['2026/11/25', '2026/11/30']]]) {
    const sorted = (rows) => rows.map((r) => r.sessionid).sort();
    assert.deepStrictEqual(sorted(goRows(dir, 'grep', [...days, expr])), sorted(await query(connection, 'grep', [...days, expr])), expr + ' ' + days.join(' to '));
  }
  assert.deepStrictEqual((await query(connection, 'grep', ['2026/11/22', '2026/11/23', 'id$'])).map((r) => r.sessionid).sort(), ['alice-2', 'bob-1', 'carol-4'], 'the cases meant');
  const rows = await query(connection, 'forwarded', ['2026/11/22', '2026/11/23']);
  assert.deepStrictEqual(rows.map((r) => [r.account, r.region, r.sessionid, r.events]), [
    [A, other, 'bob-1', '1'], [A, home, 'bob-1', '3'], [B, home, 'carol-4', '1'], [A, home, 'alice-2', '2'], [A, home, 'mixed-case-3', '1'], [B, home, 'no-time-5', '1'],
  ]);
});

test('the Go reader gives the sessions query\'s rows: a just-in-time session joined to its latest request and approvers, a session\'s own reason, days before the sessions', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sessionaudit-offline-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const node = 'i-02573cafcf0e1a2b3';
  const request = sample('start-access-request-identity-center', '2026-11-22T10:15:30Z');
  const older = sample('start-access-request-iam-user', '2026-11-21T09:00:00Z', (d, e) => {
    e.account = request.account; e.region = request.region; d.requestParameters.targets = [{ key: 'InstanceIds', values: [node] }];
    d.responseElements.accessRequestId = 'oi-000000000001'; e.id = 'older-request';
  });
  const elsewhere = sample('start-access-request-identity-center', '2026-11-22T10:20:00Z', (d, e) => { e.account = '444444444444'; d.responseElements.accessRequestId = 'oi-000000000002'; e.id = 'elsewhere-request'; });
  const deniedRequest = sample('start-access-request-identity-center', '2026-11-22T10:25:00Z', (d, e) => { d.errorCode = 'AccessDenied'; d.responseElements.accessRequestId = 'oi-000000000003'; e.id = 'denied-request'; });
  const approve = sample('send-automation-signal-approve-switched-role', '2026-11-22T10:30:00Z');
  const approve2 = sample('send-automation-signal-approve-identity-center', '2026-11-22T10:31:00Z', (d, e) => {
    d.requestParameters.automationExecutionId = approve.detail.requestParameters.automationExecutionId; e.id = 'second-approver';
  });
  const again = sample('send-automation-signal-approve-switched-role', '2026-11-22T10:32:00Z', (d, e) => { e.id = 'same-approver-again'; });
  const reject = sample('send-automation-signal-reject-switched-role', '2026-11-22T10:33:00Z');
  const status = sample('access-request-status-approved', '2026-11-22T10:40:02Z');
  const jit = sample('start-session-just-in-time', '2026-11-22T10:45:00Z', (d) => { d.requestParameters.target = node; });
  const noRequest = sample('start-session-just-in-time', '2026-11-22T10:50:00Z', (d, e) => { e.id = 'jit-other-node'; d.responseElements.sessionId = 'x-0000000000000000a'; });
  const own = sample('start-session-iam-user', '2026-11-22T11:00:00Z', (d) => { d.requestParameters.reason = 'patching'; });
  const terminate = sample('terminate-session-iam-user', '2026-11-22T11:30:00Z');
  const early = sample('start-session-iam-user', '2026-11-21T08:00:00Z', (d, e) => { e.id = 'before-the-sessions'; });
  const events = [older, request, elsewhere, deniedRequest, approve, approve2, again, reject, status, jit, noRequest, own, terminate, early];
  const seen = new Set();
  for (const e of events) { if (seen.has(e.id)) e.id = e.id + '-' + seen.size; seen.add(e.id); }
  const j = (e) => JSON.stringify(e);
  const byHour = new Map();
  for (const e of events) byHour.set(e.time.slice(0, 13), [...(byHour.get(e.time.slice(0, 13)) || []), j(e)]);
  const keys = [...byHour].map(([hour, lines]) => write(dir, ledgerKey(hour), lines));
  keys.push(write(dir, ledgerKey('2026-11-22T12', 2), ['not json: a foreign line']));
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  await loadTable(connection, dir, keys, 'ledger_events');
  for (const days of [['2026/11/15', '2026/11/23', '2026/11/22'], ['2026/11/15', '2026/11/23', '2026/11/21'], ['2026/11/22', '2026/11/23', '2026/11/22'], ['2026/11/24', '2026/11/30', '2026/11/24']]) {
    const want = await query(connection, 'sessions', days);
    assert.deepStrictEqual(goRows(dir, 'sessions', days), want, days.join(' '));
  }
  // The rows are the cases meant.
  const rows = await query(connection, 'sessions', ['2026/11/15', '2026/11/23', '2026/11/22']);
  const s = rows.find((r) => r.session === jit.detail.responseElements.sessionId);
  assert.deepStrictEqual([s.request, s.requester], [request.detail.responseElements.accessRequestId, request.detail.userIdentity.arn]);
  assert.strictEqual(s.approver, [approve.detail.userIdentity.arn, approve2.detail.userIdentity.arn].sort().join(' '));
  assert.strictEqual(rows.find((r) => r.session === 'x-0000000000000000a').request, null);
  assert.strictEqual(rows.find((r) => r.id === own.id && r.event === 'StartSession').reason, 'patching');
  assert.ok(!rows.some((r) => r.id === 'before-the-sessions'));
});
