// The ways into a node besides Session Manager sessions (EC2 Instance Connect, its endpoint
// tunnels, the serial console, Run Command, ECS Exec) against the guardrails, with
// @cloud-copilot/iam-simulate, as guardrails.test.js does for sessions: a member administrator
// with AdministratorAccess-like policies, the service control policies alone deciding.
//
// Each way's setting in force is its own guardrails.ways.<way>, else guardrails.unloggedSessions.
// A way this configuration denies is checked against cdk.out's policies; a way it does not deny is
// checked there as allowed (notify and allow deny nothing), and, for the example organization,
// against test/testdata/guardrails-deny.scp.json (the same configuration in deny mode, every way
// denied, exempting arn:aws:iam::*:role/BreakGlass; go test ./test -update writes it).
const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { load, simulate, example, explain, role, principalFor, arnLike } = require('./policies.js');

const { DIR, ORG, HOME, MEMBER, CFG } = example();
const guardrails = { enabled: true, unloggedSessions: 'notify', exemptPrincipalArns: [], ways: {}, ...(CFG.guardrails || {}) };
// The ways, as config names them (config/schema.json, guardrails.ways; config.AllWays).
const WAYS = Object.keys(require('../../config/schema.json').properties.guardrails.properties.ways.properties);
const setting = (way) => (guardrails.ways || {})[way] || guardrails.unloggedSessions;
const NO_GUARDRAILS = !guardrails.enabled && 'guardrails.enabled is false: this configuration deploys no service control policy';
const DENIED = 'ExplicitlyDenied';

// The member accounts' policies: the log-archive account's own (guardrails.protectArchive,
// attached to it alone) are archive.test.js's.
const policiesOf = (template) => Object.values(template.Resources).filter((r) => r.Type === 'AWS::Organizations::Policy')
  .filter((r) => JSON.stringify(r.Properties.TargetIds) !== JSON.stringify([CFG.logArchiveAccountId]))
  .map((r) => ({ name: r.Properties.Name, policy: r.Properties.Content }));
const cdkOut = NO_GUARDRAILS ? [] : policiesOf(load(DIR, 'SessionAudit-Guardrails', { account: CFG.managementAccountId, region: HOME }).template);
const isExample = ORG === 'o-exampleorg1';
const twin = isExample ? policiesOf(JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'testdata', 'guardrails-deny.scp.json'), 'utf8'))) : [];

// Where each way is checked in deny mode: cdk.out when this configuration denies it, else the
// example's deny twin, else nowhere (said so).
const denyFor = (way) => {
  if (NO_GUARDRAILS) return { skip: NO_GUARDRAILS };
  if (setting(way) === 'deny') return { scps: cdkOut, exempt: guardrails.exemptPrincipalArns.map((p) => principalFor(p)) };
  if (isExample) return { scps: twin, exempt: [principalFor('arn:aws:iam::*:role/BreakGlass')] };
  return { skip: `guardrails.ways.${way} is "${setting(way)}" here: test-config's deny configurations (one-region.json, many-regions.json) deny it` };
};

const admin = { name: 'Admin', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };
const ADMIN = role('Admin');
const OWN_ROLE = role('my-runner'); // a role the administrator creates: not exempt
const OWN_USER = { principal: `arn:aws:iam::${MEMBER}:user/me`, roleArn: `arn:aws:iam::${MEMBER}:user/me`, account: MEMBER };
const instance = `arn:aws:ec2:${HOME}:${MEMBER}:instance/i-0123456789abcdef0`;
const endpoint = `arn:aws:ec2:${HOME}:${MEMBER}:instance-connect-endpoint/eice-0123456789abcdef0`;
const task = `arn:aws:ecs:${HOME}:${MEMBER}:task/orders/0123456789abcdef0123456789abcdef`;
const service = `arn:aws:ecs:${HOME}:${MEMBER}:service/orders/web`;
const window = `arn:aws:ssm:${HOME}:${MEMBER}:maintenancewindow/mw-0123456789abcdef0`;
const association = `arn:aws:ssm:${HOME}:${MEMBER}:association/0123abcd-0123-4567-89ab-0123456789ab`;
// A document as the simulator can parse it (its account): an AWS-owned document's own ARN has no
// account ("arn:aws:ssm:<region>::document/AWS-…"); the last test checks that form on the policy.
const docArn = (name, account = MEMBER) => `arn:aws:ssm:${HOME}:${account}:document/${name}`;

