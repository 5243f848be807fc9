// Tests of the Custom::KeyLookup handler against a fake KMS.
const test = require('node:test');
const assert = require('node:assert');
const { run } = require('../inlinefn/shipped.js')(require.resolve('./handler.js'));

const ALIAS = 'arn:aws:kms:us-east-1:222222222222:alias/session-audit';
const KEY = 'arn:aws:kms:us-east-1:222222222222:key/mrk-1234abcd';
const kms = (meta) => ({ asked: [], async describeKey(arn) { this.asked.push(arn); if (meta instanceof Error) throw meta; return meta; } });

test('resolves the alias to the key ARN and ID', async () => {
  const k = kms({ Arn: KEY, KeyId: 'mrk-1234abcd', KeyState: 'Enabled' });
  for (const type of ['Create', 'Update']) {
    const r = await run({ RequestType: type, ResourceProperties: { AliasArn: ALIAS } }, k);
    assert.deepStrictEqual(r, { id: KEY, data: { Arn: KEY, KeyId: 'mrk-1234abcd' } });
  }
  assert.deepStrictEqual(k.asked, [ALIAS, ALIAS]);
});

test('delete does not call KMS', async () => {
  const k = kms(new Error('must not be called'));
  assert.deepStrictEqual(await run({ RequestType: 'Delete', PhysicalResourceId: KEY }, k), { id: KEY });
});

test('rejects a bad alias ARN, a key being deleted, and KMS errors', async () => {
  await assert.rejects(run({ RequestType: 'Create', ResourceProperties: { AliasArn: 'alias/session-audit' } }, kms({})), /must be a KMS alias ARN/);
  await assert.rejects(run({ RequestType: 'Create', ResourceProperties: { AliasArn: ALIAS } }, kms({ Arn: KEY, KeyState: 'PendingDeletion' })), /PendingDeletion/);
  await assert.rejects(run({ RequestType: 'Create', ResourceProperties: { AliasArn: ALIAS } }, kms(new Error('NotFoundException: Alias not found'))), /NotFoundException/);
});
