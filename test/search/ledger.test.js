// The ledger's saved query, run on sample objects laid out exactly as the ledger's Firehose stream
// writes them, with DuckDB (harness.js; what the harness stands in for: queries.test.js). The
// events are the inbox's CloudTrail sample events (constructs/loginnotifier/testdata/events) as
// EventBridge delivers them to the stream: one JSON event per record, a newline appended
// (AppendDelimiterToRecord), the records of an hour in one GZIP object under the stream's Prefix.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { DuckDBInstance } = require('@duckdb/node-api');
const { root, resources, loadTable, queries, run, markdown } = require('./harness');

const WAYS_IN = 'sessionaudit: ways in for a period';
const samples = path.join(root, 'constructs', 'loginnotifier', 'testdata', 'events');
const sample = (name, time) => ({ ...JSON.parse(fs.readFileSync(path.join(samples, name + '.json'), 'utf8')), time });

// Access events of several kinds, denied attempts among them, over three days and one in October.
const events = [
  sample('start-session-iam-user', '2026-11-22T10:15:30Z'),
  sample('start-session-denied-switched-role', '2026-11-22T10:20:00Z'),
  sample('send-ssh-public-key-denied-switched-role', '2026-11-23T09:00:00Z'),
  sample('execute-command-identity-center', '2026-11-23T23:59:59Z'),
  sample('console-login-root-success', '2026-11-25T08:00:00Z'),
  sample('access-request-status-approved', '2026-11-25T08:05:00Z'),
  sample('start-connection-iam-user', '2026-10-01T08:00:00Z'),
];

// The ledger stream's Prefix, as deployed.
function ledgerPrefix() {
  const [, s] = resources('AWS::KinesisFirehose::DeliveryStream').find(([, r]) => r.Properties.ExtendedS3DestinationConfiguration.Prefix.startsWith('ledger/'));
  return s.Properties.ExtendedS3DestinationConfiguration;
}

// Objects as Firehose writes them: the events of each arrival hour in one GZIP object, one per line.
function writeObjects(dir) {
  const s3 = ledgerPrefix();
  assert.ok(s3.ProcessingConfiguration.Processors.some((p) => p.Type === 'AppendDelimiterToRecord'), 'records are not one per line');
  const hours = new Map();
  for (const e of events) hours.set(e.time.slice(0, 13), [...(hours.get(e.time.slice(0, 13)) || []), e]);
  const keys = [];
  for (const [hour, es] of hours) {
    const [yyyy, MM, dd, HH] = hour.split(/[-T]/);
    const prefix = s3.Prefix.replace('!{timestamp:yyyy}', yyyy).replace('!{timestamp:MM}', MM).replace('!{timestamp:dd}', dd).replace('!{timestamp:HH}', HH);
    assert.ok(!prefix.includes('!{'), 'unresolved expression in ' + prefix);
    const key = `${prefix}session-audit-ledger-1-${yyyy}-${MM}-${dd}-${HH}-00-00-0a1b2c3d${s3.FileExtension}`;
    fs.mkdirSync(path.join(dir, path.dirname(key)), { recursive: true });
    fs.writeFileSync(path.join(dir, key), zlib.gzipSync(es.map((e) => JSON.stringify(e) + '\n').join('')));
    keys.push(key);
  }
  return keys;
}

// What the query should say of an event, read from the event itself (not from SQL).
const row = (e) => ({
  time: e.time, account: e.account, region: e.region, source: e.source, detail_type: e['detail-type'],
  event: e.detail.eventName || e['detail-type'],
  principal: (e.detail.userIdentity && e.detail.userIdentity.arn) || null,
  error: e.detail.errorCode || null, id: e.id,
});

test('the ledger query lists every way in of a period, denied attempts included, from objects laid out as the ledger stream writes them', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sessionaudit-ledger-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const keys = writeObjects(dir);
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  assert.strictEqual(await loadTable(connection, dir, keys, 'ledger_events'), events.length, 'every event is a row');
  const ledgerQueries = Object.keys(queries).filter((name) => /\bFROM ledger_events\b/.test(queries[name]));
  assert.deepStrictEqual(ledgerQueries, [WAYS_IN]);

  const got = await run(connection, WAYS_IN, ['2026/11/22', '2026/11/23']);
  const want = events.filter((e) => e.time >= '2026-11-22' && e.time < '2026-11-24').map(row);
  assert.strictEqual(want.length, 4);
  assert.deepStrictEqual(got, want);
  assert.ok(got.some((r) => r.error) && got.some((r) => r.source === 'aws.ecs'), 'denied attempts and the other ways are listed');
  // The hour folders below a day are read; the other days are not.
  assert.deepStrictEqual((await run(connection, WAYS_IN, ['2026/11/25', '2026/11/25'])).map((r) => r.event), ['ConsoleLogin', 'Requester Access Request Status Update']);
  assert.deepStrictEqual(await run(connection, WAYS_IN, ['2026/11/24', '2026/11/24']), []);

  if (process.env.PRINT_MARKDOWN) console.log(markdown(got));
  const readme = fs.readFileSync(path.join(root, 'docs', 'search.md'), 'utf8');
  assert.ok(readme.includes(queries[WAYS_IN]), 'docs/search.md lacks the query "' + WAYS_IN + '"');
  assert.ok(readme.includes(markdown(got)), `docs/search.md lacks the sample result of "${WAYS_IN}":\n${markdown(got)}`);
});

test('a ledger object outside the ledger prefix or the projected days is not found', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sessionaudit-ledger-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const keys = writeObjects(dir);
  const moved = keys.flatMap((k) => [k.replace(/^ledger\//, 'ledger-errors/'), k.replace(/^ledger\/(\d{4})\/(\d{2})\/(\d{2})\//, 'ledger/$1-$2-$3/')]);
  for (const [i, to] of moved.entries()) {
    fs.mkdirSync(path.join(dir, path.dirname(to)), { recursive: true });
    fs.copyFileSync(path.join(dir, keys[Math.floor(i / 2)]), path.join(dir, to));
  }
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  assert.strictEqual(await loadTable(connection, dir, moved, 'ledger_events'), 0);
});
