// The hourly digester (docs/evidence.md, "Signed digests"; the format is package evidence's, which
// reads what this writes). An EventBridge schedule runs it a few minutes after each hour. It drains
// the queue that collects the bucket's "Object Created" events (S3 → EventBridge → SQS: the
// objects of an hour are found without listing the bucket), hashes each object version once,
// and writes the digest of every hour since the last one it finds: an hour with nothing written
// gets a digest too, and a missed run is caught up (up to MAX_CATCH_UP hours back).
const crypto = require('node:crypto');

const DIGEST_PREFIX = 'digests/';
const SIGNATURE_SUFFIX = '.sig';
const PUBLIC_KEY = DIGEST_PREFIX + 'public-key.pem';
const HOUR = 3600 * 1000;
const MAX_CATCH_UP = 72;
// An unreadable object is listed with this hash: sha256sum -c and validate then report it, never
// pass it (the digest still records that the version was written).
const UNREADABLE = '0'.repeat(64);

function client() {
  const { S3Client, GetObjectCommand, PutObjectCommand } = require('@aws-sdk/client-s3');
  const { SQSClient, ReceiveMessageCommand, DeleteMessageBatchCommand } = require('@aws-sdk/client-sqs');
  const { KMSClient, SignCommand, GetPublicKeyCommand } = require('@aws-sdk/client-kms');
  const s3 = new S3Client({});
  const sqs = new SQSClient({});
  const kms = new KMSClient({});
  const { BUCKET, QUEUE_URL, KEY_ID } = process.env;
  const missing = (e) => e.name === 'NoSuchKey' || e.name === 'NoSuchVersion' || (e.$metadata && e.$metadata.httpStatusCode === 404);
  return {
    bucket: BUCKET,
    // SQS API reference, ReceiveMessage: at most 10 messages per call.
    receive: async () => ((await sqs.send(new ReceiveMessageCommand({ QueueUrl: QUEUE_URL, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }))).Messages || []),
    remove: async (messages) => {
      const r = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: QUEUE_URL, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
      if (r.Failed && r.Failed.length) throw new Error('SQS DeleteMessageBatch failed for ' + r.Failed.length + ' messages');
    },
    // The object's bytes, hashed as they stream (one read per version).
    hash: async (key, versionId) => {
      try {
        const o = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key, VersionId: versionId || undefined }));
        const h = crypto.createHash('sha256');
        let size = 0;
        for await (const chunk of o.Body) { h.update(chunk); size += chunk.length; }
        return { sha256: h.digest('hex'), size };
      } catch (e) {
        if (missing(e)) return null;
        throw e;
      }
    },
    read: async (key) => {
      try {
        return Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body.transformToByteArray());
      } catch (e) {
        if (missing(e)) return null;
        throw e;
      }
    },
    // The bucket's default Object Lock retention applies to every object put.
    write: (key, body, type) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: type })),
    // KMS API reference, Sign: MessageType DIGEST signs the SHA-256 given (the file may be
    // larger than RAW's 4096 bytes); ECDSA signatures are DER-encoded, as openssl reads them.
    sign: async (file) => Buffer.from((await kms.send(new SignCommand({ KeyId: KEY_ID, Message: crypto.createHash('sha256').update(file).digest(), MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }))).Signature),
    // KMS API reference, GetPublicKey: the DER SubjectPublicKeyInfo.
    publicKey: async () => Buffer.from((await kms.send(new GetPublicKeyCommand({ KeyId: KEY_ID }))).PublicKey),
  };
}

const pad = (n) => String(n).padStart(2, '0');
const digestKey = (hour) => {
  const d = new Date(hour);
  return DIGEST_PREFIX + d.getUTCFullYear() + '/' + pad(d.getUTCMonth() + 1) + '/' + pad(d.getUTCDate()) + '/' + pad(d.getUTCHours()) + '.json';
};
const sha256 = (b) => crypto.createHash('sha256').update(b).digest('hex');
const floorHour = (t) => Math.floor(t / HOUR) * HOUR;

