// Tests of the Firehose record processor with records shaped like CloudWatch Logs subscription data.
const test = require('node:test');
const assert = require('node:assert');
const zlib = require('node:zlib');
const { handler } = require('../inlinefn/shipped.js')(require.resolve('./processor.js'));

const record = (id, envelope) => ({ recordId: id, data: zlib.gzipSync(Buffer.from(JSON.stringify(envelope))).toString('base64') });
const decode = (r) => Buffer.from(r.data, 'base64').toString('utf8');

const session = { eventVersion: '1.0', eventTime: '2026-11-22T10:00:00Z', sessionId: 'alice-0123456789abcdef0', target: { id: 'i-0123456789abcdef0' }, sessionData: ['$ whoami', 'ec2-user'] };

test('extracts every message as one line and partitions by source account', async () => {
  const out = await handler({ records: [record('1', {
    messageType: 'DATA_MESSAGE', owner: '333333333333', logGroup: 'session-manager-log-333333333333', logStream: 'alice-0123456789abcdef0',
    subscriptionFilters: ['session-audit'], logEvents: [
      { id: 'a', timestamp: 1, message: JSON.stringify(session) },
      { id: 'b', timestamp: 2, message: '{"eventName":"ConsoleLogin"}\n' },
    ],
  })] });
  assert.strictEqual(out.records.length, 1);
  const r = out.records[0];
  assert.strictEqual(r.result, 'Ok');
  assert.strictEqual(r.recordId, '1');
  assert.deepStrictEqual(r.metadata, { partitionKeys: { account: '333333333333' } });
  const lines = decode(r).split('\n');
  assert.deepStrictEqual(lines, [JSON.stringify(session), '{"eventName":"ConsoleLogin"}', '']);
  assert.deepStrictEqual(JSON.parse(lines[0]), session, 'records are readable JSON, not an escaped envelope');
});

test('drops control messages', async () => {
  const out = await handler({ records: [record('c', { messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logEvents: [{ message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }] })] });
  assert.strictEqual(out.records[0].result, 'Dropped');
});

test('fails records that are not gzip JSON or have no valid owner, keeping the original data', async () => {
  const garbage = { recordId: 'g', data: Buffer.from('not gzip').toString('base64') };
  const noOwner = record('o', { messageType: 'DATA_MESSAGE', owner: '../../etc', logEvents: [] });
  const out = await handler({ records: [garbage, noOwner] });
  for (const [i, r] of out.records.entries()) {
    assert.strictEqual(r.result, 'ProcessingFailed');
    assert.strictEqual(r.data, [garbage, noOwner][i].data);
    assert.strictEqual(r.metadata, undefined);
  }
});

test('keeps the order and ids of a mixed batch', async () => {
  const ok = record('1', { messageType: 'DATA_MESSAGE', owner: '444444444444', logEvents: [{ message: 'x' }] });
  const ctl = record('2', { messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logEvents: [] });
  const out = await handler({ records: [ok, ctl] });
  assert.deepStrictEqual(out.records.map((r) => [r.recordId, r.result]), [['1', 'Ok'], ['2', 'Dropped']]);
  assert.strictEqual(decode(out.records[0]), 'x\n');
});
