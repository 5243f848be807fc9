// Tests of the Custom::SessionManagerPreferences handler against a fake SSM.
// Run with: node --test (make test runs every *.test.js under constructs/).
const test = require('node:test');
const assert = require('node:assert');
const { run } = require('../inlinefn/shipped.js')(require.resolve('./handler.js'));

const NAME = 'SSM-SessionManagerRunShell';
const content = (idle) => JSON.stringify({ schemaVersion: '1.0', sessionType: 'Standard_Stream', inputs: { idleSessionTimeout: String(idle) } });

// fakeSSM keeps versions of one document and records every call. SSM's error shapes: name set.
function fakeSSM(initial) {
  const state = { versions: initial ? initial.versions.slice() : null, def: initial ? initial.def : null, calls: [] };
  const fail = (name) => Object.assign(new Error(name), { name });
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
  state.client = {
    call: async (op, p) => {
      state.calls.push(op);
      if (state.error && state.error.op === op) throw fail(state.error.name);
      return ops[op](p);
    },
  };
  return state;
}

const event = (RequestType, idle, PhysicalResourceId) => ({ RequestType, PhysicalResourceId, ResourceProperties: { Name: NAME, Content: content(idle) } });

test('creates the document when there is none, and deletes it on delete', async () => {
  const ssm = fakeSSM();
  const r = await run(event('Create', 20), ssm.client);
  assert.deepStrictEqual(r, { id: NAME + '#created', data: { Version: '1' } });
  assert.strictEqual(ssm.versions[0], content(20));
  await run(event('Delete', 20, r.id), ssm.client);
  assert.strictEqual(ssm.versions, null, 'document deleted: the service defaults apply again');
});

test('updates an existing document, promotes the new version, and restores the old default on delete', async () => {
  const ssm = fakeSSM({ versions: [content(5), content(7)], def: '1' });
  const r = await run(event('Create', 20), ssm.client);
  assert.deepStrictEqual(r, { id: NAME + '#v1', data: { Version: '3' } });
  assert.strictEqual(ssm.def, '3');
  assert.strictEqual(ssm.versions[2], content(20));
  await run(event('Delete', 20, r.id), ssm.client);
  assert.strictEqual(ssm.def, '1', 'the default found at create time is restored');
});

test('a stack update keeps the version found at create time for the restore', async () => {
  const ssm = fakeSSM({ versions: [content(5)], def: '1' });
  const created = await run(event('Create', 20), ssm.client);
  const updated = await run(event('Update', 30, created.id), ssm.client);
  assert.strictEqual(updated.id, NAME + '#v1');
  assert.strictEqual(ssm.def, '3');
  const createdByUs = fakeSSM();
  const c = await run(event('Create', 20), createdByUs.client);
  const u = await run(event('Update', 30, c.id), createdByUs.client);
  assert.strictEqual(u.id, NAME + '#created');
  assert.strictEqual(createdByUs.def, '2');
});

test('duplicate content is success and the matching version becomes the default', async () => {
  const ssm = fakeSSM({ versions: [content(20), content(5)], def: '2' });
  ssm.versions.push(content(20)); // latest (3) equals the new content
  const r = await run(event('Create', 20), ssm.client);
  assert.strictEqual(r.data.Version, '3');
  assert.strictEqual(ssm.def, '3');
});

test('duplicate content that is already the default changes nothing', async () => {
  const ssm = fakeSSM({ versions: [content(20)], def: '1' });
  const r = await run(event('Create', 20), ssm.client);
  assert.deepStrictEqual(r, { id: NAME + '#v1', data: { Version: '1' } });
  assert.ok(!ssm.calls.includes('UpdateDocumentDefaultVersion'));
});

test('delete tolerates a document that is already gone and a create that never happened', async () => {
  const gone = fakeSSM();
  await run(event('Delete', 20, NAME + '#v2'), gone.client);
  await run(event('Delete', 20, NAME + '#created'), gone.client);
  const untouched = fakeSSM({ versions: [content(1)], def: '1' });
  await run(event('Delete', 20, 'failed-1234'), untouched.client);
  assert.deepStrictEqual(untouched.calls, []);
});

test('other SSM errors fail the resource', async () => {
  const ssm = fakeSSM({ versions: [content(5)], def: '1' });
  ssm.error = { op: 'UpdateDocument', name: 'AccessDeniedException' };
  await assert.rejects(run(event('Create', 20), ssm.client), /AccessDeniedException/);
  const missing = fakeSSM();
  missing.error = { op: 'DescribeDocument', name: 'ThrottlingException' };
  await assert.rejects(run(event('Create', 20), missing.client), /ThrottlingException/);
  const restore = fakeSSM({ versions: [content(5)], def: '1' });
  await assert.rejects(run(event('Delete', 20, NAME + '#v9'), restore.client), /InvalidDocumentVersion/);
});
