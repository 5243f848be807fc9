// The handler of SessionPreferences' custom resources (one function, so that the member template,
// which CloudFormation receives inline, stays small), dispatched on event.ResourceType:
//  - Custom::SessionManagerPreferences: creates or updates the Session Manager preferences document
//    (it usually exists already) with the inputs sessionaudit governs, keeping every other input
//    the account has (documentPreferences), makes the new version the default, and on delete
//    restores the version it found (or, if it created the document, deletes it: the defaults).
//    PhysicalResourceId = "<name>#v<version found>" or "<name>#created".
//  - Custom::RdpRecordingPreferences: sets the account's RDP connection recording preferences (an
//    account and region singleton) and on delete puts back what it found (see recording below).
//  - Custom::LogGroupDeletionProtection: constructs/logprotect's logGroupProtection, appended to
//    this source by sessionprefs.New.
function client() {
  return {
    ssm: sdk('@aws-sdk/client-ssm', 'SSM'),
    gui: sdk('@aws-sdk/client-ssm-guiconnect', 'SSMGuiConnect'),
    logs: sdk('@aws-sdk/client-cloudwatch-logs', 'CloudWatchLogs'),
  };
}

// sdk loads a client of the runtime's AWS SDK on its first call, so that a client the runtime
// lacks fails only the resource that needs it, saying so.
// Not established: that the nodejs24.x runtime's included SDK (Lambda developer guide, "Runtime-
// included SDK versions") has @aws-sdk/client-ssm-guiconnect with the recording operations. The
// client's changelog adds them in 2025-05 ("adds API support for the connection recording GUI
// Connect feature", aws-sdk-js-v3 between v3.779.0 and v3.806.0), before nodejs24.x (2025-11), but
// the runtime's SDK version was not found in the documentation consulted. If it is missing, the
// RDP recording resource fails with "... is not in this Lambda runtime".
function sdk(pkg, name) {
  let m, c;
  return {
    call: (op, p) => {
      if (!c) {
        try {
          m = require(pkg);
        } catch (err) {
          throw new Error(pkg + ' is not in this Lambda runtime (' + err.message + ')', { cause: err });
        }
        c = new m[name + 'Client']({});
      }
      return c.send(new m[op + 'Command'](p));
    },
  };
}

async function run(e, c) {
  switch (e.ResourceType) {
    case 'Custom::SessionManagerPreferences': return documentPreferences(e, c.ssm);
    case 'Custom::RdpRecordingPreferences': return recording(e, c.gui);
    // logGroupProtection is constructs/logprotect/protect.js, appended by sessionprefs.New.
    case 'Custom::LogGroupDeletionProtection': return logGroupProtection(e, c.logs);
    default: throw new Error('this function serves no resource type ' + JSON.stringify(e.ResourceType));
  }
}

const is = (err, name) => !!err && (err.name === name || err.Code === name || err.__type === name);
const same = (a, b) => { try { return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b)); } catch (_) { return a === b; } };

// The document's inputs that sessionaudit governs are exactly those of the Content property;
// every other input keeps the value the account's default version has (run-as, shell profiles,
// session limits unless configured), one level deep for objects (shellProfile.linux and .windows).
// An input the previous Content governed and this one does not goes back to the value of the
// version found at create time (or away, if that version lacked it or there was none). Data.Changed
// records what this request changed, as {input: [before, after]} (null: absent), also logged.
async function documentPreferences(e, ssm) {
  const { Name: name, Content: content } = e.ResourceProperties;
  if (e.RequestType === 'Delete') return { id: e.PhysicalResourceId, data: await restore(ssm, e.PhysicalResourceId) };
  const kept = e.RequestType === 'Update' ? e.PhysicalResourceId.split('#')[1] : undefined;
  const wanted = JSON.parse(content);
  let doc;
  try {
    doc = (await ssm.call('DescribeDocument', { Name: name })).Document;
  } catch (err) {
    if (!is(err, 'InvalidDocument')) throw err;
  }
  if (!doc) {
    await ssm.call('CreateDocument', { Name: name, Content: content, DocumentType: 'Session', DocumentFormat: 'JSON' });
    return { id: name + '#' + (kept || 'created'), data: { Version: '1', Changed: changes(name, {}, wanted.inputs || {}) } };
  }
  const current = await inputsOf(ssm, name, doc.DefaultVersion);
  const released = e.RequestType === 'Update' ? ungoverned(e.OldResourceProperties, wanted) : [];
  let original = {};
  if (released.length > 0 && kept && kept !== 'created') original = await inputsOf(ssm, name, kept.slice(1));
  const inputs = merge(current, wanted.inputs || {});
  for (const k of released) {
    if (k in original) inputs[k] = original[k];
    else delete inputs[k];
  }
  const merged = JSON.stringify({ ...wanted, inputs });
  let version;
  try {
    version = (await ssm.call('UpdateDocument', { Name: name, Content: merged, DocumentVersion: '$LATEST', DocumentFormat: 'JSON' })).DocumentDescription.DocumentVersion;
  } catch (err) {
    if (!is(err, 'DuplicateDocumentContent')) throw err;
    version = await versionWith(ssm, name, merged);
  }
  if (version !== doc.DefaultVersion) await ssm.call('UpdateDocumentDefaultVersion', { Name: name, DocumentVersion: version });
  return { id: name + '#' + (kept || 'v' + doc.DefaultVersion), data: { Version: version, Changed: changes(name, current, inputs) } };
}

