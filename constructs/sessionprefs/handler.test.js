// Tests of the SessionPreferences handler: Custom::SessionManagerPreferences against a fake SSM,
// Custom::RdpRecordingPreferences against a fake GUI Connect, and the dispatch on ResourceType.
// Run with: node --test (make test runs every *.test.js under constructs/).
const test = require('node:test');
const assert = require('node:assert');
const { run } = require('../inlinefn/shipped.js')(require.resolve('./handler.js'), require.resolve('../logprotect/protect.js'));

const NAME = 'SSM-SessionManagerRunShell';
const content = (idle) => JSON.stringify({ schemaVersion: '1.0', sessionType: 'Standard_Stream', inputs: { idleSessionTimeout: String(idle) } });

// An AWS error as the SDK throws it (its name set), and a fake client over ops that records every
// call and fails the operation state.error names.
const fail = (name) => Object.assign(new Error(name), { name });
function withClient(state, ops) {
  state.client = {
    call: async (op, p) => {
      state.calls.push(op);
      if (state.error && state.error.op === op) throw fail(state.error.name);
      return ops[op](p);
    },
  };
  return state;
}

// fakeSSM keeps versions of one document and records every call. SSM's error shapes: name set.
function fakeSSM(initial) {
  const state = { versions: initial ? initial.versions.slice() : null, def: initial ? initial.def : null, calls: [] };
  const latest = () => String(state.versions.length);
  const ops = {
    DescribeDocument: () => {
      if (!state.versions) throw fail('InvalidDocument');
      return { Document: { Name: NAME, DefaultVersion: state.def, LatestVersion: latest() } };
    },
    CreateDocument: (p) => { state.versions = [p.Content]; state.def = '1'; return {}; },
    UpdateDocument: (p) => {
      assert.strictEqual(p.DocumentVersion, '$LATEST');
      if (JSON.stringify(JSON.parse(state.versions[state.versions.length - 1])) === JSON.stringify(JSON.parse(p.Content))) throw fail('DuplicateDocumentContent');
      state.versions.push(p.Content);
      return { DocumentDescription: { DocumentVersion: latest() } };
    },
    UpdateDocumentDefaultVersion: (p) => {
      if (!state.versions) throw fail('InvalidDocument');
      if (!state.versions[Number(p.DocumentVersion) - 1]) throw fail('InvalidDocumentVersion');
      state.def = p.DocumentVersion;
      return {};
    },
    ListDocumentVersions: () => ({ DocumentVersions: state.versions.map((_, i) => ({ DocumentVersion: String(i + 1) })) }),
    GetDocument: (p) => ({ Content: state.versions[Number(p.DocumentVersion) - 1] }),
    DeleteDocument: () => { if (!state.versions) throw fail('InvalidDocument'); state.versions = null; state.def = null; return {}; },
  };
  return withClient(state, ops);
}

const event = (RequestType, idle, PhysicalResourceId) => ({ RequestType, PhysicalResourceId, ResourceType: 'Custom::SessionManagerPreferences', ResourceProperties: { Name: NAME, Content: content(idle) } });

test('creates the document when there is none, and deletes it on delete', async () => {
  const ssm = fakeSSM();
  const r = await run(event('Create', 20), { ssm: ssm.client });
  assert.deepStrictEqual(r, { id: NAME + '#created', data: { Version: '1', Changed: '{"idleSessionTimeout":[null,"20"]}' } });
  assert.strictEqual(ssm.versions[0], content(20));
  await run(event('Delete', 20, r.id), { ssm: ssm.client });
  assert.strictEqual(ssm.versions, null, 'document deleted: the service defaults apply again');
});

test('updates an existing document, promotes the new version, and restores the old default on delete', async () => {
  const ssm = fakeSSM({ versions: [content(5), content(7)], def: '1' });
  const r = await run(event('Create', 20), { ssm: ssm.client });
  assert.deepStrictEqual(r, { id: NAME + '#v1', data: { Version: '3', Changed: '{"idleSessionTimeout":["5","20"]}' } });
  assert.strictEqual(ssm.def, '3');
  assert.strictEqual(ssm.versions[2], content(20));
  await run(event('Delete', 20, r.id), { ssm: ssm.client });
  assert.strictEqual(ssm.def, '1', 'the default found at create time is restored');
});

