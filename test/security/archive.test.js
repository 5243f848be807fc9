// The archive against its own administrators (guardrails.protectArchive): the log-archive
// account's organization policies of SessionAudit-Guardrails (cdk.out) against the evasion chains
// of a log-archive administrator with AdministratorAccess-like policies, with
// @cloud-copilot/iam-simulate: the SCPs (ArchiveKeep, ArchiveFlow) on the log-archive account's
// principals, the RCP (ArchiveResources) on its resources whoever calls. Each chain is also run
// without the policies (the meta-test): it must then be open, so that a denial here is the
// policies' doing and not the simulator's or the scenario's.
//
// The chains: make records unreadable (the key deleted, disabled, its policy replaced, its alias
// moved so the key falls out of the condition), delete them (governance bypass, Object Lock,
// lifecycle, bucket policy, encryption, versions), stop new ones (streams, destinations, rules of
// the central bus, functions), and go through CloudFormation: update sessionaudit's stacks or the
// bootstrap stack, assume the CDK deploy role or pass its execution role (exempt: it deploys),
// create a role the exemption pattern would match, change the bootstrap roles; from another
// account (a pipeline trusted by `cdk bootstrap --trust`, or a principal a resource policy names)
// assume the deploy role or delete the key. The exempt principals and the deploy roles may act.
const test = require('node:test');
const assert = require('node:assert');
const { runSimulation } = require('@cloud-copilot/iam-simulate');
const { load, example, principalFor } = require('./policies.js');

const { DIR, ORG, HOME, ARCHIVE, CFG } = example();
const g = CFG.guardrails || {};
const SKIP = !(g.enabled !== false && g.protectArchive) && 'guardrails.protectArchive is not set in this configuration: no log-archive policy to test';
const OTHER = '444444444444'; // another account of the organization (a pipeline, a member)

const policies = SKIP ? [] : Object.values(load(DIR, 'SessionAudit-Guardrails', { account: CFG.managementAccountId, region: HOME }).template.Resources)
  .filter((r) => r.Type === 'AWS::Organizations::Policy' && /Archive/.test(r.Properties.Name))
  .map((r) => ({ name: r.Properties.Name, type: r.Properties.Type, targets: r.Properties.TargetIds, policy: r.Properties.Content }));
const SCPS = policies.filter((p) => p.type === 'SERVICE_CONTROL_POLICY');
const RCPS = policies.filter((p) => p.type === 'RESOURCE_CONTROL_POLICY');

const ALLOW_ALL = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
const FULL = { name: 'FullAWSAccess', policy: ALLOW_ALL };

const role = (name, account = ARCHIVE) => ({ principal: `arn:aws:sts::${account}:assumed-role/${name.split('/').pop()}/session`, roleArn: `arn:aws:iam::${account}:role/${name}`, account });
const ADMIN = role('AWSReservedSSO_AdministratorAccess_0123456789abcdef');
const OWN = role('my-runner');
const PIPELINE = role('pipeline-deployer', OTHER);
const QUAL = 'hnb659fds';
const DEPLOY = role(`cdk-${QUAL}-deploy-role-${ARCHIVE}-${HOME}`);
const EXEC = role(`cdk-${QUAL}-cfn-exec-role-${ARCHIVE}-${HOME}`);
const EXEMPT = (g.exemptPrincipalArns || []).map((p) => principalFor(p, ARCHIVE));

const bucket = `session-audit-logs-${ARCHIVE}-${HOME}`;
const key = `arn:aws:kms:${HOME}:${ARCHIVE}:key/mrk-0123456789abcdef0123456789abcdef`;
const stack = (name) => `arn:aws:cloudformation:${HOME}:${ARCHIVE}:stack/${name}/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`;
const iamRole = (name) => `arn:aws:iam::${ARCHIVE}:role/${name}`;
const ALIASES = { 'kms:ResourceAliases': ['alias/session-audit'] };