// The simulator refuses ec2-instance-connect:OpenTunnel: its Service Authorization Reference data
// lists the resource type instance-connect-endpoint twice for it ("multiple.resource.types"). Its
// decision is read from the policies instead, as IAM makes it for a statement of this shape only:
// a Deny whose Action names it, Resource "*", and no condition but ArnNotLike aws:PrincipalArn
// (anything else fails the test). SendSSHPublicKey, in the same statement, is simulated.
const UNSIMULABLE = ['ec2-instance-connect:OpenTunnel'];
const decide = async (s) => {
  if (!UNSIMULABLE.includes(s.action)) return simulate(s);
  for (const p of s.scps || []) {
    for (const st of [].concat(p.policy.Statement)) {
      if (st.Effect !== 'Deny' || ![].concat(st.Action || []).includes(s.action)) continue;
      assert.strictEqual(st.Resource, '*', `${p.name} ${st.Sid}: a resource the policy-level decision does not read`);
      assert.deepStrictEqual(Object.keys(st.Condition || {}), ['ArnNotLike'], `${p.name} ${st.Sid}: a condition the policy-level decision does not read`);
      assert.deepStrictEqual(Object.keys(st.Condition.ArnNotLike), ['aws:PrincipalArn']);
      if (![].concat(st.Condition.ArnNotLike['aws:PrincipalArn']).some((pattern) => arnLike(pattern, s.ctx['aws:PrincipalArn']))) return DENIED;
    }
  }
  return 'Allowed';
};

const request = (who, action, resource, scps, ctx = {}) => ({
  name: `${who.principal} calls ${action}`, principal: who.principal, action, resource: resource.replace(`:${MEMBER}:`, `:${who.account || MEMBER}:`),
  account: who.account || MEMBER, identity: [admin], scps,
  ctx: { 'aws:PrincipalArn': who.roleArn, 'aws:PrincipalAccount': who.account || MEMBER, 'aws:PrincipalOrgID': ORG, 'aws:SecureTransport': 'true', 'aws:RequestedRegion': HOME, ...ctx },
});

// What each way is, by its calls: the act itself (denied in deny mode), and ordinary work around
// it that stays allowed.
const acts = {
  instanceConnect: [['ec2-instance-connect:SendSSHPublicKey', instance]],
  instanceConnectEndpoint: [['ec2-instance-connect:OpenTunnel', endpoint]],
  serialConsole: [['ec2-instance-connect:SendSerialConsoleSSHPublicKey', instance], ['ec2:EnableSerialConsoleAccess', '*']],
  runCommand: [['ssm:SendCommand', docArn('AWS-RunShellScript')], ['ssm:SendCommand', docArn('AWS-RunPowerShellScript')],
    ['ssm:CreateAssociation', docArn('AWS-RunShellScript')], ['ssm:RegisterTaskWithMaintenanceWindow', window]],
  ecsExec: [['ecs:ExecuteCommand', task]],
};
const ordinary = {
  instanceConnect: [['ec2:DescribeInstances', '*']],
  instanceConnectEndpoint: [['ec2:CreateInstanceConnectEndpoint', endpoint], ['ec2:DescribeInstanceConnectEndpoints', '*']],
  serialConsole: [['ec2:DisableSerialConsoleAccess', '*'], ['ec2:GetSerialConsoleAccessStatus', '*']],
  runCommand: [['ssm:SendCommand', docArn('AWS-RunPatchBaseline')], ['ssm:SendCommand', instance], ['ssm:SendCommand', 'arn:aws:s3:::command-output'],
    ['ssm:CreateAssociation', docArn('AWS-RunPatchBaseline')], ['ssm:CreateAssociation', association], ['ssm:SendCommand', docArn('AWS-UpdateSSMAgent')],
    ['ssm:CreateAssociation', docArn('AWS-GatherSoftwareInventory')], ['ssm:CreateMaintenanceWindow', '*'], ['ssm:StartAutomationExecution', docArn('AWS-RestartEC2Instance')]],
  ecsExec: [['ecs:UpdateService', service], ['ecs:RunTask', `arn:aws:ecs:${HOME}:${MEMBER}:task-definition/web:1`]],
};

for (const way of WAYS) {
  const d = denyFor(way);
  for (const [action, resource, ctx] of acts[way]) {
    test(`${way} deny: a member administrator is refused ${action} on ${resource}`, { skip: d.skip || false }, async () => {
      const s = request(ADMIN, action, resource, d.scps, ctx);
      const got = await decide(s);
      assert.strictEqual(got, DENIED, explain({ ...s, expect: DENIED }, got));
    });
    test(`${way} deny: a role the administrator creates is refused ${action}`, { skip: d.skip || false }, async () => {
      assert.strictEqual(await decide(request(OWN_ROLE, action, resource, d.scps, ctx)), DENIED);
    });
    test(`${way} deny: the exempt principals may ${action}`, { skip: d.skip || false }, async () => {
      for (const e of d.exempt) assert.strictEqual(await decide(request(e, action, resource, d.scps, ctx)), 'Allowed', e.pattern);
    });
    if (setting(way) !== 'deny') {
      test(`${way} ${setting(way)}: this configuration allows ${action} on ${resource}`, { skip: NO_GUARDRAILS }, async () => {
        assert.strictEqual(await decide(request(ADMIN, action, resource, cdkOut, ctx)), 'Allowed');
      });
    }
  }
  for (const [action, resource] of ordinary[way]) {
    test(`${way} deny: ordinary work stays allowed: ${action} on ${resource}`, { skip: d.skip || false }, async () => {
      assert.strictEqual(await decide(request(ADMIN, action, resource, d.scps)), 'Allowed');
    });
  }
}