test('a stack update keeps the version found at create time for the restore', async () => {
  const ssm = fakeSSM({ versions: [content(5)], def: '1' });
  const created = await run(event('Create', 20), { ssm: ssm.client });
  const updated = await run(event('Update', 30, created.id), { ssm: ssm.client });
  assert.strictEqual(updated.id, NAME + '#v1');
  assert.strictEqual(ssm.def, '3');
  const createdByUs = fakeSSM();
  const c = await run(event('Create', 20), { ssm: createdByUs.client });
  const u = await run(event('Update', 30, c.id), { ssm: createdByUs.client });
  assert.strictEqual(u.id, NAME + '#created');
  assert.strictEqual(createdByUs.def, '2');
});

test('duplicate content is success and the matching version becomes the default', async () => {
  const ssm = fakeSSM({ versions: [content(20), content(5)], def: '2' });
  ssm.versions.push(content(20)); // latest (3) equals the new content
  const r = await run(event('Create', 20), { ssm: ssm.client });
  assert.strictEqual(r.data.Version, '3');
  assert.strictEqual(ssm.def, '3');
});

test('duplicate content that is already the default changes nothing', async () => {
  const ssm = fakeSSM({ versions: [content(20)], def: '1' });
  const r = await run(event('Create', 20), { ssm: ssm.client });
  assert.deepStrictEqual(r, { id: NAME + '#v1', data: { Version: '1', Changed: '{}' } });
  assert.ok(!ssm.calls.includes('UpdateDocumentDefaultVersion'));
});

// A team's customized document: run-as, shell profiles, limits and an S3 bucket of its own.
const customized = JSON.stringify({
  schemaVersion: '1.0', description: 'team settings', sessionType: 'Standard_Stream',
  inputs: {
    s3BucketName: 'team-bucket', s3KeyPrefix: 'team/', s3EncryptionEnabled: false, cloudWatchLogGroupName: '', cloudWatchEncryptionEnabled: false,
    idleSessionTimeout: '15', maxSessionDuration: '120', runAsEnabled: true, runAsDefaultUser: 'ec2-user',
    shellProfile: { linux: 'exec bash -l', windows: '' },
  },
});
// What sessionaudit governs with a configuration that sets no limits, run-as or shell profile.
const governed = (extra = {}) => JSON.stringify({
  schemaVersion: '1.0', description: 'Session Manager preferences managed by sessionaudit', sessionType: 'Standard_Stream',
  inputs: { cloudWatchLogGroupName: 'session-manager-log-1', cloudWatchEncryptionEnabled: true, cloudWatchStreamingEnabled: true, kmsKeyId: 'k', ...extra },
});
const governedEvent = (RequestType, c, PhysicalResourceId, OldContent) => ({
  RequestType, PhysicalResourceId, ResourceType: 'Custom::SessionManagerPreferences',
  ResourceProperties: { Name: NAME, Content: c }, ...(OldContent ? { OldResourceProperties: { Name: NAME, Content: OldContent } } : {}),
});

