// Tests of the Custom::LogGroupDeletionProtection handler piece against a fake CloudWatch Logs.
// Run with: node --test (make test-js runs every *.test.js under constructs/, and again with SHIPPED=1).
const test = require('node:test');
const assert = require('node:assert');
const { logGroupProtection } = require('../inlinefn/shipped.js')(require.resolve('./protect.js'));

const NAME = 'session-manager-log-111111111111';

// fakeLogs keeps the deletion protection of the log groups that exist and records every call.
// CloudWatch Logs' error shape: name set.
function fakeLogs(groups) {
  const state = { protection: { ...groups }, calls: [] };
  const fail = (name) => Object.assign(new Error(name), { name });
  state.client = {
    call: async (op, p) => {
      state.calls.push([op, p]);
      if (state.error) throw fail(state.error);
      assert.strictEqual(op, 'PutLogGroupDeletionProtection');
      assert.strictEqual(typeof p.deletionProtectionEnabled, 'boolean');
      if (!(p.logGroupIdentifier in state.protection)) throw fail('ResourceNotFoundException');
      state.protection[p.logGroupIdentifier] = p.deletionProtectionEnabled;
      return {};
    },
  };
  return state;
}

const event = (RequestType, PhysicalResourceId, name = NAME) => ({
  RequestType, PhysicalResourceId, ResourceType: 'Custom::LogGroupDeletionProtection', ResourceProperties: { LogGroupName: name },
});

test('create turns protection on; the rollback of the create turns it off again', async () => {
  const logs = fakeLogs({ [NAME]: false });
  const r = await logGroupProtection(event('Create'), logs.client);
  assert.deepStrictEqual(r, { id: NAME, data: { LogGroupName: NAME } });
  assert.strictEqual(logs.protection[NAME], true);
  await logGroupProtection(event('Delete', r.id), logs.client);
  assert.strictEqual(logs.protection[NAME], false, 'CloudFormation can delete the log group next');
});

test('update keeps protection on (and turns it on for a log group that lost it)', async () => {
  const logs = fakeLogs({ [NAME]: false });
  const r = await logGroupProtection(event('Update', NAME), logs.client);
  assert.strictEqual(r.id, NAME);
  assert.strictEqual(logs.protection[NAME], true);
});

test('delete of a log group that is already gone is not an error', async () => {
  const logs = fakeLogs({});
  assert.deepStrictEqual(await logGroupProtection(event('Delete', NAME), logs.client), { id: NAME });
});

test('delete after a failed create touches nothing', async () => {
  const logs = fakeLogs({ [NAME]: true });
  await logGroupProtection(event('Delete', 'failed-1234'), logs.client);
  assert.deepStrictEqual(logs.calls, []);
  assert.strictEqual(logs.protection[NAME], true);
});

test('errors fail the resource: a missing log group on create, access denied on delete, no name', async () => {
  await assert.rejects(logGroupProtection(event('Create'), fakeLogs({}).client), /ResourceNotFoundException/);
  const denied = fakeLogs({ [NAME]: true });
  denied.error = 'AccessDeniedException';
  await assert.rejects(logGroupProtection(event('Delete', NAME), denied.client), /AccessDeniedException/);
  await assert.rejects(logGroupProtection(event('Create', undefined, ''), fakeLogs({}).client), /needs the property LogGroupName/);
});
