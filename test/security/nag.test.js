// The rule packs report nothing that is not acknowledged, and every acknowledgment says why.
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');
const { check, templates, acknowledgments } = require('./nag.js');

const CDK_OUT = process.env.CDK_OUT || path.join(__dirname, '..', '..', 'cdk.out');
const all = templates(CDK_OUT);
// The packs' run over the templates as they are, made once and read by the tests below (each run
// is most of this file's time); the acknowledgments come from the templates alone
// (nag.js, acknowledgments), so the tests that need only them do not run the packs.
let checked;
const checkAll = () => (checked ||= check(all));
const acknowledged = (list) => list.flatMap(({ name, template }) => acknowledgments(name, template));

test('cdk.out holds every stack', () => {
  const names = all.map((t) => t.name);
  for (const want of ['SessionAudit-LogArchive', 'SessionAudit-Member', 'SessionAudit-MemberStackSet']) assert.ok(names.includes(want), `${want} missing from ${CDK_OUT}; run make synth first`);
  assert.ok(names.some((n) => n.startsWith('SessionAudit-Receiver-')), 'no receiver stack');
});

test('AwsSolutions, NIST 800-53 R5, HIPAA Security and PCI DSS 3.2.1 report no unacknowledged finding', () => {
  const { findings, acks } = checkAll();
  assert.deepStrictEqual(findings.map((f) => `${f.rule} on ${f.stack}/${f.resource}`), []);
  assert.ok(acks.length > 0);
});

test('every acknowledgment has a specific reason', () => {
  const acks = acknowledged(all.filter((t) => t.name !== 'SessionAudit-MemberStackSet'));
  const generic = /^(not needed|n\/a|none|false positive|accepted|by design|intended|ok)\.?$/i;
  for (const a of acks) {
    assert.ok(a.reason && a.reason.length >= 40 && !generic.test(a.reason.trim()), `${a.stack}/${a.resource} ${a.id}: reason ${JSON.stringify(a.reason)}`);
    assert.match(a.id, /^(AwsSolutions|NIST\.800\.53\.R5|HIPAA\.Security|PCI\.DSS\.321)-[A-Za-z0-9]+(\[.+\])?$/, `${a.id} is not a rule of the four packs`);
  }
  // The same rule is not acknowledged twice on one resource.
  const seen = new Set(acks.map((a) => `${a.stack}/${a.resource}/${a.id}`));
  assert.strictEqual(seen.size, acks.length);
});

test('without the acknowledgments the packs do report the findings, and every acknowledgment matches one (none is stale)', () => {
  const stripped = all.map(({ name, template }) => {
    const t = JSON.parse(JSON.stringify(template));
    for (const r of Object.values(t.Resources || {})) if (r.Metadata) delete r.Metadata.cdk_nag;
    return { name, template: t };
  });
  const { findings, acks } = check(stripped);
  const found = new Set(findings.map((f) => `${f.stack}/${f.resource}/${f.rule}`));
  const stale = checkAll().acks.filter((a) => a.stack !== 'SessionAudit-MemberStackSet' && !found.has(`${a.stack}/${a.resource}/${a.id}`));
  assert.deepStrictEqual(stale.map((a) => `${a.stack}/${a.resource} ${a.id}`), [], 'acknowledgments that match no finding');
  assert.strictEqual(acks.length, 0);
  const packs = new Set(findings.map((f) => f.pack));
  for (const p of ['AwsSolutions', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']) assert.ok(packs.has(p), `pack ${p} reported nothing`);
  assert.ok(findings.some((f) => f.rule.startsWith('AwsSolutions-IAM5[')), 'finding-level ids are reported');
});
