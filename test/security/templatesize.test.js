// The stacks that need no CDK bootstrap deploy with the CLI's credentials, and the CDK CLI sends
// their templates inline: it does so only when the stack's synthesizer names no template asset and
// the template, serialized as YAML, takes at most 50 KiB (aws-cdk-cli, toolkit-lib
// template-body-parameter.ts makeBodyParameter: toYAML(template).length <= LARGE_TEMPLATE_SIZE_KB *
// 1024, LARGE_TEMPLATE_SIZE_KB = 50; toYAML is yaml.stringify with schema yaml-1.1 and lineWidth 0).
// Measured here as the CLI measures it, with the yaml version the pinned CLI bundles, on whatever
// configuration cdk.out was synthesized from (make test runs the largest accepted one too).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const yaml = require('yaml');

const ROOT = path.join(__dirname, '..', '..');
const CDK_OUT = process.env.CDK_OUT || path.join(ROOT, 'cdk.out');
const MAX_INLINE = 50 * 1024; // stacks.MaxInlineTemplateBytes

const manifest = JSON.parse(fs.readFileSync(path.join(CDK_OUT, 'manifest.json'), 'utf8'));
const stacks = Object.entries(manifest.artifacts).filter(([, a]) => a.type === 'aws:cloudformation:stack');
const needsNoBootstrap = ([, a]) => !(a.properties || {}).stackTemplateAssetObjectUrl && !(a.properties || {}).requiresBootstrapStackVersion;
const template = ([name]) => JSON.parse(fs.readFileSync(path.join(CDK_OUT, name + '.template.json'), 'utf8'));
const asTheCliSends = (t) => yaml.stringify(t, { schema: 'yaml-1.1', lineWidth: 0 });

test('the yaml package measures as the pinned CDK CLI does (same version as the CLI bundles)', () => {
  const licenses = fs.readFileSync(path.join(ROOT, 'node_modules', 'aws-cdk', 'THIRD_PARTY_LICENSES'), 'utf8');
  const ours = require('yaml/package.json').version;
  assert.ok(licenses.includes(`** yaml@${ours} `), `the CDK CLI bundles another yaml than ${ours}: pin test/security's yaml to the CLI's (node_modules/aws-cdk/THIRD_PARTY_LICENSES)`);
});

test('only the log-archive stacks need a bootstrap; the member and management stacks do not', () => {
  const free = stacks.filter(needsNoBootstrap).map(([name]) => name);
  const bootstrapped = stacks.filter((s) => !needsNoBootstrap(s)).map(([name]) => name);
  for (const name of bootstrapped) {
    assert.ok(name === 'SessionAudit-LogArchive' || name.startsWith('SessionAudit-Receiver-'), `${name} needs a bootstrap (its synthesizer names a template asset)`);
  }
  for (const want of ['SessionAudit-Member', 'SessionAudit-MemberStackSet', 'SessionAudit-Guardrails']) {
    if (stacks.some(([name]) => name === want)) assert.ok(free.includes(want), `${want} needs a bootstrap`);
  }
});

for (const stack of stacks.filter(needsNoBootstrap)) {
  test(`${stack[0]} fits in the CLI's inline limit (${MAX_INLINE} characters as YAML)`, () => {
    const size = asTheCliSends(template(stack)).length;
    assert.ok(size <= MAX_INLINE, `${stack[0]} is ${size} characters as YAML, ${size - MAX_INLINE} over what the CDK CLI sends inline; it would need a bootstrap bucket`);
  });
}

test('no deployed template carries the rule packs\' acknowledgments (they are next to it)', () => {
  for (const stack of stacks) {
    for (const [id, r] of Object.entries(template(stack).Resources || {})) {
      assert.ok(!(r.Metadata && r.Metadata.cdk_nag), `${stack[0]}/${id} carries cdk_nag metadata`);
    }
  }
});

test('the measure can fail: a template over the limit is reported', () => {
  const big = { Resources: { Big: { Type: 'AWS::SNS::Topic', Properties: { DisplayName: 'x'.repeat(MAX_INLINE) } } } };
  assert.ok(asTheCliSends(big).length > MAX_INLINE);
});
