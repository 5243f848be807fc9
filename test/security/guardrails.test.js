// The guardrails matrix: the service control policies of SessionAudit-Guardrails (cdk.out, in the
// example's "notify" mode, and test/testdata/guardrails-deny.scp.json, the same config in "deny"
// mode) evaluated with @cloud-copilot/iam-simulate for principals of a member account that hold
// AdministratorAccess-like identity policies: the SCPs alone must decide.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { load, simulate, example, explain } = require('./policies.js');

const { DIR, ORG, HOME, MEMBER, CFG } = example();
const guardrails = { enabled: true, unloggedSessions: 'notify', exemptPrincipalArns: [], ...(CFG.guardrails || {}) };
const MODE = guardrails.unloggedSessions;
const NO_GUARDRAILS = !guardrails.enabled && 'guardrails.enabled is false: this configuration deploys no service control policy';
const fromCdkOut = guardrails.enabled ? load(DIR, 'SessionAudit-Guardrails', { account: CFG.managementAccountId, region: HOME }).template : { Resources: {} };
// The "deny" policies: cdk.out's when the configuration denies; for the example organization
// (notify) test/testdata/guardrails-deny.scp.json, the same configuration in deny mode (go test
// writes it); other configurations in notify or allow mode skip them, saying so.
const isExample = CFG.organizationId === 'o-exampleorg1';
const denyTemplate = MODE === 'deny' ? fromCdkOut
  : isExample ? JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'testdata', 'guardrails-deny.scp.json'), 'utf8')) : undefined;
const NO_DENY = !NO_GUARDRAILS && !denyTemplate && `guardrails.unloggedSessions is "${MODE}": test-config's deny configurations (one-region.json, many-regions.json) run these`;
const scp = (template, name) => {
  const found = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Organizations::Policy' && r.Properties.Name === name);
  assert.strictEqual(found.length, 1, `want one service control policy named ${name}, found ${found.length}`);
  return { name, policy: found[0].Properties.Content };
};
const protectScps = NO_GUARDRAILS ? [] : [scp(fromCdkOut, 'SessionAuditProtect')];
const notifyScps = MODE === 'deny' ? [] : protectScps;
const denyScps = denyTemplate ? [scp(denyTemplate, 'SessionAuditProtect'), scp(denyTemplate, 'SessionAuditUnloggedSessions')] : [];
test(`${MODE} mode has the policies it should`, { skip: NO_GUARDRAILS }, () => {
  const names = Object.values(fromCdkOut.Resources).filter((r) => r.Type === 'AWS::Organizations::Policy').map((r) => r.Properties.Name).sort();
  assert.deepStrictEqual(names, MODE === 'deny' ? ['SessionAuditProtect', 'SessionAuditUnloggedSessions'] : ['SessionAuditProtect'],
    'expected SessionAuditProtect, and SessionAuditUnloggedSessions exactly in deny mode');
});

