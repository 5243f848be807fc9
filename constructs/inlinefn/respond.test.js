// Tests of the wrapper that reports a handler's result to CloudFormation (a local HTTP server
// stands in for the pre-signed S3 response URL).
const test = require('node:test');
const assert = require('node:assert');
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

// Load respond.js the way inlinefn.Code does: after a handler that defines run and client.
function load(run) {
  const src = fs.readFileSync(path.join(__dirname, 'respond.js'), 'utf8');
  const m = { exports: {} };
  new Function('module', 'exports', 'require', 'run', 'client', src)(m, m.exports, require, run, () => 'client');
  return m.exports.handler;
}

async function capture(handler, event) {
  let body;
  const server = http.createServer((req, res) => { let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => { body = { method: req.method, url: req.url, json: JSON.parse(b) }; res.end(); }); });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  try {
    await handler({ ...event, ResponseURL: `http://127.0.0.1:${server.address().port}/resp?sig=1`, StackId: 's', RequestId: 'r', LogicalResourceId: 'l' });
  } finally {
    server.close();
  }
  return body;
}

test('reports SUCCESS with the id and data run returned', async () => {
  const h = load(async (e, c) => ({ id: 'phys-' + c, data: { A: e.RequestType } }));
  const got = await capture(h, { RequestType: 'Create' });
  assert.strictEqual(got.method, 'PUT');
  assert.strictEqual(got.url, '/resp?sig=1');
  assert.deepStrictEqual(got.json, { Status: 'SUCCESS', PhysicalResourceId: 'phys-client', StackId: 's', RequestId: 'r', LogicalResourceId: 'l', Data: { A: 'Create' } });
});

test('reports FAILED with the reason and keeps the physical id', async () => {
  const h = load(async () => { throw new Error('boom'); });
  const orig = console.error;
  console.error = () => {};
  try {
    const got = await capture(h, { RequestType: 'Update', PhysicalResourceId: 'p1' });
    assert.strictEqual(got.json.Status, 'FAILED');
    assert.strictEqual(got.json.Reason, 'boom');
    assert.strictEqual(got.json.PhysicalResourceId, 'p1');
    const created = await capture(h, { RequestType: 'Create' });
    assert.strictEqual(created.json.PhysicalResourceId, 'failed-r');
  } finally {
    console.error = orig;
  }
});