test('adopts a customized document: keeps what sessionaudit does not govern, records what it changed, restores it on delete', async () => {
  const ssm = fakeSSM({ versions: [customized], def: '1' });
  const r = await run(governedEvent('Create', governed()), { ssm: ssm.client });
  assert.strictEqual(r.id, NAME + '#v1');
  const inputs = JSON.parse(ssm.versions[1]).inputs;
  // Kept: run-as, the shell profile, both limits and the team's own bucket (no S3 input is governed here).
  assert.strictEqual(inputs.runAsEnabled, true);
  assert.strictEqual(inputs.runAsDefaultUser, 'ec2-user');
  assert.deepStrictEqual(inputs.shellProfile, { linux: 'exec bash -l', windows: '' });
  assert.strictEqual(inputs.idleSessionTimeout, '15');
  assert.strictEqual(inputs.maxSessionDuration, '120');
  assert.strictEqual(inputs.s3BucketName, 'team-bucket');
  // Governed: logging.
  assert.strictEqual(inputs.cloudWatchLogGroupName, 'session-manager-log-1');
  assert.strictEqual(inputs.cloudWatchEncryptionEnabled, true);
  assert.deepStrictEqual(JSON.parse(r.data.Changed), {
    cloudWatchLogGroupName: ['', 'session-manager-log-1'], cloudWatchEncryptionEnabled: [false, true],
    cloudWatchStreamingEnabled: [null, true], kmsKeyId: [null, 'k'],
  });
  await run(governedEvent('Delete', governed(), r.id), { ssm: ssm.client });
  assert.strictEqual(ssm.def, '1', 'the team\'s own version is the default again');
  assert.strictEqual(ssm.versions[0], customized, 'and it is unchanged');
});

test('configured limits and shell profiles are governed, one shell at a time', async () => {
  const ssm = fakeSSM({ versions: [customized], def: '1' });
  await run(governedEvent('Create', governed({ maxSessionDuration: '60', shellProfile: { windows: '$Host.UI' } })), { ssm: ssm.client });
  const inputs = JSON.parse(ssm.versions[1]).inputs;
  assert.strictEqual(inputs.maxSessionDuration, '60');
  assert.strictEqual(inputs.idleSessionTimeout, '15', 'not configured: kept');
  assert.deepStrictEqual(inputs.shellProfile, { linux: 'exec bash -l', windows: '$Host.UI' });
});

test('an input no longer governed goes back to what the account had (or away)', async () => {
  const ssm = fakeSSM({ versions: [customized], def: '1' });
  const before = governed({ maxSessionDuration: '60', s3BucketName: 'central', s3EncryptionEnabled: true });
  const created = await run(governedEvent('Create', before), { ssm: ssm.client });
  assert.strictEqual(JSON.parse(ssm.versions[1]).inputs.maxSessionDuration, '60');
  const updated = await run(governedEvent('Update', governed(), created.id, before), { ssm: ssm.client });
  const inputs = JSON.parse(ssm.versions[2]).inputs;
  assert.strictEqual(inputs.maxSessionDuration, '120', 'the team\'s limit is back');
  assert.strictEqual(inputs.s3BucketName, 'team-bucket', 'and its bucket');
  assert.strictEqual(inputs.s3EncryptionEnabled, false);
  assert.deepStrictEqual(JSON.parse(updated.data.Changed), { maxSessionDuration: ['60', '120'], s3BucketName: ['central', 'team-bucket'], s3EncryptionEnabled: [true, false] });
  const fresh = fakeSSM();
  const c = await run(governedEvent('Create', before), { ssm: fresh.client });
  await run(governedEvent('Update', governed(), c.id, before), { ssm: fresh.client });
  const left = JSON.parse(fresh.versions[1]).inputs;
  assert.ok(!('maxSessionDuration' in left) && !('s3BucketName' in left), 'a document sessionaudit created loses what it no longer governs');
});

test('delete tolerates a document that is already gone and a create that never happened', async () => {
  const gone = fakeSSM();
  await run(event('Delete', 20, NAME + '#v2'), { ssm: gone.client });
  await run(event('Delete', 20, NAME + '#created'), { ssm: gone.client });
  const untouched = fakeSSM({ versions: [content(1)], def: '1' });
  await run(event('Delete', 20, 'failed-1234'), { ssm: untouched.client });
  assert.deepStrictEqual(untouched.calls, []);
});

test('other SSM errors fail the resource', async () => {
  const ssm = fakeSSM({ versions: [content(5)], def: '1' });
  ssm.error = { op: 'UpdateDocument', name: 'AccessDeniedException' };
  await assert.rejects(run(event('Create', 20), { ssm: ssm.client }), /AccessDeniedException/);
  const missing = fakeSSM();
  missing.error = { op: 'DescribeDocument', name: 'ThrottlingException' };
  await assert.rejects(run(event('Create', 20), { ssm: missing.client }), /ThrottlingException/);
  const restore = fakeSSM({ versions: [content(5)], def: '1' });
  await assert.rejects(run(event('Delete', 20, NAME + '#v9'), { ssm: restore.client }), /InvalidDocumentVersion/);
});

