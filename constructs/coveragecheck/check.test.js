// Tests of the daily coverage check against a fake Athena, bucket and topic, on the readable
// source and (SHIPPED=1) on the LogArchive template's ZipFile. The comparison runs the cases
// operator/cli's coverage test runs too (testdata/cases.json).
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { run } = require('../inlinefn/shipped.js')(require.resolve('./check.js'));
const shared = require(path.join(__dirname, 'testdata', 'cases.json'));

const LEDGER = ['time', 'account', 'region', 'event', 'session', 'principal', 'target', 'document', 'error', 'id'];
const FORWARDED = ['account', 'region', 'sessionid', 'events', 'first_event', 'last_event'];
const rows = (columns, values) => values.map((v) => Object.fromEntries(columns.map((c, i) => [c, v[i]])));
const settings = (phase = '') => ({ ledgerSQL: 'LEDGER SQL', forwardedSQL: 'FORWARDED SQL', regions: shared.regions, phase, logged: ['SSM-SessionManagerRunShell'], listed: 20, lookBack: 7 });
// The check runs a few minutes after midnight of the day after shared.day.
const now = Date.parse(shared.day + 'T00:00:00Z') + 24 * 3600 * 1000 + 20 * 60 * 1000;

function fake({ ledger = [], forwarded = [], transcripts = [], fails = '' } = {}) {
  const f = {
    queries: [], published: [], markers: new Map(), listed: [],
    async query(sql, params, columns) {
      f.queries.push({ sql, params, columns });
      if (fails) throw new Error(fails);
      return sql === 'LEDGER SQL' ? rows(LEDGER, ledger) : rows(FORWARDED, forwarded);
    },
    async transcript(key) { f.listed.push(key); return transcripts.includes(key); },
    async claim(key, body) { if (f.markers.has(key)) return false; f.markers.set(key, body); return true; },
    async release(key) { f.markers.delete(key); },
    async publish(subject, message) { if (f.publishFails) throw new Error('SNS down'); f.published.push({ subject, message }); },
  };
  return f;
}

for (const tc of shared.cases) {
  test('the comparison, as sessionaudit coverage: ' + tc.name, async () => {
    const f = fake({ ledger: tc.ledger, forwarded: tc.forwarded, transcripts: tc.transcripts });
    const r = await run(now, f, settings(tc.phase));
    const got = r.findings.filter((x) => x.check === tc.check);
    assert.ok(got.length > 0, 'no ' + tc.check + ' finding in ' + JSON.stringify(r.findings));
    assert.strictEqual(got[0].fail, tc.gap, 'gap');
    assert.ok((got[0].cause + ' ' + got[0].message).includes(tc.want), got[0].cause + ' ' + got[0].message + ' lacks ' + tc.want);
    assert.strictEqual(f.published.length, r.findings.some((x) => x.fail) ? 1 : 0, 'messages');
  });
}

test('queries yesterday: the ledger a week back to today, the forwarded output from the day before', async () => {
  const f = fake({ ledger: shared.cases[0].ledger });
  const r = await run(now, f, settings());
  assert.strictEqual(r.day, shared.day);
  assert.deepStrictEqual(f.queries.map((q) => [q.sql, q.params]), [['LEDGER SQL', ['2026/10/26', '2026/11/03']], ['FORWARDED SQL', ['2026/11/01', '2026/11/03']]]);
  assert.deepStrictEqual(f.queries[0].columns, LEDGER.slice(0, 9));
});