// inputsOf returns the inputs of one version of the document ({} when it has none).
async function inputsOf(ssm, name, version) {
  const d = await ssm.call('GetDocument', { Name: name, DocumentVersion: version, DocumentFormat: 'JSON' });
  try {
    return JSON.parse(d.Content).inputs || {};
  } catch (_) {
    return {};
  }
}

// merge is base with every governed input set; objects are merged one level deep.
function merge(base, governed) {
  const out = { ...base };
  for (const [k, v] of Object.entries(governed)) {
    const b = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b) ? { ...b, ...v } : v;
  }
  return out;
}

// ungoverned are the inputs the old properties' Content governed that the new one does not.
function ungoverned(old, wanted) {
  let before;
  try {
    before = JSON.parse((old || {}).Content).inputs || {};
  } catch (_) {
    return [];
  }
  return Object.keys(before).filter((k) => !(k in (wanted.inputs || {})));
}

// changes is the JSON of {input: [before, after]} for every input that differs (at most 3 KB of
// the 4 KB a custom resource response may hold; the log has all of it).
function changes(name, before, after) {
  const diff = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = k in before ? before[k] : null;
    const a = k in after ? after[k] : null;
    if (JSON.stringify(b) !== JSON.stringify(a)) diff[k] = [b, a];
  }
  const text = JSON.stringify(diff);
  console.log('sessionaudit changed ' + name + ' inputs {input: [before, after]}: ' + text);
  return text.length > 3072 ? text.slice(0, 3060) + '...(truncated)' : text;
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

// Custom::RdpRecordingPreferences. Systems Manager GUI Connect API reference:
// GetConnectionRecordingPreferences returns {ClientToken, ConnectionRecordingPreferences: {KMSKeyArn,
// RecordingDestinations: {S3Buckets: [{BucketName, BucketOwner}]}}}; UpdateConnectionRecordingPreferences
// takes {ConnectionRecordingPreferences (required), ClientToken}; DeleteConnectionRecordingPreferences
// takes {ClientToken}; each may fail with ResourceNotFoundException (taken here as "none set").
// The property ConnectionRecordingPreferences has the API's shape.
// What it found is kept for the restore in PhysicalResourceId (a custom resource's Delete event
// carries only that and the properties; CloudFormation limits the ID to 1 KB):
// "RdpRecording#none" (nothing was set: delete removes the preferences), "RdpRecording#" + the JSON
// of the preferences found (delete puts them back), or "RdpRecording#kept" when that JSON would not
// fit (delete then leaves the preferences as they are rather than guess).
// A retried create finds its own preferences and records them: delete then leaves them in place.
const RDP = 'RdpRecording#';
const MAX_ID = 1024;

async function recording(e, gui) {
  if (e.RequestType === 'Delete') return { id: e.PhysicalResourceId, data: await restoreRecording(gui, e.PhysicalResourceId) };
  const wanted = e.ResourceProperties.ConnectionRecordingPreferences;
  if (!wanted || !wanted.KMSKeyArn) throw new Error('Custom::RdpRecordingPreferences needs ConnectionRecordingPreferences with KMSKeyArn');
  let id = e.RequestType === 'Update' && String(e.PhysicalResourceId).startsWith(RDP) ? e.PhysicalResourceId : undefined;
  if (!id) {
    const previous = await currentRecording(gui);
    id = RDP + (previous ? JSON.stringify(previous) : 'none');
    if (Buffer.byteLength(id) > MAX_ID) {
      console.warn('the recording preferences found are too long to keep for the restore; delete will leave the preferences as they are', JSON.stringify(previous));
      id = RDP + 'kept';
    }
  }
  await gui.call('UpdateConnectionRecordingPreferences', { ConnectionRecordingPreferences: wanted });
  const found = id.slice(RDP.length);
  return { id, data: { OnDelete: found === 'none' ? 'delete' : found === 'kept' ? 'keep' : 'restore' } };
}

async function currentRecording(gui) {
  try {
    return (await gui.call('GetConnectionRecordingPreferences', {})).ConnectionRecordingPreferences || null;
  } catch (err) {
    if (is(err, 'ResourceNotFoundException')) return null;
    throw err;
  }
}

async function restoreRecording(gui, id) {
  id = String(id);
  if (!id.startsWith(RDP)) return {};
  const found = id.slice(RDP.length);
  if (found === 'kept') return {};
  try {
    if (found === 'none') await gui.call('DeleteConnectionRecordingPreferences', {});
    else await gui.call('UpdateConnectionRecordingPreferences', { ConnectionRecordingPreferences: JSON.parse(found) });
  } catch (err) {
    if (!(found === 'none' && is(err, 'ResourceNotFoundException'))) throw err;
  }
  return {};
}

module.exports.run = run;
