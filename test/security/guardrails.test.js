// The guardrails matrix: the service control policies of SessionAudit-Guardrails (cdk.out, in the
// example's "notify" mode, and test/testdata/guardrails-deny.scp.json, the same config in "deny"
// mode) evaluated with @cloud-copilot/iam-simulate for principals of a member account that hold
// AdministratorAccess-like identity policies: the SCPs alone must decide.
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { load, simulate, example, explain, role, principalFor, arnLike } = require('./policies.js');

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
// A way into a node follows unloggedSessions unless it has its own setting (ways.test.js).
const WAYS_DENIED = Object.keys(require('../../config/schema.json').properties.guardrails.properties.ways.properties).some((w) => ((guardrails.ways || {})[w] || MODE) === 'deny');
test(`${MODE} mode has the policies it should`, { skip: NO_GUARDRAILS }, () => {
  const names = Object.values(fromCdkOut.Resources).filter((r) => r.Type === 'AWS::Organizations::Policy').map((r) => r.Properties.Name).sort();
  const archive = guardrails.protectArchive ? ['SessionAuditArchiveFlow', 'SessionAuditArchiveKeep', 'SessionAuditArchiveResources'] : [];
  assert.deepStrictEqual(names, [...archive, 'SessionAuditProtect', ...(MODE === 'deny' ? ['SessionAuditUnloggedSessions'] : []), ...(WAYS_DENIED ? ['SessionAuditWays'] : [])],
    'expected SessionAuditProtect, SessionAuditUnloggedSessions exactly in deny mode, SessionAuditWays exactly when a way into a node is denied, the three archive policies exactly with guardrails.protectArchive');
});

const admin = { name: 'Admin', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };
const ADMIN = role('Admin');
const STACKSET = role('stacksets-exec-0123456789abcdef0123456789abcdef');
const HANDLER = role(`session-audit-preferences-${HOME}`);
const exempt = guardrails.exemptPrincipalArns.map((pattern) => principalFor(pattern));
// Steps AWS refuses by itself, whatever the guardrails: the roles IAM Identity Center creates lie on
// the path /aws-reserved/sso.amazonaws.com/<region>/ (IAM Identity Center user guide,
// "Referencing permission sets in resource policies"), only its service-linked role
// AWSServiceRoleForSSO creates and changes roles there ("Using service-linked roles for IAM
// Identity Center"), and IAM refuses everyone else: "Cannot perform the operation on the protected
// role … this role is only modifiable by AWS" (AWS re:Post Knowledge Center, "How do I resolve the
// IAM error 'Cannot perform the operation on the protected role AWSReservedSSO'"). Nobody can
// create such a role, change its trust or its policies; handing it to a service gives the service
// nothing, as its trust (Identity Center's SAML provider) cannot be changed to admit one. The
// simulator knows the same (iam-simulate's IamServiceAuthorizer: these actions on role/aws-reserved/
// are implicitly denied); the meta-test below checks that both agree.
const RESERVED_ROLE_ACTIONS = ['iam:CreateRole', 'iam:UpdateAssumeRolePolicy', 'iam:AttachRolePolicy', 'iam:PutRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:PassRole'];
const awsRefuses = (st) => RESERVED_ROLE_ACTIONS.includes(st.action) && /^arn:[^:]*:iam::[^:]*:role\/aws-reserved\//.test(st.resource);
const DENIED = 'ExplicitlyDenied';

const group = `arn:aws:logs:${HOME}:${MEMBER}:log-group:session-manager-log-${MEMBER}`;
const doc = `arn:aws:ssm:${HOME}:${MEMBER}:document/SSM-SessionManagerRunShell`;
const instance = `arn:aws:ec2:${HOME}:${MEMBER}:instance/i-0123456789abcdef0`;
const mine = (name) => `arn:aws:ssm:${HOME}:${MEMBER}:document/${name}`;
const UNGOVERNED = ['eu-west-3', 'sa-east-1', 'af-south-1'].find((r) => !(CFG.regions || []).includes(r));
const HANDLER_FUNCTION = `arn:aws:lambda:${HOME}:${MEMBER}:function:session-audit-preferences`;
const NOTIFIER_ROLE = `arn:aws:iam::${MEMBER}:role/session-audit-notifier-${HOME}`;
const NOTIFIER_QUEUE = `arn:aws:sqs:${HOME}:${MEMBER}:session-audit-notifications`;
const rule = `arn:aws:events:${HOME}:${MEMBER}:rule/session-audit-sessions`;

