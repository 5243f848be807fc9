// Custom::SessionManagerPreferences: creates or updates the Session Manager preferences document
// (it usually exists already), makes the new version the default, and on delete restores the
// version it found (or, if it created the document, deletes it: the service defaults).
// PhysicalResourceId = "<name>#v<version found>" or "<name>#created".
function client() {
  const m = require('@aws-sdk/client-ssm');
  const c = new m.SSMClient({});
  return { call: (op, p) => c.send(new m[op + 'Command'](p)) };
}

const is = (err, name) => !!err && (err.name === name || err.Code === name || err.__type === name);
const same = (a, b) => { try { return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b)); } catch (_) { return a === b; } };

async function run(e, ssm) {
  const { Name: name, Content: content } = e.ResourceProperties;
  if (e.RequestType === 'Delete') return { id: e.PhysicalResourceId, data: await restore(ssm, e.PhysicalResourceId) };
  const kept = e.RequestType === 'Update' ? e.PhysicalResourceId.split('#')[1] : undefined;
  let doc;
  try {
    doc = (await ssm.call('DescribeDocument', { Name: name })).Document;
  } catch (err) {
    if (!is(err, 'InvalidDocument')) throw err;
  }
  if (!doc) {
    await ssm.call('CreateDocument', { Name: name, Content: content, DocumentType: 'Session', DocumentFormat: 'JSON' });
    return { id: name + '#' + (kept || 'created'), data: { Version: '1' } };
  }
  let version;
  try {
    version = (await ssm.call('UpdateDocument', { Name: name, Content: content, DocumentVersion: '$LATEST', DocumentFormat: 'JSON' })).DocumentDescription.DocumentVersion;
  } catch (err) {
    if (!is(err, 'DuplicateDocumentContent')) throw err;
    version = await versionWith(ssm, name, content);
  }
  if (version !== doc.DefaultVersion) await ssm.call('UpdateDocumentDefaultVersion', { Name: name, DocumentVersion: version });
  return { id: name + '#' + (kept || 'v' + doc.DefaultVersion), data: { Version: version } };
}

// versionWith finds the existing version that holds content (newest first).
async function versionWith(ssm, name, content) {
  let token;
  do {
    const page = await ssm.call('ListDocumentVersions', { Name: name, NextToken: token });
    for (const v of page.DocumentVersions.sort((a, b) => b.DocumentVersion - a.DocumentVersion)) {
      const d = await ssm.call('GetDocument', { Name: name, DocumentVersion: v.DocumentVersion, DocumentFormat: 'JSON' });
      if (same(d.Content, content)) return v.DocumentVersion;
    }
    token = page.NextToken;
  } while (token);
  throw new Error('SSM reported duplicate content but no version of ' + name + ' holds it');
}

async function restore(ssm, id) {
  const [name, found] = String(id).split('#');
  if (!found) return {};
  try {
    if (found === 'created') await ssm.call('DeleteDocument', { Name: name });
    else await ssm.call('UpdateDocumentDefaultVersion', { Name: name, DocumentVersion: found.slice(1) });
  } catch (err) {
    if (!is(err, 'InvalidDocument')) throw err;
  }
  return {};
}

module.exports.run = run;
