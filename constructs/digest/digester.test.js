// Tests of the hourly digester against a fake bucket, queue and key (fake.js), on the readable
// source and (SHIPPED=1) on the LogArchive template's ZipFile.
const test = require('node:test');
const assert = require('node:assert');
const crypto = require('node:crypto');
const { run, digestKey } = require('../inlinefn/shipped.js')(require.resolve('./digester.js'));
const fake = require('./fake.js');

const H = 3600 * 1000;
const t0 = Date.UTC(2026, 11, 6, 10, 0);

const verify = (f, key) => crypto.verify('sha256', f.objects.get(key), crypto.createPublicKey(f.key), f.objects.get(key + '.sig'));
const parse = (f, key) => JSON.parse(f.objects.get(key).toString());
const sha = (b) => crypto.createHash('sha256').update(b).digest('hex');

test('writes a signed digest per hour since the last, chained, an empty hour too', async () => {
  const f = fake();
  f.put('session-manager/111122223333/eu-west-1/a.log', 'v1', 'hello', t0 + 17 * 60 * 1000);
  assert.deepStrictEqual((await run(t0 + H + 5 * 60 * 1000, f)).written, [digestKey(t0)]);
  f.put('cloudwatch/eu-west-1/2026/12/06/111122223333/x.gz', 'v1', 'gz', t0 + 2 * H + 60 * 1000);
  f.put('session-manager/111122223333/eu-west-1/late.log', 'v9', 'next', t0 + 4 * H + 1); // after the run's last hour
  const r = await run(t0 + 4 * H + 5 * 60 * 1000, f);
  assert.deepStrictEqual(r.written, [digestKey(t0 + H), digestKey(t0 + 2 * H), digestKey(t0 + 3 * H)]);
  assert.strictEqual(r.later, 1);
  for (const h of [0, 1, 2, 3]) assert.ok(verify(f, digestKey(t0 + h * H)), 'signature of hour ' + h);
  assert.deepStrictEqual(parse(f, digestKey(t0 + H)).objects, []);
  assert.deepStrictEqual(parse(f, digestKey(t0 + 2 * H)).objects, [{ sha256: sha('gz'), size: 2, versionId: 'v1', key: 'cloudwatch/eu-west-1/2026/12/06/111122223333/x.gz' }]);
  const d3 = parse(f, digestKey(t0 + 3 * H));
  assert.strictEqual(d3.previousKey, digestKey(t0 + 2 * H));
  assert.strictEqual(d3.previousSha256, sha(f.objects.get(digestKey(t0 + 2 * H))));
  assert.strictEqual(d3.previousSignatureSha256, sha(f.objects.get(digestKey(t0 + 2 * H) + '.sig')));
  assert.strictEqual(parse(f, digestKey(t0)).previousKey, '');
  // Digested events are deleted; the later one stays in the queue.
  assert.deepStrictEqual(f.deleted.sort(), ['r0', 'r1']);
  assert.match(f.objects.get('digests/public-key.pem').toString(), /^-----BEGIN PUBLIC KEY-----/);
});

test('lists every version of a key, and an unreadable one with a hash that never matches', async () => {
  const f = fake();
  f.put('session-manager/1/r/s.log', 'v1', 'first', t0 + 60 * 1000, '01');
  f.put('session-manager/1/r/s.log', 'v2', 'second', t0 + 120 * 1000, '02');
  f.put('session-manager/1/r/gone.log', 'v1', 'x', t0 + 180 * 1000);
  f.unreadable.add('session-manager/1/r/gone.log');
  await run(t0 + H + 1, f);
  const objs = parse(f, digestKey(t0)).objects;
  assert.deepStrictEqual(objs.map((o) => o.key + ' ' + o.versionId), ['session-manager/1/r/gone.log v1', 'session-manager/1/r/s.log v1', 'session-manager/1/r/s.log v2']);
  assert.deepStrictEqual([objs[0].sha256, objs[0].size], ['0'.repeat(64), -1]);
});

test('ignores its own digests, and does nothing twice for one hour', async () => {
  const f = fake();
  await run(t0 + H + 1, f);
  f.put(digestKey(t0), 'v1', 'whatever', t0 + H + 2);
  const r = await run(t0 + H + 2 * 60 * 1000, f);
  assert.deepStrictEqual(r.written, []);
});

test('a digest without its signature stops the run, rather than chain from it', async () => {
  const f = fake();
  await run(t0 + H + 1, f);
  f.objects.delete(digestKey(t0) + '.sig');
  await assert.rejects(run(t0 + 2 * H + 1, f), /has no signature/);
});