// Evasion chains per way: each is closed in deny mode when at least one step is denied.
const chain = (way, name, steps) => ({ way, name, steps });
const step = (who, action, resource, ctx = {}) => ({ who, action, resource, ctx });
const ownRole = [step(ADMIN, 'iam:CreateRole', OWN_ROLE.roleArn), step(ADMIN, 'iam:AttachRolePolicy', OWN_ROLE.roleArn)];
const ownUser = [step(ADMIN, 'iam:CreateUser', OWN_USER.roleArn), step(ADMIN, 'iam:AttachUserPolicy', OWN_USER.roleArn), step(ADMIN, 'iam:CreateAccessKey', OWN_USER.roleArn)];
const chains = [
  chain('instanceConnect', 'push a key, then SSH', [step(ADMIN, 'ec2-instance-connect:SendSSHPublicKey', instance)]),
  chain('instanceConnect', 'a role of its own pushes the key', [...ownRole, step(OWN_ROLE, 'ec2-instance-connect:SendSSHPublicKey', instance)]),
  chain('instanceConnect', 'a user of its own pushes the key', [...ownUser, step(OWN_USER, 'ec2-instance-connect:SendSSHPublicKey', instance)]),
  chain('instanceConnectEndpoint', 'create an endpoint, then open a tunnel', [step(ADMIN, 'ec2:CreateInstanceConnectEndpoint', endpoint), step(ADMIN, 'ec2-instance-connect:OpenTunnel', endpoint)]),
  chain('instanceConnectEndpoint', 'a role of its own opens the tunnel', [...ownRole, step(OWN_ROLE, 'ec2-instance-connect:OpenTunnel', endpoint)]),
  chain('serialConsole', 'enable the serial console, then push a key', [step(ADMIN, 'ec2:EnableSerialConsoleAccess', '*'), step(ADMIN, 'ec2-instance-connect:SendSerialConsoleSSHPublicKey', instance)]),
  chain('serialConsole', 'a role of its own pushes the serial console key', [...ownRole, step(OWN_ROLE, 'ec2-instance-connect:SendSerialConsoleSSHPublicKey', instance)]),
  chain('runCommand', 'AWS-RunShellScript', [step(ADMIN, 'ssm:SendCommand', docArn('AWS-RunShellScript')), step(ADMIN, 'ssm:SendCommand', instance)]),
  chain('runCommand', 'a copy of the shell document in the account', [
    step(ADMIN, 'ssm:CreateDocument', docArn('MyShell'), { 'ssm:DocumentType': 'Command' }), step(ADMIN, 'ssm:SendCommand', docArn('MyShell'))]),
  chain('runCommand', 'a shell document shared from another account', [step(ADMIN, 'ssm:SendCommand', docArn('Shell', '444444444444'))]),
  chain('runCommand', 'AWS-RunDocument runs a document of its own', [step(ADMIN, 'ssm:SendCommand', docArn('AWS-RunDocument'))]),
  chain('runCommand', 'AWS-RunRemoteScript runs a script from S3', [step(ADMIN, 'ssm:SendCommand', docArn('AWS-RunRemoteScript'))]),
  chain('runCommand', 'AWS-ConfigureAWSPackage installs a Distributor package of its own', [
    step(ADMIN, 'ssm:CreateDocument', docArn('MyPackage'), { 'ssm:DocumentType': 'Package' }), step(ADMIN, 'ssm:SendCommand', docArn('AWS-ConfigureAWSPackage'))]),
  chain('runCommand', 'AWS-RunPatchBaselineWithHooks runs hook documents of its own', [step(ADMIN, 'ssm:SendCommand', docArn('AWS-RunPatchBaselineWithHooks'))]),
  chain('runCommand', 'a State Manager association runs the shell document', [step(ADMIN, 'ssm:CreateAssociation', docArn('AWS-RunShellScript'))]),
  chain('runCommand', 'associations in a batch', [step(ADMIN, 'ssm:CreateAssociationBatch', docArn('MyShell'))]),
  chain('runCommand', 'an existing association switched to the shell document', [step(ADMIN, 'ssm:UpdateAssociation', docArn('AWS-RunShellScript'))]),
  chain('runCommand', 'a maintenance window task, run as Systems Manager\'s service-linked role (SCPs do not apply to it)', [
    step(ADMIN, 'ssm:CreateMaintenanceWindow', '*'), step(ADMIN, 'ssm:RegisterTaskWithMaintenanceWindow', window)]),
  chain('runCommand', 'an existing maintenance window task switched to the shell document', [step(ADMIN, 'ssm:UpdateMaintenanceWindowTask', window)]),
  chain('runCommand', 'an Automation runbook\'s aws:runCommand step, as a role of its own', [...ownRole,
    step(ADMIN, 'iam:PassRole', OWN_ROLE.roleArn, { 'iam:PassedToService': 'ssm.amazonaws.com' }), step(ADMIN, 'ssm:StartAutomationExecution', docArn('MyRunbook')),
    step(OWN_ROLE, 'ssm:SendCommand', docArn('AWS-RunShellScript'))]),
  chain('ecsExec', 'turn ECS Exec on for a service, then exec into its task', [step(ADMIN, 'ecs:UpdateService', service), step(ADMIN, 'ecs:ExecuteCommand', task)]),
  chain('ecsExec', 'a role of its own execs', [...ownRole, step(OWN_ROLE, 'ecs:ExecuteCommand', task, { 'ecs:container-name': 'app' })]),
];

