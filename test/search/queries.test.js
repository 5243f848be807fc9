// The archive search's saved queries, run on sample objects laid out exactly as the shipped code
// lays them out, with DuckDB (@duckdb/node-api) as the embedded SQL engine. Everything comes from
// the golden SessionAudit-LogArchive template (which the Go tests keep equal to the synthesized
// one): the record processor's inline code turns CloudWatch Logs batches of Session Manager
// events (the agent's streaming format) into records and partition keys; the objects are named by
// the Firehose stream's Prefix; the table is read by its Glue definition (columns, partition
// projection, storage.location.template); the queries are the NamedQuery resources.
//
// What the harness stands in for, and what it does not cover:
// - Partition projection: an object is visible only under a location the template and the
//   projection's values produce (region in the enum, day in the date format); its partition values
//   come from that location. Objects elsewhere are invisible, as in Athena.
// - The JSON SerDe (org.openx.data.jsonserde.JsonSerDe): keys are matched case-insensitively (it
//   lowercases them), a malformed line is a row of NULLs (ignore.malformed.json).
// - Dialect: Athena engine 3 is Trino; the only function that differs in these queries is
//   regexp_like, which DuckDB calls regexp_matches (both find a match anywhere in the string; Trino
//   uses Java regular expressions, DuckDB RE2: the patterns used here mean the same in both), and
//   json_extract_scalar, which DuckDB calls json_extract_string (the same for the scalar paths the
//   queries read; Trino returns NULL for an object there, DuckDB its JSON).
//   Query parameters ("?") are bound as in Athena's ExecutionParameters. Athena's own planning
//   (pruning, the bytes-scanned limit) is not covered.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const zlib = require('node:zlib');
const { DuckDBInstance } = require('@duckdb/node-api');
const { root, resources, cfg, loadTable, queries, run, markdown } = require('./harness');

// The shipped record processor (the stripped inline code of the template).
function shippedProcessor() {
  const [, fn] = resources('AWS::Lambda::Function').find(([id]) => id.startsWith('LogReceiverProcessor'));
  const module = { exports: {} };
  new Function('require', 'exports', 'module', fn.Properties.Code.ZipFile)(require, module.exports, module);
  return module.exports.handler;
}

// The Firehose Prefix of a source region's stream, as deployed.
function firehosePrefix(region) {
  const [, s] = resources('AWS::KinesisFirehose::DeliveryStream').find(([, r]) => r.Properties.DeliveryStreamName.endsWith(region));
  return s.Properties.ExtendedS3DestinationConfiguration.Prefix;
}

// Session Manager events as the SSM agent streams them to CloudWatch Logs (amazon-ssm-agent,
// cloudwatchlogsservice.go): eventVersion, eventTime, awsRegion, target.id, userIdentity.arn,
// runAsUser, sessionId, sessionData.
const ALICE = (account) => `arn:aws:sts::${account}:assumed-role/AWSReservedSSO_AdministratorAccess_0123456789abcdef/alice@example.com`;
const sm = (account, region, time, instance, arn, session, lines) => ({
  account, region, time,
  message: JSON.stringify({ eventVersion: '1.0', eventTime: time, awsRegion: region, target: { id: instance }, userIdentity: { arn }, runAsUser: 'ssm-user', sessionId: session, sessionData: lines }),
});
const [A, B] = ['333333333333', '444444444444'];
const [HOME, OTHER] = [cfg.homeRegion, cfg.regions.find((r) => r !== cfg.homeRegion)];
const events = [
  sm(A, HOME, '2026-11-22T10:15:30Z', 'i-0123456789abcdef0', ALICE(A), 'alice@example.com-0a1b2c3d4e5f60001', ['sh-5.2$ sudo cat /etc/shadow', 'root:*:19000:0:99999:7:::']),
  sm(A, HOME, '2026-11-22T10:16:00Z', 'i-0123456789abcdef0', ALICE(A), 'alice@example.com-0a1b2c3d4e5f60001', ['sh-5.2$ exit']),
  sm(B, OTHER, '2026-11-23T09:00:00Z', 'i-0fedcba9876543210', `arn:aws:iam::${B}:user/bob`, 'bob-0a1b2c3d4e5f60002', ['sh-5.2$ ls /tmp']),
  sm(B, OTHER, '2026-11-25T12:00:00Z', 'i-0fedcba9876543210', ALICE(B), 'alice@example.com-0a1b2c3d4e5f60003', ['sh-5.2$ sudo passwd ec2-user', 'Changing password for user ec2-user.']),
  sm(A, HOME, '2026-10-01T08:00:00Z', 'i-0123456789abcdef0', `arn:aws:sts::${A}:assumed-role/OpsAdmin/carol`, 'carol-0a1b2c3d4e5f60004', ['sh-5.2$ sudo passwd root']),
  // What an extra forwarder sends through the same destination: a CloudTrail record, a text line.
  { account: A, region: HOME, time: '2026-11-22T11:00:00Z', message: JSON.stringify({ eventVersion: '1.09', eventName: 'ConsoleLogin', userIdentity: { type: 'IAMUser', arn: `arn:aws:iam::${A}:user/bob` } }) },
  { account: A, region: HOME, time: '2026-11-22T11:00:01Z', message: 'not json: a plain log line' },
];