// The key policy gives the log-archive account (IAM decides) and, for the cross-account chain,
// the other account; a role trusts both accounts (cdk bootstrap --trust).
const keyPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${ARCHIVE}:root`, `arn:aws:iam::${OTHER}:root`] }, Action: 'kms:*', Resource: '*' }] };
const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${ARCHIVE}:root`, `arn:aws:iam::${OTHER}:root`] }, Action: 'sts:AssumeRole' }] };
const bucketPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 's3:*', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] }] };
const resourcePolicyOf = (action) => action.startsWith('kms:') ? keyPolicy : action === 'sts:AssumeRole' ? trust : action.startsWith('s3:') ? bucketPolicy : undefined;

async function decide(who, action, resource, ctx = {}, { withPolicies = true } = {}) {
  const inArchive = who.account === ARCHIVE;
  const r = await runSimulation({
    identityPolicies: [{ name: 'Admin', policy: ALLOW_ALL }],
    serviceControlPolicies: inArchive ? [{ orgIdentifier: 'r-root', policies: [FULL] }, { orgIdentifier: ARCHIVE, policies: [FULL, ...(withPolicies ? SCPS : [])] }] : [],
    // RCPFullAWSAccess is implied (the simulator refuses its Allow, as Organizations does any
    // Allow of an RCP but that one).
    resourceControlPolicies: [{ orgIdentifier: 'r-root', policies: [] }, { orgIdentifier: ARCHIVE, policies: withPolicies ? RCPS : [] }],
    resourcePolicy: resourcePolicyOf(action),
    request: {
      principal: who.principal, action, resource: { resource, accountId: ARCHIVE },
      contextVariables: { 'aws:PrincipalArn': who.roleArn, 'aws:PrincipalAccount': who.account, 'aws:PrincipalOrgID': ORG, 'aws:PrincipalIsAWSService': 'false', 'aws:SecureTransport': 'true', 'aws:RequestedRegion': HOME, ...ctx },
    },
  }, {});
  if (r.resultType === 'error') throw new Error(JSON.stringify(r.errors).slice(0, 600));
  return r.overallResult;
}