test('gaps: one message with the counts by cause, the first sessions and the command', async () => {
  const m = '300000000001';
  const start = (id, doc = '') => ['2026-11-02T10:00:00Z', m, 'us-east-1', 'StartSession', id, 'arn:aws:iam::' + m + ':user/bob', 'i-0123456789abcdef0', doc, '', 'e-' + id];
  const f = fake({
    ledger: [start('s-1'), start('s-2'), start('s-3', 'AWS-StartPortForwardingSession'), start('s-4')],
    forwarded: [[m, 'us-east-1', 's-4', '3', '2026-11-02T10:00:05Z', ''], [m, 'us-east-1', 'forged-1', '5', '2026-11-02T11:00:00Z', '']],
  });
  const r = await run(now, f, { ...settings(), listed: 2 });
  assert.strictEqual(r.sent, 'gaps');
  assert.strictEqual(f.published.length, 1);
  const { subject, message } = f.published[0];
  assert.strictEqual(subject, '[sessionaudit] coverage of 2026-11-02: 3 session(s) without a record, 1 forged output');
  assert.ok(subject.length <= 100);
  assert.match(message, /^sessionaudit daily coverage of 2026-11-02 \(UTC\): 3 session\(s\) without a record, 1 forged output\.\n/);
  assert.match(message, /\n {2}2 {2}no output after start\n/);
  assert.match(message, /\n {2}1 {2}unlogged document\n/);
  assert.match(message, /\n {2}1 {2}output the ledger never saw start \(forged\)\n/);
  assert.match(message, /Also \(not gaps\): 1 warning\(s\): transcript never uploaded\./);
  assert.match(message, /The first 2 of 4:\n {2}s-1 {2}300000000001 us-east-1 {2}no output after start: StartSession by arn:aws:iam::300000000001:user\/bob at 2026-11-02T10:00:00Z on i-0123456789abcdef0: nothing in the archive\n {2}s-2 /);
  assert.doesNotMatch(message, /s-3 {2}/, 'only the first 2 listed');
  assert.match(message, /\n {2}sessionaudit coverage -from 2026-11-02 -to 2026-11-02\n/);
  assert.deepStrictEqual([...f.markers], [['2026-11-02', 'gaps\n']]);
});

test('no gaps: no message and no marker', async () => {
  const c = shared.cases.find((x) => x.name === 'healthy');
  const f = fake({ ledger: c.ledger, forwarded: c.forwarded, transcripts: c.transcripts });
  const r = await run(now, f, settings());
  assert.strictEqual(r.sent, null);
  assert.deepStrictEqual(f.published, []);
  assert.strictEqual(f.markers.size, 0);
});

test('the empty ledger: a message saying it cannot tell', async () => {
  const f = fake();
  const r = await run(now, f, settings());
  assert.strictEqual(r.sent, 'gaps');
  assert.strictEqual(f.published.length, 1);
  assert.strictEqual(f.published[0].subject, '[sessionaudit] coverage of 2026-11-02: the ledger is empty');
  assert.match(f.published[0].message, /coverage cannot tell whether any session went unrecorded/);
  assert.match(f.published[0].message, /\n {2}1 {2}the ledger is empty: cannot tell\n/);
});

test('a query that fails: a message saying coverage could not run, and the function fails', async () => {
  const f = fake({ fails: 'query q-1 FAILED: Access denied' });
  await assert.rejects(run(now, f, settings()), /coverage of 2026-11-02 could not run \(announced\): query q-1 FAILED: Access denied/);
  assert.strictEqual(f.published.length, 1);
  assert.strictEqual(f.published[0].subject, '[sessionaudit] coverage of 2026-11-02: could not run');
  assert.match(f.published[0].message, /could not run: query q-1 FAILED: Access denied\n\nNothing is known of the day's sessions: this is not an all-clear\./);
  assert.match(f.published[0].message, /sessionaudit coverage -from 2026-11-02 -to 2026-11-02/);
  // The retry of the failed invocation fails again, without a second message.
  await assert.rejects(run(now, f, settings()), /could not run \(announced before\)/);
  assert.strictEqual(f.published.length, 1);
});

test('a second run of the same day sends no second message', async () => {
  const f = fake();
  assert.strictEqual((await run(now, f, settings())).sent, 'gaps');
  const again = await run(now + 3600 * 1000, f, settings());
  assert.deepStrictEqual([again.sent, again.already], [null, true]);
  assert.strictEqual(f.published.length, 1);
  // The next day is a day of its own.
  assert.strictEqual((await run(now + 24 * 3600 * 1000, f, settings())).sent, 'gaps');
  assert.strictEqual(f.published.length, 2);
});

test('a publish that fails gives the day back, so that the retry announces it', async () => {
  const f = fake();
  f.publishFails = true;
  await assert.rejects(run(now, f, settings()), /SNS down/);
  assert.strictEqual(f.markers.size, 0);
  f.publishFails = false;
  assert.strictEqual((await run(now, f, settings())).sent, 'gaps');
  assert.strictEqual(f.published.length, 1);
});
