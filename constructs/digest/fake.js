// A fake of the digester's AWS calls for its tests (node and evidence/digester_test.go): a bucket
// in memory (or written to a directory), a queue of EventBridge events, a local P-256 key.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

module.exports = function fake({ dir, privateKey } = {}) {
  const key = privateKey ? crypto.createPrivateKey(privateKey) : crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const objects = new Map(); // key + '\n' + versionId → bytes; key → newest bytes
  const queue = [];
  let sent = 0;
  const f = {
    bucket: 'archive',
    key,
    objects,
    queue,
    deleted: [],
    unreadable: new Set(),
    // put writes an object version at time t and queues its event.
    put(k, versionId, body, t, sequencer = '0001') {
      objects.set(k + '\n' + versionId, Buffer.from(body));
      objects.set(k, Buffer.from(body));
      if (dir) {
        const p = path.join(dir, k);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        fs.writeFileSync(p, body);
        fs.utimesSync(p, new Date(t), new Date(t));
      }
      queue.push({ ReceiptHandle: 'r' + sent++, Body: JSON.stringify({ 'detail-type': 'Object Created', source: 'aws.s3', time: new Date(t).toISOString().replace('.000Z', 'Z'), detail: { bucket: { name: 'archive' }, object: { key: k, size: Buffer.byteLength(body), 'version-id': versionId, sequencer } } }) });
    },
    async receive() { const batch = queue.splice(0, 10); f.received = (f.received || []).concat(batch); return batch; },
    async remove(ms) { if (ms.length > 10) throw new Error('more than 10 in a batch'); f.deleted.push(...ms.map((m) => m.ReceiptHandle)); },
    async hash(k, v) {
      const b = objects.get(k + '\n' + v);
      if (!b || f.unreadable.has(k)) return null;
      return { sha256: crypto.createHash('sha256').update(b).digest('hex'), size: b.length };
    },
    async read(k) { return objects.get(k) || null; },
    async write(k, body, type) {
      f.types = Object.assign(f.types || {}, { [k]: type });
      objects.set(k, Buffer.from(body));
      if (dir) {
        fs.mkdirSync(path.dirname(path.join(dir, k)), { recursive: true });
        fs.writeFileSync(path.join(dir, k), body);
      }
    },
    async sign(file) { return crypto.sign('sha256', file, key); },
    async publicKey() { return crypto.createPublicKey(key).export({ type: 'spki', format: 'der' }); },
  };
  return f;
};