const runChain = async (c, scps) => {
  const results = [];
  for (const st of c.steps) results.push([`${st.who.principal} ${st.action} ${st.resource}`, await decide(request(st.who, st.action, st.resource, scps, st.ctx))]);
  return results;
};
for (const c of chains) {
  const d = denyFor(c.way);
  test(`chain closed (${c.way} deny): ${c.name}`, { skip: d.skip || false }, async () => {
    const results = await runChain(c, d.scps);
    assert.ok(results.some(([, got]) => got === DENIED),
      `chain "${c.name}" is open: no step is denied by ${d.scps.map((p) => p.name).join(', ')}\n` + results.map(([what, got]) => `  ${what}: ${got}`).join('\n'));
  });
}

// Each chain is a real path: without the guardrails every step is allowed, so it is the policies
// that close it, not the simulator (no step here is one AWS refuses by itself).
test('without the guardrails every chain of the ways is open', async () => {
  for (const c of chains) {
    for (const [what, got] of await runChain(c, [])) assert.strictEqual(got, 'Allowed', `${c.way}: ${c.name}: ${what}`);
  }
});

// Every way is covered by chains, and a way's deny closes only its own calls: the policy of one
// way alone is not the others' (each way in deny mode is the tests above; here, the actions).
test('every way has evasion chains and acts', () => {
  assert.deepStrictEqual(Object.keys(acts).sort(), [...WAYS].sort(), 'the acts are not those of the ways config knows');
  for (const way of WAYS) {
    assert.ok(chains.some((c) => c.way === way), `no chain for ${way}`);
    assert.ok(acts[way].length > 0 && ordinary[way].length > 0, `no acts or ordinary work for ${way}`);
  }
});

// AWS-owned documents' ARNs have no account, a form the simulator cannot parse: the Run Command
// statement's NotResource, matched as IAM matches ARNs, spares exactly the patching documents in
// that form and the shell and script documents in none.
test('runCommand deny: AWS-owned documents in their own ARN form', { skip: denyFor('runCommand').skip || false }, () => {
  const ways = denyFor('runCommand').scps.find((p) => p.name === 'SessionAuditWays');
  assert.ok(ways, 'no SessionAuditWays policy');
  const st = ways.policy.Statement.find((x) => x.Sid === 'DenyRunCommandDocuments');
  assert.ok(st && !st.Resource, 'DenyRunCommandDocuments with a NotResource');
  const spared = (arn) => [].concat(st.NotResource).some((p) => arnLike(p, arn));
  const aws = (name) => `arn:aws:ssm:${HOME}::document/${name}`;
  for (const name of ['AWS-RunPatchBaseline', 'AWS-RunPatchBaselineAssociation', 'AWS-UpdateSSMAgent', 'AWS-GatherSoftwareInventory', 'AWS-RefreshAssociation']) {
    assert.ok(spared(aws(name)), `${name} is denied`);
  }
  for (const name of ['AWS-RunShellScript', 'AWS-RunPowerShellScript', 'AWS-RunRemoteScript', 'AWS-RunDocument', 'AWS-ApplyAnsiblePlaybooks', 'AWS-RunAnsiblePlaybook',
    'AWS-RunSaltState', 'AWS-InstallPowerShellModule', 'AWS-ConfigureAWSPackage', 'AWS-RunPatchBaselineWithHooks', 'AWS-ConfigureDocker']) {
    assert.ok(!spared(aws(name)), `${name} is spared`);
  }
  for (const arn of [docArn('MyShell'), docArn('Shell', '444444444444'), docArn('AWS-RunShellScript')]) assert.ok(!spared(arn), `${arn} is spared`);
});
