// Tests of logprotect.New's own handler (standalone.js with protect.js appended, as shipped).
const test = require('node:test');
const assert = require('node:assert');
const { run } = require('../inlinefn/shipped.js')(require.resolve('./standalone.js'), require.resolve('./protect.js'));

const NAME = 'SessionAudit-LogArchive-LogReceiverDeliveryErrors-abc';

function fakeLogs() {
  const state = { calls: [] };
  state.client = { call: async (op, p) => { state.calls.push([op, p]); return {}; } };
  return state;
}
const event = (RequestType, PhysicalResourceId, ResourceType = 'Custom::LogGroupDeletionProtection') => ({
  RequestType, PhysicalResourceId, ResourceType, ResourceProperties: { LogGroupName: NAME },
});

test('protects the log group on create and lifts it on delete', async () => {
  const logs = fakeLogs();
  const r = await run(event('Create'), logs.client);
  assert.deepStrictEqual(r, { id: NAME, data: { LogGroupName: NAME } });
  await run(event('Delete', NAME), logs.client);
  assert.deepStrictEqual(logs.calls, [
    ['PutLogGroupDeletionProtection', { logGroupIdentifier: NAME, deletionProtectionEnabled: true }],
    ['PutLogGroupDeletionProtection', { logGroupIdentifier: NAME, deletionProtectionEnabled: false }],
  ]);
});

test('refuses other resource types, touching nothing', async () => {
  const logs = fakeLogs();
  await assert.rejects(run(event('Create', undefined, 'Custom::SessionManagerPreferences'), logs.client), /serves no resource type "Custom::SessionManagerPreferences"/);
  assert.deepStrictEqual(logs.calls, []);
});