// fakeGui keeps the account's recording preferences (null: none set) and records every call. GUI
// Connect's error shapes: name set; Get and Delete of preferences that are not set fail with
// ResourceNotFoundException.
function fakeGui(initial) {
  const state = { prefs: initial || null, calls: [] };
  const ops = {
    GetConnectionRecordingPreferences: () => {
      if (!state.prefs) throw fail('ResourceNotFoundException');
      return { ClientToken: 't', ConnectionRecordingPreferences: JSON.parse(JSON.stringify(state.prefs)) };
    },
    UpdateConnectionRecordingPreferences: (p) => {
      assert.ok(p.ConnectionRecordingPreferences.KMSKeyArn, 'KMSKeyArn is required');
      state.prefs = p.ConnectionRecordingPreferences;
      return {};
    },
    DeleteConnectionRecordingPreferences: () => { if (!state.prefs) throw fail('ResourceNotFoundException'); state.prefs = null; return {}; },
  };
  return withClient(state, ops);
}

const prefs = (key, bucket = 'central-bucket') => ({
  KMSKeyArn: 'arn:aws:kms:us-east-1:222222222222:key/' + key,
  RecordingDestinations: { S3Buckets: [{ BucketName: bucket, BucketOwner: '222222222222' }] },
});
const rdp = (RequestType, wanted, PhysicalResourceId) => ({
  RequestType, PhysicalResourceId, ResourceType: 'Custom::RdpRecordingPreferences', ResourceProperties: { ServiceToken: 'arn', ConnectionRecordingPreferences: wanted },
});

test('RDP recording: none set; create sets ours, delete removes them', async () => {
  const gui = fakeGui();
  const r = await run(rdp('Create', prefs('mrk-1')), { gui: gui.client });
  assert.deepStrictEqual(r, { id: 'RdpRecording#none', data: { OnDelete: 'delete' } });
  assert.deepStrictEqual(gui.prefs, prefs('mrk-1'));
  await run(rdp('Delete', prefs('mrk-1'), r.id), { gui: gui.client });
  assert.strictEqual(gui.prefs, null, 'the account has no recording preferences again');
});

test('RDP recording: preferences set in the console are adopted and put back on delete', async () => {
  const console = prefs('console-key', 'admins-bucket');
  const gui = fakeGui(console);
  const r = await run(rdp('Create', prefs('mrk-1')), { gui: gui.client });
  assert.strictEqual(r.data.OnDelete, 'restore');
  assert.deepStrictEqual(JSON.parse(r.id.slice('RdpRecording#'.length)), console);
  assert.deepStrictEqual(gui.prefs, prefs('mrk-1'));
  await run(rdp('Delete', prefs('mrk-1'), r.id), { gui: gui.client });
  assert.deepStrictEqual(gui.prefs, console);
  assert.ok(!gui.calls.includes('DeleteConnectionRecordingPreferences'));
});

test('RDP recording: an update sets the new preferences and keeps what create found', async () => {
  const gui = fakeGui(prefs('console-key'));
  const created = await run(rdp('Create', prefs('mrk-1')), { gui: gui.client });
  const calls = gui.calls.length;
  const updated = await run(rdp('Update', prefs('mrk-2'), created.id), { gui: gui.client });
  assert.strictEqual(updated.id, created.id, 'the restore still puts back what was there before the stack');
  assert.deepStrictEqual(gui.calls.slice(calls), ['UpdateConnectionRecordingPreferences'], 'no second read');
  assert.deepStrictEqual(gui.prefs, prefs('mrk-2'));
  await run(rdp('Delete', prefs('mrk-2'), updated.id), { gui: gui.client });
  assert.deepStrictEqual(gui.prefs, prefs('console-key'));
});

