// The guardrails matrix: the service control policies of SessionAudit-Guardrails (cdk.out, in the
// example's "notify" mode, and test/testdata/guardrails-deny.scp.json, the same config in "deny"
// mode) evaluated with @cloud-copilot/iam-simulate for principals of a member account that hold
// AdministratorAccess-like identity policies: the SCPs alone must decide.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { load, simulate, example } = require('./policies.js');

const { DIR, ORG, HOME, MEMBER } = example();
const notify = load(DIR, 'SessionAudit-Guardrails', { account: '111111111111', region: HOME });
const denyTemplate = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'testdata', 'guardrails-deny.scp.json'), 'utf8'));
const scp = (template, name) => {
  const found = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Organizations::Policy' && r.Properties.Name === name);
  assert.strictEqual(found.length, 1, name);
  return { name, policy: found[0].Properties.Content };
};
const notifyScps = [scp(notify.template, 'SessionAuditProtect')];
const denyScps = [scp(denyTemplate, 'SessionAuditProtect'), scp(denyTemplate, 'SessionAuditUnloggedSessions')];
assert.strictEqual(Object.values(notify.template.Resources).filter((r) => r.Type === 'AWS::Organizations::Policy').length, 1, 'notify mode has one policy');

const admin = { name: 'Admin', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };
const role = (name) => ({ principal: `arn:aws:sts::${MEMBER}:assumed-role/${name}/session`, roleArn: `arn:aws:iam::${MEMBER}:role/${name}` });
const ADMIN = role('Admin');
const STACKSET = role('stacksets-exec-0123456789abcdef0123456789abcdef');
const HANDLER = role(`session-audit-preferences-${HOME}`);
const BREAK_GLASS = role('BreakGlass');
const DENIED = 'ExplicitlyDenied';

const group = `arn:aws:logs:${HOME}:${MEMBER}:log-group:session-manager-log-${MEMBER}`;
const doc = `arn:aws:ssm:${HOME}:${MEMBER}:document/SSM-SessionManagerRunShell`;
const rule = `arn:aws:events:${HOME}:${MEMBER}:rule/session-audit-sessions`;

const call = (name, who, action, resource, expect, { scps = notifyScps, ctx = {} } = {}) => ({
  name, principal: who.principal, action, resource, account: MEMBER, identity: [admin], scps, expect,
  ctx: { 'aws:PrincipalArn': who.roleArn, 'aws:PrincipalAccount': MEMBER, 'aws:PrincipalOrgID': ORG, 'aws:SecureTransport': 'true', ...ctx },
});

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
  call('break-glass role disables the session rule', BREAK_GLASS, 'events:DisableRule', rule, 'Allowed'),

  // Unlogged sessions: "notify" refuses nothing, "deny" refuses port forwarding and SSH.
  call('notify: member user starts a port-forwarding session', ADMIN, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartPortForwardingSession`, 'Allowed'),
  call('notify: member user starts an SSH session', ADMIN, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartSSHSession`, 'Allowed'),
  call('deny: member user starts a port-forwarding session', ADMIN, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartPortForwardingSession`, DENIED, { scps: denyScps }),
  call('deny: member user forwards to a remote host', ADMIN, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartPortForwardingSessionToRemoteHost`, DENIED, { scps: denyScps }),
  call('deny: member user starts an SSH session', ADMIN, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartSSHSession`, DENIED, { scps: denyScps }),
  call('deny: an exempt principal forwards a port', BREAK_GLASS, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartPortForwardingSession`, 'Allowed', { scps: denyScps }),
  // Fleet Manager's Remote Desktop calls with the user's credentials via ssm-guiconnect (recorded instead).
  call('deny: Fleet Manager Remote Desktop starts its port-forwarding session', ADMIN, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartPortForwardingSession`, 'Allowed',
    { scps: denyScps, ctx: { 'aws:CalledVia': ['ssm-guiconnect.amazonaws.com'] } }),
  call('deny: another service forwards a port on the user\'s behalf', ADMIN, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:document/AWS-StartPortForwardingSession`, DENIED,
    { scps: denyScps, ctx: { 'aws:CalledVia': ['cloudformation.amazonaws.com'] } }),
  call('deny: member user starts a logged shell session', ADMIN, 'ssm:StartSession', doc, 'Allowed', { scps: denyScps }),
  call('deny: member user names the instance', ADMIN, 'ssm:StartSession', `arn:aws:ec2:${HOME}:${MEMBER}:instance/i-0123456789abcdef0`, 'Allowed', { scps: denyScps }),
  call('deny: the Protect policy still holds', ADMIN, 'logs:DeleteSubscriptionFilter', group, DENIED, { scps: denyScps }),
];

for (const s of scenarios) {
  test(s.name, async () => {
    const got = await simulate(s);
    assert.ok([].concat(s.expect).includes(got), `${s.principal} ${s.action} ${s.resource}: got ${got}, want ${s.expect}`);
  });
}

// AWS-owned documents have no account in their ARN ("arn:aws:ssm:*::document/AWS-StartPortForwardingSession"
// in AWS's Fleet Manager example); the simulator cannot parse that form, so the policy is checked
// to name each document in both forms.
test('deny: each unlogged document is denied with and without an account in its ARN', () => {
  const resources = [].concat(denyScps[1].policy.Statement[0].Resource);
  for (const d of ['AWS-StartPortForwardingSession', 'AWS-StartPortForwardingSessionToRemoteHost', 'AWS-StartSSHSession']) {
    assert.ok(resources.includes(`arn:*:ssm:*::document/${d}`) && resources.includes(`arn:*:ssm:*:*:document/${d}`), d);
  }
});