// Objects as Firehose writes them: one CloudWatch Logs batch per account, region and day through
// the shipped processor, then the records of each partition in one GZIP object under the Prefix.
async function writeObjects(dir) {
  const processor = shippedProcessor();
  const batches = new Map();
  for (const e of events) {
    const k = [e.account, e.region, e.time.slice(0, 10)].join(' ');
    batches.set(k, [...(batches.get(k) || []), e]);
  }
  const keys = [];
  for (const [k, es] of batches) {
    const [account, region, day] = k.split(' ');
    const envelope = {
      messageType: 'DATA_MESSAGE', owner: account, logGroup: `session-manager-log-${account}`, logStream: 'i-0123456789abcdef0', subscriptionFilters: ['session-audit'],
      logEvents: es.map((e, i) => ({ id: String(i), timestamp: Date.parse(e.time), message: e.message })),
    };
    const out = await processor({ records: [{ recordId: '1', data: zlib.gzipSync(JSON.stringify(envelope)).toString('base64') }] });
    const [r] = out.records;
    assert.strictEqual(r.result, 'Ok');
    const [yyyy, MM, dd] = day.split('-');
    const prefix = firehosePrefix(region).replace('!{timestamp:yyyy}', yyyy).replace('!{timestamp:MM}', MM).replace('!{timestamp:dd}', dd)
      .replace(/!\{partitionKeyFromLambda:(\w+)\}/, (_, key) => r.metadata.partitionKeys[key]);
    const key = `${prefix}session-audit-${region}-1-${day}-00-00-00-${account}.json.gz`;
    fs.mkdirSync(path.join(dir, path.dirname(key)), { recursive: true });
    fs.writeFileSync(path.join(dir, key), zlib.gzipSync(Buffer.from(r.data, 'base64')));
    keys.push(key);
  }
  return keys;
}

const NOV = ['2026/11/01', '2026/11/30'];
const expected = {
  'sessionaudit: sessions of one person': {
    params: [...NOV, '%/alice@example.com'],
    rows: [
      { account: A, region: HOME, sessionid: 'alice@example.com-0a1b2c3d4e5f60001', instance: 'i-0123456789abcdef0', principal: ALICE(A), first_event: '2026-11-22T10:15:30Z', last_event: '2026-11-22T10:16:00Z', events: '2' },
      { account: B, region: OTHER, sessionid: 'alice@example.com-0a1b2c3d4e5f60003', instance: 'i-0fedcba9876543210', principal: ALICE(B), first_event: '2026-11-25T12:00:00Z', last_event: '2026-11-25T12:00:00Z', events: '1' },
    ],
  },
  'sessionaudit: output lines matching a pattern': {
    params: [...NOV, 'sudo .*passwd'],
    rows: [
      { account: B, region: OTHER, eventtime: '2026-11-25T12:00:00Z', sessionid: 'alice@example.com-0a1b2c3d4e5f60003', principal: ALICE(B), instance: 'i-0fedcba9876543210', line: 'sh-5.2$ sudo passwd ec2-user' },
    ],
  },
  'sessionaudit: sessions on one instance': {
    params: [...NOV, 'i-0123456789abcdef0'],
    rows: [
      { account: A, region: HOME, sessionid: 'alice@example.com-0a1b2c3d4e5f60001', principal: ALICE(A), runasuser: 'ssm-user', first_event: '2026-11-22T10:15:30Z', last_event: '2026-11-22T10:16:00Z' },
    ],
  },
  'sessionaudit: sessions per account per day': {
    params: NOV,
    rows: [
      { day: '2026/11/22', account: A, sessions: '1', principals: '1' },
      { day: '2026/11/23', account: B, sessions: '1', principals: '1' },
      { day: '2026/11/25', account: B, sessions: '1', principals: '1' },
    ],
  },
};

test('the saved queries answer the auditor\'s questions on objects laid out as Firehose writes them', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sessionaudit-search-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const keys = await writeObjects(dir);
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const rows = await loadTable(connection, dir, keys, 'forwarded_events');
  assert.strictEqual(rows, events.length, 'every forwarded line is a row (the text line as NULLs)');
  const forwarded = Object.keys(queries).filter((name) => /\bFROM forwarded_events\b/.test(queries[name])); // the ledger's: ledger.test.js
  assert.deepStrictEqual(forwarded.sort(), Object.keys(expected).sort());
  const readme = fs.readFileSync(path.join(root, 'docs', 'search.md'), 'utf8');
  for (const [name, want] of Object.entries(expected)) {
    const got = await run(connection, name, want.params);
    assert.deepStrictEqual(got, want.rows, name);
    assert.ok(readme.includes(markdown(got)), `docs/search.md lacks the sample result of "${name}":\n${markdown(got)}`);
    assert.ok(readme.includes(queries[name]), `docs/search.md lacks the query "${name}"`);
  }
});

test('an object outside the projected partitions is not found', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sessionaudit-search-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const keys = await writeObjects(dir);
  // The same objects under a region the config does not govern, and in the old account-first layout.
  const moved = keys.map((k) => k.replace(`/${HOME}/`, '/eu-west-3/').replace(`/${OTHER}/`, '/eu-west-3/'));
  const old = keys.map((k) => k.replace(/^cloudwatch\/([^/]+)\/(\d{4}\/\d{2}\/\d{2})\/(\d{12})\//, 'cloudwatch/$3/$1/$2/'));
  for (const [from, to] of [...keys.map((k, i) => [k, moved[i]]), ...keys.map((k, i) => [k, old[i]])]) {
    fs.mkdirSync(path.join(dir, path.dirname(to)), { recursive: true });
    fs.copyFileSync(path.join(dir, from), path.join(dir, to));
  }
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  assert.strictEqual(await loadTable(connection, dir, [...moved, ...old], 'forwarded_events'), 0);
});