// The digest file, line for line as package evidence's Marshal writes it.
function marshal(d) {
  const lines = ['{'];
  for (const [name, v] of [['version', 1], ['bucket', d.bucket], ['hour', new Date(d.hour).toISOString().replace('.000Z', 'Z')], ['key', digestKey(d.hour)],
    ['signingAlgorithm', 'ECDSA_SHA_256'], ['publicKeySha256', d.publicKeySha256], ['previousKey', d.previousKey],
    ['previousSha256', d.previousSha256], ['previousSignatureSha256', d.previousSignatureSha256]]) {
    lines.push('  ' + JSON.stringify(name) + ': ' + JSON.stringify(v) + ',');
  }
  lines.push('  "objects": [');
  d.objects.forEach((o, i) => lines.push('    ' + JSON.stringify({ sha256: o.sha256, size: o.size, versionId: o.versionId, key: o.key }) + (i < d.objects.length - 1 ? ',' : '')));
  lines.push('  ]', '}');
  return Buffer.from(lines.join('\n') + '\n');
}

// The S3 "Object Created" events of the queue's messages (EventBridge event structure, S3 user
// guide "EventBridge event message structure": detail.object.key, size, version-id, sequencer).
function parse(m) {
  const e = JSON.parse(m.Body);
  const o = e.detail && e.detail.object;
  if (e['detail-type'] !== 'Object Created' || !o || typeof o.key !== 'string') return null;
  return { time: Date.parse(e.time), key: o.key, versionId: o['version-id'] || '', sequencer: o.sequencer || '' };
}

async function run(now, c) {
  const last = floorHour(now) - HOUR; // the last complete hour
  // The newest digest written: the chain continues from it.
  let from = null;
  let prev = null;
  for (let h = last; h > last - MAX_CATCH_UP * HOUR; h -= HOUR) {
    const file = await c.read(digestKey(h));
    if (file) {
      const sig = await c.read(digestKey(h) + SIGNATURE_SUFFIX);
      if (!sig) throw new Error(digestKey(h) + ' has no signature: not continuing a chain from it');
      prev = { key: digestKey(h), file, sig };
      from = h + HOUR;
      break;
    }
  }
  if (from === null) from = last; // a new chain (first run, or more than MAX_CATCH_UP hours lost)
  if (from > last) return { written: [] };
  // Drain the queue: every event up to the end of the last hour goes into a digest; a later
  // event stays for the next run. An event of an hour digested already goes into the first
  // hour written now (a late delivery), never lost.
  const byHour = new Map();
  const later = [];
  const done = [];
  for (;;) {
    const batch = await c.receive();
    if (!batch.length) break;
    for (const m of batch) {
      const e = parse(m);
      if (!e) { done.push(m); continue; }
      if (e.time >= last + HOUR) { later.push(m); continue; }
      const h = Math.max(floorHour(e.time), from);
      if (!byHour.has(h)) byHour.set(h, []);
      byHour.get(h).push(e);
      done.push(m);
    }
  }
  const der = await c.publicKey();
  const fingerprint = sha256(der);
  if (!(await c.read(PUBLIC_KEY))) {
    await c.write(PUBLIC_KEY, crypto.createPublicKey({ key: der, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }), 'application/x-pem-file');
  }
  const written = [];
  for (let h = from; h <= last; h += HOUR) {
    const events = (byHour.get(h) || []).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.sequencer < b.sequencer ? -1 : a.sequencer > b.sequencer ? 1 : 0));
    const objects = [];
    const seen = new Set();
    for (const e of events) {
      if (e.key.startsWith(DIGEST_PREFIX) || seen.has(e.key + '\n' + e.versionId)) continue;
      seen.add(e.key + '\n' + e.versionId);
      const got = await c.hash(e.key, e.versionId);
      objects.push({ sha256: got ? got.sha256 : UNREADABLE, size: got ? got.size : -1, versionId: e.versionId, key: e.key });
    }
    const file = marshal({ bucket: c.bucket, hour: h, publicKeySha256: fingerprint, objects,
      previousKey: prev ? prev.key : '', previousSha256: prev ? sha256(prev.file) : '', previousSignatureSha256: prev ? sha256(prev.sig) : '' });
    const sig = await c.sign(file);
    // The digest before its signature: a digest without one is reported, never trusted.
    await c.write(digestKey(h), file, 'application/json');
    await c.write(digestKey(h) + SIGNATURE_SUFFIX, sig, 'application/octet-stream');
    prev = { key: digestKey(h), file, sig };
    written.push(digestKey(h));
  }
  for (let i = 0; i < done.length; i += 10) await c.remove(done.slice(i, i + 10));
  return { written, later: later.length };
}

exports.handler = async () => run(Date.now(), client());
module.exports.run = run;
module.exports.marshal = marshal;
module.exports.digestKey = digestKey;