const call = (name, who, action, resource, expect, { scps = protectScps, ctx = {}, skip = NO_GUARDRAILS } = {}) => ({
  name, principal: who.principal, action, resource: resource.replace(`:${MEMBER}:`, `:${who.account || MEMBER}:`), account: who.account || MEMBER, identity: [admin], scps, expect, skip,
  // aws:RequestedRegion "is always included in the request context" (IAM global condition keys).
  ctx: { 'aws:PrincipalArn': who.roleArn, 'aws:PrincipalAccount': who.account || MEMBER, 'aws:PrincipalOrgID': ORG, 'aws:SecureTransport': 'true', 'aws:RequestedRegion': HOME, ...ctx },
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
  deny('deny: member user starts a logged shell session', ADMIN, 'ssm:StartSession', doc, 'Allowed', { ctx: { 'aws:ResourceAccount': MEMBER } }),
  deny('deny: member user names the instance', ADMIN, 'ssm:StartSession', instance, 'Allowed'),
  deny('deny: member user starts a session on an ECS task', ADMIN, 'ssm:StartSession', `arn:aws:ecs:${HOME}:${MEMBER}:task/cluster/0123456789abcdef`, 'Allowed'),
  deny('deny: member user starts a session on an on-premises node', ADMIN, 'ssm:StartSession', `arn:aws:ssm:${HOME}:${MEMBER}:managed-instance/mi-0123456789abcdef0`, 'Allowed'),
  deny('deny: member user starts an interactive command (AWS does not document that it is logged)', ADMIN, 'ssm:StartSession', mine('AWS-StartInteractiveCommand'), DENIED),
  deny('deny: the Protect policy still holds', ADMIN, 'logs:DeleteSubscriptionFilter', group, DENIED),
];

// Ordinary work that stays allowed in every mode.
scenarios.push(
  call('member admin creates an Automation document', ADMIN, 'ssm:CreateDocument', mine('PatchNightly'), 'Allowed', { ctx: { 'ssm:DocumentType': 'Automation' } }),
  call('member admin passes its own role to its own function', ADMIN, 'iam:PassRole', `arn:aws:iam::${MEMBER}:role/app-function`, 'Allowed', { ctx: { 'iam:PassedToService': 'lambda.amazonaws.com' } }),
  call('member admin invokes its own function', ADMIN, 'lambda:InvokeFunction', `arn:aws:lambda:${HOME}:${MEMBER}:function:orders`, 'Allowed'),
  call('member admin adds a transformer to its own log group', ADMIN, 'logs:PutTransformer', `arn:aws:logs:${HOME}:${MEMBER}:log-group:app`, 'Allowed'),
  call('member admin purges its own queue', ADMIN, 'sqs:PurgeQueue', `arn:aws:sqs:${HOME}:${MEMBER}:orders`, 'Allowed'),
  call('member admin changes its own role\'s policy', ADMIN, 'iam:PutRolePolicy', `arn:aws:iam::${MEMBER}:role/app`, 'Allowed'),
  call('member user starts a default shell session', ADMIN, 'ssm:StartSession', instance, 'Allowed'),
  deny('deny: member user starts an RDP connection in a governed region', ADMIN, 'ssm-guiconnect:StartConnection', '*', 'Allowed'),
  notify('notify: member user starts a session in an ungoverned region (announced instead)', ADMIN, 'ssm:StartSession', instance.replace(HOME, UNGOVERNED), 'Allowed', { ctx: { 'aws:RequestedRegion': UNGOVERNED } }),
);

// Evasion chains: what a member administrator with AdministratorAccess would do, step by step, to
// start a session nobody can read, start one unannounced, or change the record. A chain is
// closed when at least one of its steps is denied by a service control policy; each runs in the
// mode that is to close it (Protect closes the tampering chains in every mode).
const chain = (name, mode, steps) => ({ name, mode, steps });
const step = (who, action, resource, ctx = {}) => ({ who, action, resource, ctx });
const exemptRoles = exempt.filter((e) => !e.pattern.includes(':user/') && !e.pattern.includes(':assumed-role/'));
const exemptUsers = exempt.filter((e) => e.pattern.includes(':user/'));
const chains = [
  chain('own Port session document, then a session with it', 'deny', [
    step(ADMIN, 'ssm:CreateDocument', mine('MyTunnel'), { 'ssm:DocumentType': 'Session' }),
    step(ADMIN, 'ssm:StartSession', mine('MyTunnel'), { 'aws:ResourceAccount': MEMBER })]),
  chain('own Standard_Stream shell without logging inputs, then a session with it', 'deny', [
    step(ADMIN, 'ssm:CreateDocument', mine('QuietShell'), { 'ssm:DocumentType': 'Session' }),
    step(ADMIN, 'ssm:StartSession', mine('QuietShell'), { 'aws:ResourceAccount': MEMBER })]),
  chain('an existing Session document made the default version of a quiet one', 'deny', [
    step(ADMIN, 'ssm:UpdateDocument', mine('TeamShell'), { 'ssm:DocumentType': 'Session' }),
    step(ADMIN, 'ssm:StartSession', mine('TeamShell'), { 'aws:ResourceAccount': MEMBER })]),
  chain('a document shared from another account under the preferences document\'s name', 'deny', [
    step(ADMIN, 'ssm:StartSession', 'arn:aws:ssm:' + HOME + ':444444444444:document/SSM-SessionManagerRunShell', { 'aws:ResourceAccount': '444444444444' })]),
  chain('a shared document of another name, given as its ARN', 'deny', [
    step(ADMIN, 'ssm:StartSession', 'arn:aws:ssm:' + HOME + ':444444444444:document/Tunnel', { 'aws:ResourceAccount': '444444444444' })]),
  chain('an AWS port-forwarding document given as an ARN', 'deny', [
    step(ADMIN, 'ssm:StartSession', mine('AWS-StartPortForwardingSession'))]),
  chain('a session in a region nobody governs', 'deny', [
    step(ADMIN, 'ssm:StartSession', instance.replace(HOME, UNGOVERNED), { 'aws:RequestedRegion': UNGOVERNED })]),
  chain('an RDP connection in a region nobody governs', 'deny', [
    step(ADMIN, 'ssm-guiconnect:StartConnection', '*', { 'aws:RequestedRegion': UNGOVERNED })]),
  chain('borrow the preferences handler\'s role for a function of its own', 'any', [
    step(ADMIN, 'iam:PassRole', HANDLER.roleArn, { 'iam:PassedToService': 'lambda.amazonaws.com' }),
    step(ADMIN, 'lambda:CreateFunction', `arn:aws:lambda:${HOME}:${MEMBER}:function:rewrite`)]),
  chain('rewrite the preferences handler\'s code', 'any', [step(ADMIN, 'lambda:UpdateFunctionCode', HANDLER_FUNCTION)]),
  chain('point the preferences handler at another role or environment', 'any', [step(ADMIN, 'lambda:UpdateFunctionConfiguration', HANDLER_FUNCTION)]),
  chain('invoke the preferences handler with a document of its own', 'any', [step(ADMIN, 'lambda:InvokeFunction', HANDLER_FUNCTION)]),
  chain('invoke a version of the preferences handler', 'any', [step(ADMIN, 'lambda:InvokeFunction', HANDLER_FUNCTION + ':1')]),
  chain('let EventBridge invoke the preferences handler', 'any', [step(ADMIN, 'lambda:AddPermission', HANDLER_FUNCTION)]),
  chain('give the preferences handler a public URL', 'any', [step(ADMIN, 'lambda:CreateFunctionUrlConfig', HANDLER_FUNCTION)]),
  chain('pass the StackSet\'s execution role to a service', 'any', [step(ADMIN, 'iam:PassRole', STACKSET.roleArn, { 'iam:PassedToService': 'ssm.amazonaws.com' })]),
  chain('create a role named like the preferences handler\'s', 'any', [step(ADMIN, 'iam:CreateRole', `arn:aws:iam::${MEMBER}:role/session-audit-preferences-${UNGOVERNED}`)]),
  ...exemptRoles.flatMap((e) => [
    chain(`become the exempt role ${e.pattern}: create it`, 'any', [step(ADMIN, 'iam:CreateRole', e.roleArn)]),
    chain(`become the exempt role ${e.pattern}: trust yourself`, 'any', [step(ADMIN, 'iam:UpdateAssumeRolePolicy', e.roleArn)]),
    chain(`become the exempt role ${e.pattern}: give it your policies`, 'any', [step(ADMIN, 'iam:AttachRolePolicy', e.roleArn)]),
    chain(`become the exempt role ${e.pattern}: hand it to a function`, 'any', [step(ADMIN, 'iam:PassRole', e.roleArn, { 'iam:PassedToService': 'lambda.amazonaws.com' })]),
  ]),
  ...exemptUsers.flatMap((e) => [
    chain(`become the exempt user ${e.pattern}: create it`, 'any', [step(ADMIN, 'iam:CreateUser', e.roleArn)]),
    chain(`become the exempt user ${e.pattern}: an access key`, 'any', [step(ADMIN, 'iam:CreateAccessKey', e.roleArn)]),
    chain(`become the exempt user ${e.pattern}: a console password`, 'any', [step(ADMIN, 'iam:CreateLoginProfile', e.roleArn)]),
  ]),
  chain('rewrite events before they are stored (transformer)', 'any', [step(ADMIN, 'logs:PutTransformer', group)]),
  chain('remove the transformer sessionaudit relies on not being there', 'any', [step(ADMIN, 'logs:DeleteTransformer', group)]),
  chain('mask events (data protection policy)', 'any', [step(ADMIN, 'logs:PutDataProtectionPolicy', group)]),
  chain('an account policy that applies to the session log group', 'any', [step(ADMIN, 'logs:PutAccountPolicy', '*')]),
  chain('silence the notices: deny PutEvents inline on the notifier role', 'any', [step(ADMIN, 'iam:PutRolePolicy', NOTIFIER_ROLE)]),
  chain('silence the notices: a permissions boundary on the notifier role', 'any', [step(ADMIN, 'iam:PutRolePermissionsBoundary', NOTIFIER_ROLE)]),
  chain('silence the notices: a managed deny on the notifier role', 'any', [step(ADMIN, 'iam:AttachRolePolicy', NOTIFIER_ROLE)]),
  chain('drop what could not be delivered: purge the dead-letter queue', 'any', [step(ADMIN, 'sqs:PurgeQueue', NOTIFIER_QUEUE)]),
  chain('drop what could not be delivered: receive and delete', 'any', [step(ADMIN, 'sqs:ReceiveMessage', NOTIFIER_QUEUE), step(ADMIN, 'sqs:DeleteMessage', NOTIFIER_QUEUE)]),
  chain('drop what could not be delivered: delete the queue', 'any', [step(ADMIN, 'sqs:DeleteQueue', NOTIFIER_QUEUE)]),
  chain('turn the session log group\'s deletion protection off, then delete it', 'any', [
    step(ADMIN, 'logs:PutLogGroupDeletionProtection', group), step(ADMIN, 'logs:DeleteLogGroup', group)]),
];

const runChain = async (c, scps) => {
  const results = [];
  for (const st of c.steps) {
    results.push([st.action + ' ' + st.resource, await simulate(call(c.name, st.who, st.action, st.resource, DENIED, { scps, ctx: st.ctx }))]);
  }
  return results;
};
for (const c of chains) {
  const scps = c.mode === 'deny' ? denyScps : protectScps;
  const skip = NO_GUARDRAILS || (c.mode === 'deny' && NO_DENY);
  test(`chain closed (${c.mode === 'deny' ? 'deny mode' : 'every mode'}): ${c.name}`, { skip }, async () => {
    if (c.steps.some(awsRefuses)) return; // closed by AWS itself; the meta-test checks the simulator agrees
    const results = await runChain(c, scps);
    assert.ok(results.some(([, got]) => got === DENIED),
      `chain "${c.name}" is open: no step is denied by ${scps.map((p) => p.name).join(', ')}\n` + results.map(([what, got]) => `  ${what}: ${got}`).join('\n'));
  });
}

// Each chain is a real path: without the guardrails (AWS's FullAWSAccess only) every step of it
// is allowed, so it is the policies that close it, not the simulator; except the steps AWS
// refuses by itself (awsRefuses), which the simulator must refuse too.
test('without the guardrails every chain is open but for the steps AWS refuses', { skip: NO_GUARDRAILS }, async () => {
  for (const c of chains) {
    const results = await runChain(c, []);
    c.steps.forEach((st, i) => {
      const [what, got] = results[i];
      if (awsRefuses(st)) assert.notStrictEqual(got, 'Allowed', `${c.name}: ${what}: AWS refuses it, the simulator allows it`);
      else assert.strictEqual(got, 'Allowed', `${c.name}: ${what}`);
    });
  }
});

test('every exempt pattern of the configuration has a principal in the matrix, matching it as IAM would', { skip: NO_GUARDRAILS }, () => {
  assert.strictEqual(exempt.length, guardrails.exemptPrincipalArns.length);
  for (const e of exempt) assert.ok(arnLike(e.pattern, e.roleArn), `${e.roleArn} does not match ${e.pattern}`);
});

// The derivation for the shapes config accepts, whatever this configuration holds.
test('exempt principals are derived from their pattern as IAM matches it', () => {
  const cases = [
    ['arn:aws:iam::*:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_PlatformBreakGlass_*', 'arn:aws:iam::333333333333:role/aws-reserved/sso.amazonaws.com/x/AWSReservedSSO_PlatformBreakGlass_x',
      'arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_PlatformBreakGlass_x/session', true],
    ['arn:aws:iam::*:role/Ops?Admin*', 'arn:aws:iam::333333333333:role/OpsxAdminx', 'arn:aws:sts::333333333333:assumed-role/OpsxAdminx/session', false],
    ['arn:aws:iam::*:role/break-glass/*', 'arn:aws:iam::333333333333:role/break-glass/x', 'arn:aws:sts::333333333333:assumed-role/x/session', false],
    ['arn:*:iam::12345678901?:role/*', 'arn:aws:iam::123456789013:role/x', 'arn:aws:sts::123456789013:assumed-role/x/session', false],
    ['arn:aws:iam::345678901234:user/emergency', 'arn:aws:iam::345678901234:user/emergency', 'arn:aws:iam::345678901234:user/emergency', false],
    // A wildcard before the reserved path is not the reserved path: a role anyone may create matches.
    ['arn:aws:iam::*:role/*AWSReservedSSO_*', 'arn:aws:iam::333333333333:role/xAWSReservedSSO_x', 'arn:aws:sts::333333333333:assumed-role/xAWSReservedSSO_x/session', false],
  ];
  for (const [pattern, roleArn, principal, reserved] of cases) {
    const e = principalFor(pattern, '333333333333');
    assert.deepStrictEqual([e.roleArn, e.principal], [roleArn, principal], pattern);
    assert.ok(arnLike(pattern, e.roleArn), `${e.roleArn} does not match ${pattern}`);
    assert.strictEqual(awsRefuses(step(ADMIN, 'iam:CreateRole', e.roleArn)), reserved && !pattern.includes(':user/'), `AWS refuses creating ${e.roleArn}`);
  }
  assert.ok(!arnLike('arn:aws:iam::*:role/aws-reserved/*', 'arn:aws:iam::333333333333:role/x'));
  assert.ok(!arnLike('arn:aws:iam::*:role/x', 'arn:aws:iam::333333333333:role/xy'));
  assert.ok(arnLike('arn:aws:iam::*:role/*', 'arn:aws:iam::333333333333:role/a/b/c'), '* spans slashes within a component');
  assert.ok(!arnLike('arn:aws:iam::*:role/*', 'arn:aws:sts::333333333333:role/x'), 'components match one by one');
});

for (const s of scenarios) {
  test(s.name, { skip: s.skip || false }, async () => {
    const got = await simulate(s);
    assert.ok([].concat(s.expect).includes(got), explain(s, got));
  });
}

// AWS-owned documents have no account in their ARN ("arn:aws:ssm:<region>::document/AWS-…"), a
// form the simulator cannot parse. The allow-list is a NotResource: anything but the session
// targets and the logged documents is denied, so an AWS-owned document is denied in either form
// unless it is one of the logged ones. Checked on the policy itself.
test('deny: the allow-list spares only the session targets and the logged documents', { skip: NO_GUARDRAILS || NO_DENY }, () => {
  const st = denyScps[1].policy.Statement.find((x) => x.Sid === 'DenyUnloggedSessions');
  assert.deepStrictEqual([].concat(st.NotResource).sort(), ['arn:*:ec2:*:*:instance/*', 'arn:*:ecs:*:*:task/*', 'arn:*:ssm:*:*:document/SSM-SessionManagerRunShell', 'arn:*:ssm:*:*:managed-instance/*']);
  assert.strictEqual(st.Action, 'ssm:StartSession');
  assert.strictEqual(st.Resource, undefined);
});