test('RDP recording: a retried create succeeds and its delete leaves our preferences in place', async () => {
  const gui = fakeGui();
  await run(rdp('Create', prefs('mrk-1')), { gui: gui.client });
  const retried = await run(rdp('Create', prefs('mrk-1')), { gui: gui.client });
  assert.deepStrictEqual(gui.prefs, prefs('mrk-1'));
  assert.deepStrictEqual(JSON.parse(retried.id.slice('RdpRecording#'.length)), prefs('mrk-1'));
  await run(rdp('Delete', prefs('mrk-1'), retried.id), { gui: gui.client });
  assert.deepStrictEqual(gui.prefs, prefs('mrk-1'), 'recording stays on rather than be removed on a guess');
});

test('RDP recording: preferences too long for the ID are left in place on delete; a delete twice or after a failed create is quiet', async () => {
  const big = prefs('k'.repeat(1100));
  const gui = fakeGui(big);
  const r = await run(rdp('Create', prefs('mrk-1')), { gui: gui.client });
  assert.deepStrictEqual(r, { id: 'RdpRecording#kept', data: { OnDelete: 'keep' } });
  await run(rdp('Delete', prefs('mrk-1'), r.id), { gui: gui.client });
  assert.deepStrictEqual(gui.prefs, prefs('mrk-1'));
  const none = fakeGui();
  await run(rdp('Delete', prefs('mrk-1'), 'RdpRecording#none'), { gui: none.client });
  await run(rdp('Delete', prefs('mrk-1'), 'failed-1234'), { gui: none.client });
  assert.deepStrictEqual(none.calls, ['DeleteConnectionRecordingPreferences']);
});

test('RDP recording: errors fail the resource', async () => {
  const denied = fakeGui();
  denied.error = { op: 'UpdateConnectionRecordingPreferences', name: 'AccessDeniedException' };
  await assert.rejects(run(rdp('Create', prefs('mrk-1')), { gui: denied.client }), /AccessDeniedException/);
  const throttled = fakeGui();
  throttled.error = { op: 'GetConnectionRecordingPreferences', name: 'ThrottlingException' };
  await assert.rejects(run(rdp('Create', prefs('mrk-1')), { gui: throttled.client }), /ThrottlingException/);
  assert.ok(!throttled.calls.includes('UpdateConnectionRecordingPreferences'), 'nothing changed without knowing what to restore');
  const restore = fakeGui(prefs('mrk-1'));
  restore.error = { op: 'UpdateConnectionRecordingPreferences', name: 'ValidationException' };
  await assert.rejects(run(rdp('Delete', prefs('mrk-1'), 'RdpRecording#' + JSON.stringify(prefs('old'))), { gui: restore.client }), /ValidationException/);
  const conflict = fakeGui(prefs('mrk-1'));
  conflict.error = { op: 'DeleteConnectionRecordingPreferences', name: 'ConflictException' };
  await assert.rejects(run(rdp('Delete', prefs('mrk-1'), 'RdpRecording#none'), { gui: conflict.client }), /ConflictException/);
  await assert.rejects(run(rdp('Create', { RecordingDestinations: {} }), { gui: fakeGui().client }), /needs ConnectionRecordingPreferences with KMSKeyArn/);
});

test('the function dispatches on ResourceType: log group protection through logs, unknown types fail', async () => {
  const calls = [];
  const logs = { call: async (op, p) => { calls.push([op, p]); return {}; } };
  const e = { RequestType: 'Create', ResourceType: 'Custom::LogGroupDeletionProtection', ResourceProperties: { LogGroupName: 'g' } };
  assert.strictEqual((await run(e, { logs })).id, 'g');
  assert.deepStrictEqual(calls, [['PutLogGroupDeletionProtection', { logGroupIdentifier: 'g', deletionProtectionEnabled: true }]]);
  await assert.rejects(run({ RequestType: 'Create', ResourceType: 'Custom::Other', ResourceProperties: {} }, {}), /serves no resource type "Custom::Other"/);
});