// [chain, principal, action, resource, context]
const chains = [
  ['unreadable: schedule the key\'s deletion', ADMIN, 'kms:ScheduleKeyDeletion', key, ALIASES],
  ['unreadable: disable the key', ADMIN, 'kms:DisableKey', key, ALIASES],
  ['unreadable: a key policy without the organization', ADMIN, 'kms:PutKeyPolicy', key, ALIASES],
  ['unreadable: a role the administrator creates deletes the key', OWN, 'kms:ScheduleKeyDeletion', key, ALIASES],
  ['unreadable: the alias moved off the key first', ADMIN, 'kms:DeleteAlias', `arn:aws:kms:${HOME}:${ARCHIVE}:alias/session-audit`],
  ['unreadable: the alias pointed at another key', ADMIN, 'kms:UpdateAlias', `arn:aws:kms:${HOME}:${ARCHIVE}:alias/session-audit`],
  ['unreadable: new objects encrypted with a key of the administrator', ADMIN, 's3:PutEncryptionConfiguration', `arn:aws:s3:::${bucket}`],
  ['deleted: governance retention bypassed', ADMIN, 's3:BypassGovernanceRetention', `arn:aws:s3:::${bucket}/session-manager/111111111111/us-east-1/s-1.log`],
  ['deleted: a version removed', ADMIN, 's3:DeleteObjectVersion', `arn:aws:s3:::${bucket}/cloudwatch/us-east-1/2026/01/02/111111111111/x.gz`],
  ['deleted: Object Lock configuration shortened', ADMIN, 's3:PutBucketObjectLockConfiguration', `arn:aws:s3:::${bucket}`],
  ['deleted: a lifecycle that expires early', ADMIN, 's3:PutLifecycleConfiguration', `arn:aws:s3:::${bucket}`],
  ['deleted: the bucket policy replaced', ADMIN, 's3:PutBucketPolicy', `arn:aws:s3:::${bucket}`],
  ['deleted: the bucket', ADMIN, 's3:DeleteBucket', `arn:aws:s3:::${bucket}`],
  ['stopped: the digester\'s notifications removed', ADMIN, 's3:PutBucketNotification', `arn:aws:s3:::${bucket}`],
  ['stopped: a stream deleted', ADMIN, 'firehose:DeleteDeliveryStream', `arn:aws:firehose:${HOME}:${ARCHIVE}:deliverystream/session-audit-${HOME}`],
  ['stopped: the ledger\'s stream deleted', ADMIN, 'firehose:DeleteDeliveryStream', `arn:aws:firehose:${HOME}:${ARCHIVE}:deliverystream/session-audit-ledger`],
  ['stopped: a stream sent elsewhere', ADMIN, 'firehose:UpdateDestination', `arn:aws:firehose:${HOME}:${ARCHIVE}:deliverystream/session-audit-${HOME}`],
  ['stopped: a destination deleted', ADMIN, 'logs:DeleteDestination', `arn:aws:logs:${HOME}:${ARCHIVE}:destination:session-audit`],
  ['stopped: a destination policy without the organization', ADMIN, 'logs:PutDestinationPolicy', `arn:aws:logs:${HOME}:${ARCHIVE}:destination:session-audit`],
  ['stopped: a rule of the central bus disabled', ADMIN, 'events:DisableRule', `arn:aws:events:${HOME}:${ARCHIVE}:rule/session-audit/session-audit-inbox`],
  ['stopped: a rule\'s targets removed', ADMIN, 'events:RemoveTargets', `arn:aws:events:${HOME}:${ARCHIVE}:rule/session-audit/session-audit-inbox`],
  ['stopped: a rule\'s pattern rewritten', ADMIN, 'events:PutRule', `arn:aws:events:${HOME}:${ARCHIVE}:rule/session-audit/session-audit-inbox`],
  ['stopped: the digester\'s hourly schedule disabled', ADMIN, 'events:DisableRule', `arn:aws:events:${HOME}:${ARCHIVE}:rule/SessionAudit-LogArchive-DigestHourly0A1B2C3D-ABCDEF123456`],
  ['stopped: the daily coverage check\'s rule deleted', ADMIN, 'events:DeleteRule', `arn:aws:events:${HOME}:${ARCHIVE}:rule/SessionAudit-LogArchive-CoverageCheckDaily0A1B2C3D-ABCDEF123456`],
  ['stopped: the digester\'s queue purged', ADMIN, 'sqs:PurgeQueue', `arn:aws:sqs:${HOME}:${ARCHIVE}:SessionAudit-LogArchive-DigestEvents0A1B2C3D-ABCDEF123456`],
  ['stopped: the digester\'s queue closed to EventBridge', ADMIN, 'sqs:SetQueueAttributes', `arn:aws:sqs:${HOME}:${ARCHIVE}:SessionAudit-LogArchive-DigestEvents0A1B2C3D-ABCDEF123456`],
  ['stopped: a function of the archive rewritten', ADMIN, 'lambda:UpdateFunctionCode', `arn:aws:lambda:${HOME}:${ARCHIVE}:function:SessionAudit-LogArchive-Formatter0A1B2C3D-abcdef123456`],
  ['stopped: a stream\'s role loses its policy', ADMIN, 'iam:DeleteRolePolicy', iamRole('SessionAudit-LogArchive-StreamRole0A1B2C3D-ABCDEF123456')],
  ['CloudFormation: a template without the key deployed to the stack', ADMIN, 'cloudformation:CreateChangeSet', stack('SessionAudit-LogArchive')],
  ['CloudFormation: the stack deleted', ADMIN, 'cloudformation:DeleteStack', stack(`SessionAudit-Receiver-${HOME}`)],
  ['CloudFormation: the bootstrap stack rewritten', ADMIN, 'cloudformation:UpdateStack', stack('CDKToolkit')],
  ['CloudFormation: the deploy role assumed', ADMIN, 'sts:AssumeRole', DEPLOY.roleArn],
  ['CloudFormation: the execution role passed to a stack of its own', ADMIN, 'iam:PassRole', EXEC.roleArn],
  ['CloudFormation: a role the exemption pattern matches, created', ADMIN, 'iam:CreateRole', iamRole('cdk-mine-cfn-exec-role-x')],
  ['CloudFormation: the deploy role made to trust the administrator', ADMIN, 'iam:UpdateAssumeRolePolicy', DEPLOY.roleArn],
  ['CloudFormation: the execution role given a policy', ADMIN, 'iam:AttachRolePolicy', EXEC.roleArn],
  ['another account: a trusted pipeline assumes the deploy role', PIPELINE, 'sts:AssumeRole', DEPLOY.roleArn],
  ['another account: a principal the key policy names deletes the key', PIPELINE, 'kms:ScheduleKeyDeletion', key, ALIASES],
  ['another account: a principal the bucket policy names bypasses retention', PIPELINE, 's3:BypassGovernanceRetention', `arn:aws:s3:::${bucket}/session-manager/x.log`],
];