const admin = { name: 'Admin', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };
const role = (name, account = MEMBER) => ({ principal: `arn:aws:sts::${account}:assumed-role/${name.split('/').pop()}/session`, roleArn: `arn:aws:iam::${account}:role/${name}`, account });
const ADMIN = role('Admin');
const STACKSET = role('stacksets-exec-0123456789abcdef0123456789abcdef');
const HANDLER = role(`session-audit-preferences-${HOME}`);
// One principal per exempt pattern of the configuration, made to match it: * and ? filled in, an
// account wildcard as the member account (a pattern that names an account is evaluated there).
const exempt = guardrails.exemptPrincipalArns.map((pattern) => {
  const [, , , , account, resource] = pattern.split(':');
  const acct = account === '*' ? MEMBER : account.replace(/[*?]/g, '3');
  const name = resource.replace(/^(role|user)\//, '').replace(/\*/g, 'x').replace(/\?/g, 'x');
  if (resource.startsWith('user/')) return { pattern, principal: `arn:aws:iam::${acct}:user/${name}`, roleArn: `arn:aws:iam::${acct}:user/${name}`, account: acct };
  return { pattern, ...role(name, acct) };
});
const DENIED = 'ExplicitlyDenied';

const group = `arn:aws:logs:${HOME}:${MEMBER}:log-group:session-manager-log-${MEMBER}`;
const doc = `arn:aws:ssm:${HOME}:${MEMBER}:document/SSM-SessionManagerRunShell`;
const rule = `arn:aws:events:${HOME}:${MEMBER}:rule/session-audit-sessions`;

const call = (name, who, action, resource, expect, { scps = protectScps, ctx = {}, skip = NO_GUARDRAILS } = {}) => ({
  name, principal: who.principal, action, resource: resource.replace(`:${MEMBER}:`, `:${who.account || MEMBER}:`), account: who.account || MEMBER, identity: [admin], scps, expect, skip,
  ctx: { 'aws:PrincipalArn': who.roleArn, 'aws:PrincipalAccount': who.account || MEMBER, 'aws:PrincipalOrgID': ORG, 'aws:SecureTransport': 'true', ...ctx },
});
const notify = (name, who, action, resource, expect, o = {}) => call(name, who, action, resource, expect, { ...o, scps: notifyScps, skip: NO_GUARDRAILS || (MODE === 'deny' && 'this configuration is in deny mode') });
const deny = (name, who, action, resource, expect, o = {}) => call(name, who, action, resource, expect, { ...o, scps: denyScps, skip: NO_GUARDRAILS || NO_DENY });

const scenarios = [
  // Protect: a member administrator cannot touch what sessionaudit deployed...
  call('member admin deletes the subscription filter', ADMIN, 'logs:DeleteSubscriptionFilter', group, DENIED),
  call('member admin replaces the subscription filter', ADMIN, 'logs:PutSubscriptionFilter', `${group}:*`, DENIED),
  call('member admin deletes the session log group', ADMIN, 'logs:DeleteLogGroup', group, DENIED),
  call('member admin shortens the log retention', ADMIN, 'logs:PutRetentionPolicy', `${group}:*`, DENIED),
  call('member admin updates the preferences document', ADMIN, 'ssm:UpdateDocument', doc, DENIED),
  call('member admin deletes the preferences document', ADMIN, 'ssm:DeleteDocument', doc, DENIED),
  call('member admin disables the session rule', ADMIN, 'events:DisableRule', rule, DENIED),
  call('member admin removes the rule\'s target', ADMIN, 'events:RemoveTargets', rule, DENIED),
  call('member admin turns off the session log group\'s deletion protection', ADMIN, 'logs:PutLogGroupDeletionProtection', group, DENIED),
  call('member admin changes the RDP recording preferences', ADMIN, 'ssm-guiconnect:UpdateConnectionRecordingPreferences', '*', DENIED),
  call('member admin edits the instance policy', ADMIN, 'iam:CreatePolicyVersion', `arn:aws:iam::${MEMBER}:policy/SessionAuditInstanceLogging`, DENIED),
  call('member admin detaches the instance policy', ADMIN, 'iam:DetachRolePolicy', `arn:aws:iam::${MEMBER}:role/AppServerRole`, DENIED,
    { ctx: { 'iam:PolicyARN': `arn:aws:iam::${MEMBER}:policy/SessionAuditInstanceLogging` } }),
  call('member admin creates a role the exemption would cover', ADMIN, 'iam:CreateRole', `arn:aws:iam::${MEMBER}:role/stacksets-exec-mine`, DENIED),
  call('member admin changes the document handler\'s trust', ADMIN, 'iam:UpdateAssumeRolePolicy', HANDLER.roleArn, DENIED),
  // ...but everything else of its own stays its own.
  call('member admin deletes its own log group', ADMIN, 'logs:DeleteLogGroup', `arn:aws:logs:${HOME}:${MEMBER}:log-group:app`, 'Allowed'),
  call('member admin disables its own rule', ADMIN, 'events:DisableRule', `arn:aws:events:${HOME}:${MEMBER}:rule/nightly`, 'Allowed'),
  call('member admin detaches another policy', ADMIN, 'iam:DetachRolePolicy', `arn:aws:iam::${MEMBER}:role/AppServerRole`, 'Allowed',
    { ctx: { 'iam:PolicyARN': `arn:aws:iam::${MEMBER}:policy/AppPolicy` } }),
  call('member admin creates its own role', ADMIN, 'iam:CreateRole', `arn:aws:iam::${MEMBER}:role/app`, 'Allowed'),
  // The deployment and the break-glass role may.
  call('StackSet execution role replaces the subscription filter', STACKSET, 'logs:PutSubscriptionFilter', `${group}:*`, 'Allowed'),
  call('StackSet execution role deletes the session rule', STACKSET, 'events:DeleteRule', rule, 'Allowed'),
  call('StackSet execution role sets the RDP recording preferences', STACKSET, 'ssm-guiconnect:UpdateConnectionRecordingPreferences', '*', 'Allowed'),
  call('StackSet execution role creates the document handler role', STACKSET, 'iam:CreateRole', HANDLER.roleArn, 'Allowed'),
  call('document handler updates the preferences document', HANDLER, 'ssm:UpdateDocument', doc, 'Allowed'),
  call('document handler sets the RDP recording preferences', HANDLER, 'ssm-guiconnect:UpdateConnectionRecordingPreferences', '*', 'Allowed'),
  call('document handler turns the session log group\'s deletion protection off', HANDLER, 'logs:PutLogGroupDeletionProtection', group, 'Allowed'),
  ...exempt.map((e) => call(`exempt principal (${e.pattern}) disables the session rule`, e, 'events:DisableRule', rule, 'Allowed')),

  // Unlogged sessions: "notify" refuses nothing, "deny" refuses port forwarding and SSH.
  notify('notify: member user starts a port-forwarding session', ADMIN, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartPortForwardingSession`, 'Allowed'),
  notify('notify: member user starts an SSH session', ADMIN, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartSSHSession`, 'Allowed'),
  deny('deny: member user starts a port-forwarding session', ADMIN, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartPortForwardingSession`, DENIED),
  deny('deny: member user forwards to a remote host', ADMIN, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartPortForwardingSessionToRemoteHost`, DENIED),
  deny('deny: member user starts an SSH session', ADMIN, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartSSHSession`, DENIED),
  ...(denyTemplate === fromCdkOut ? exempt : []).map((e) => deny(`deny: an exempt principal (${e.pattern}) forwards a port`, e, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartPortForwardingSession`, 'Allowed')),
  ...(denyTemplate && denyTemplate !== fromCdkOut ? [deny('deny: the example\'s exempt role forwards a port', role('BreakGlass'), 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartPortForwardingSession`, 'Allowed')] : []),
  // Fleet Manager's Remote Desktop calls with the user's credentials via ssm-guiconnect (recorded instead).
  deny('deny: Fleet Manager Remote Desktop starts its port-forwarding session', ADMIN, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartPortForwardingSession`, 'Allowed',
    { ctx: { 'aws:CalledVia': ['ssm-guiconnect.amazonaws.com'] } }),
  deny('deny: another service forwards a port on the user\'s behalf', ADMIN, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartPortForwardingSession`, DENIED,
    { ctx: { 'aws:CalledVia': ['cloudformation.amazonaws.com'] } }),
  deny('deny: member user starts a logged shell session', ADMIN, 'ssm:StartSession', doc, 'Allowed'),
  deny('deny: member user names the instance', ADMIN, 'ssm:StartSession', `arn:aws:ec2:${HOME}:${MEMBER}:instance/i-0123456789abcdef0`, 'Allowed'),
  deny('deny: the Protect policy still holds', ADMIN, 'logs:DeleteSubscriptionFilter', group, DENIED),
];

test('every exempt pattern of the configuration has a principal in the matrix', { skip: NO_GUARDRAILS }, () => {
  assert.strictEqual(exempt.length, guardrails.exemptPrincipalArns.length);
});

for (const s of scenarios) {
  test(s.name, { skip: s.skip || false }, async () => {
    const got = await simulate(s);
    assert.ok([].concat(s.expect).includes(got), explain(s, got));
  });
}

// AWS-owned documents have no account in their ARN ("arn:aws:ssm:*::document/AWS-StartPortForwardingSession"
// in AWS's Fleet Manager example); the simulator cannot parse that form, so the policy is checked
// to name each document in both forms.
test('deny: each unlogged document is denied with and without an account in its ARN', { skip: NO_GUARDRAILS || NO_DENY }, () => {
  const resources = [].concat(denyScps[1].policy.Statement[0].Resource);
  for (const d of ['AWS-StartPortForwardingSession', 'AWS-StartPortForwardingSessionToRemoteHost', 'AWS-StartSSHSession']) {
    assert.ok(resources.includes(`arn:*:ssm:*::document/${d}`) && resources.includes(`arn:*:ssm:*:*:document/${d}`), d);
  }
});