for (const [chain, who, action, resource, ctx] of chains) {
  test(`a log-archive administrator's chain is closed: ${chain} (${action})`, { skip: SKIP }, async () => {
    assert.strictEqual(await decide(who, action, resource, ctx), 'ExplicitlyDenied', `${who.roleArn} ${action} ${resource}`);
  });
  test(`meta: without the log-archive policies the chain is open: ${chain}`, { skip: SKIP }, async () => {
    assert.strictEqual(await decide(who, action, resource, ctx, { withPolicies: false }), 'Allowed', `${who.roleArn} ${action} ${resource}`);
  });
}

// The deploy still works, and break-glass can act; ordinary work in the account is not denied.
const allowed = [
  ['the deploy role changes sessionaudit\'s stack', DEPLOY, 'cloudformation:CreateChangeSet', stack('SessionAudit-LogArchive')],
  ['the deploy role passes the execution role', DEPLOY, 'iam:PassRole', EXEC.roleArn],
  ['the execution role updates the key policy', EXEC, 'kms:PutKeyPolicy', key, ALIASES],
  ['the execution role updates the bucket policy', EXEC, 's3:PutBucketPolicy', `arn:aws:s3:::${bucket}`],
  ['the execution role updates a rule', EXEC, 'events:PutRule', `arn:aws:events:${HOME}:${ARCHIVE}:rule/session-audit/session-audit-inbox`],
  ['the administrator reads the archive', ADMIN, 's3:GetObject', `arn:aws:s3:::${bucket}/session-manager/x.log`],
  ['the administrator deletes a key of its own', ADMIN, 'kms:ScheduleKeyDeletion', key, { 'kms:ResourceAliases': ['alias/team-key'] }],
  ['the administrator deploys a stack of its own', ADMIN, 'cloudformation:CreateChangeSet', stack('team-stack')],
  ['the administrator changes a bucket of its own', ADMIN, 's3:PutBucketPolicy', 'arn:aws:s3:::team-bucket'],
];
for (const [what, who, action, resource, ctx] of allowed) {
  test(`allowed: ${what} (${action})`, { skip: SKIP }, async () => {
    assert.strictEqual(await decide(who, action, resource, ctx), 'Allowed', `${who.roleArn} ${action} ${resource}`);
  });
}
for (const [chain, , action, resource, ctx] of chains) {
  test(`break-glass may: ${chain} (${action})`, { skip: SKIP || (EXEMPT.length === 0 && 'no exempt principal') }, async () => {
    for (const e of EXEMPT) assert.strictEqual(await decide(e, action, resource, ctx), 'Allowed', e.pattern);
  });
}

test('the log-archive policies are attached to the log-archive account only, two SCPs and one RCP', { skip: SKIP }, () => {
  assert.deepStrictEqual(policies.map((p) => p.type).sort(), ['RESOURCE_CONTROL_POLICY', 'SERVICE_CONTROL_POLICY', 'SERVICE_CONTROL_POLICY']);
  for (const p of policies) assert.deepStrictEqual(p.targets, [ARCHIVE], p.name);
  for (const p of policies) assert.ok(JSON.stringify(p.policy).length <= 5120, `${p.name}: ${JSON.stringify(p.policy).length} characters`);
});

test('no condition of the log-archive policies reads a tag (no tag to protect)', { skip: SKIP }, () => {
  for (const p of policies) assert.ok(!/aws:(Resource|Request)Tag|aws:TagKeys|ResourceTag/.test(JSON.stringify(p.policy)), p.name);
});
