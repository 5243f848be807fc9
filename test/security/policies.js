// Reads the policies of the synthesized templates with every intrinsic resolved to the concrete
// values a deployment in the example organization would have, for the access matrix.
const fs = require('node:fs');
const path = require('node:path');

const { runSimulation } = require('@cloud-copilot/iam-simulate');

const KEY_ID = 'mrk-0123456789abcdef0123456789abcdef';

// resolver returns resolve(value) for one template deployed in account/region.
function resolver(template, { account, region, partition = 'aws' }) {
  const res = template.Resources || {};
  const pseudo = { 'AWS::AccountId': account, 'AWS::Region': region, 'AWS::Partition': partition, 'AWS::URLSuffix': 'amazonaws.com', 'AWS::NoValue': undefined };
  const arn = (service, rest, acct = account, reg = region) => `arn:${partition}:${service}:${reg}:${acct}:${rest}`;
  const props = (id) => (res[id] && res[id].Properties) || {};
  function ref(id) {
    if (id in pseudo) return pseudo[id];
    const r = res[id];
    if (!r) throw new Error('unknown Ref ' + id);
    const p = props(id);
    switch (r.Type) {
      case 'AWS::S3::Bucket': return resolve(p.BucketName) || id.toLowerCase();
      case 'AWS::KMS::Key': return KEY_ID;
      case 'AWS::SNS::Topic': return arn('sns', resolve(p.TopicName) || id);
      case 'AWS::Logs::LogGroup': return resolve(p.LogGroupName) || id;
      case 'AWS::Events::EventBus': return resolve(p.Name);
      case 'AWS::Glue::Database': return resolve(p.DatabaseInput.Name);
      default: return id;
    }
  }
  function getAtt(id, attr) {
    const r = res[id];
    if (!r) throw new Error('unknown GetAtt ' + id);
    const p = props(id);
    switch (`${r.Type}.${attr}`) {
      case 'AWS::S3::Bucket.Arn': return `arn:${partition}:s3:::${ref(id)}`;
      case 'AWS::KMS::Key.Arn': return arn('kms', 'key/' + KEY_ID);
      case 'AWS::KMS::ReplicaKey.Arn': return arn('kms', 'key/' + KEY_ID);
      case 'AWS::Events::EventBus.Arn': return arn('events', 'event-bus/' + ref(id));
      case 'AWS::Events::Rule.Arn': {
        const bus = resolve(p.EventBusName);
        return arn('events', 'rule/' + (bus && bus !== 'default' ? bus + '/' : '') + (resolve(p.Name) || id));
      }
      case 'AWS::Logs::LogGroup.Arn': return arn('logs', `log-group:${ref(id)}:*`);
      case 'AWS::SQS::Queue.Arn': return arn('sqs', id);
      case 'AWS::Lambda::Function.Arn': return arn('lambda', 'function:' + id);
      case 'AWS::IAM::Role.Arn': return `arn:${partition}:iam::${account}:role/${id}`;
      case 'AWS::KinesisFirehose::DeliveryStream.Arn': return arn('firehose', 'deliverystream/' + resolve(p.DeliveryStreamName));
    }
    if (r.Type === 'Custom::KeyLookup') {
      const alias = resolve(p.AliasArn).split(':');
      return attr === 'KeyId' ? KEY_ID : `arn:${partition}:kms:${alias[3]}:${alias[4]}:key/${KEY_ID}`;
    }
    throw new Error(`no value for GetAtt ${id}.${attr} (${r.Type})`);
  }
  // condition evaluates a template condition (Fn::Equals, Fn::Not, Fn::And, Fn::Or, Condition).
  function condition(name) {
    const c = (template.Conditions || {})[name];
    if (!c) throw new Error('unknown condition ' + name);
    return holds(c);
  }
  function holds(c) {
    if ('Fn::Equals' in c) return JSON.stringify(resolve(c['Fn::Equals'][0])) === JSON.stringify(resolve(c['Fn::Equals'][1]));
    if ('Fn::Not' in c) return !holds(c['Fn::Not'][0]);
    if ('Fn::And' in c) return c['Fn::And'].every(holds);
    if ('Fn::Or' in c) return c['Fn::Or'].some(holds);
    if ('Condition' in c) return condition(c.Condition);
    throw new Error('cannot evaluate condition ' + JSON.stringify(c));
  }
  function resolve(v) {
    if (Array.isArray(v)) return v.map(resolve);
    if (v === null || typeof v !== 'object') return v;
    if ('Fn::If' in v) return resolve(condition(v['Fn::If'][0]) ? v['Fn::If'][1] : v['Fn::If'][2]);
    if ('Ref' in v) return ref(v.Ref);
    if ('Fn::GetAtt' in v) return getAtt(...v['Fn::GetAtt']);
    if ('Fn::Join' in v) return resolve(v['Fn::Join'][1]).join(v['Fn::Join'][0]);
    if ('Fn::Select' in v) return resolve(v['Fn::Select'][1])[v['Fn::Select'][0]];
    if ('Fn::Split' in v) return resolve(v['Fn::Split'][1]).split(v['Fn::Split'][0]);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
  }
  return resolve;
}

// load reads a template of dir and returns {template, resolve, only(type, filter)}.
function load(dir, stack, env) {
  const template = JSON.parse(fs.readFileSync(path.join(dir, stack + '.template.json'), 'utf8'));
  const resolve = resolver(template, env);
  const find = (type, filter = () => true) => {
    const found = Object.entries(template.Resources).filter(([id, r]) => r.Type === type && filter(id, r));
    if (found.length !== 1) throw new Error(`${stack}: want one ${type} matching the filter, found ${found.length} (${found.map(([id]) => id).join(', ') || 'none'}); the matrix reads the configuration of ${path.join(dir, 'sessionaudit.config.json')}`);
    return resolve(found[0][1].Properties);
  };
  // tryFind is find for what a configuration may leave out (a session key, say): undefined then.
  const tryFind = (type, filter = () => true) => {
    const found = Object.entries(template.Resources).filter(([id, r]) => r.Type === type && filter(id, r));
    return found.length === 1 ? resolve(found[0][1].Properties) : undefined;
  };
  return { template, resolve, find, tryFind };
}

// The simulator does not know kms:EncryptionContext:<key> (a variable key without a slash), so
// those conditions and request values are renamed to aws:RequestTag/<the same key>, a string key
// it evaluates with the same operators: the encryption context is checked, not dropped.
// simulable renames kms:EncryptionContext:<key> to aws:RequestTag/kms:EncryptionContext:<key>
// in condition keys (policies) and context keys (requests); see the file comment.
const EC = 'kms:EncryptionContext:';
const simKey = (k) => (k.startsWith(EC) ? 'aws:RequestTag/' + k : k);
function simulable(policy) {
  const copy = JSON.parse(JSON.stringify(policy));
  for (const st of [].concat(copy.Statement)) {
    for (const [op, keys] of Object.entries(st.Condition || {})) {
      st.Condition[op] = Object.fromEntries(Object.entries(keys).map(([k, v]) => [simKey(k), v]));
    }
  }
  return copy;
}
const simulableContext = (ctx) => Object.fromEntries(Object.entries(ctx).map(([k, v]) => [simKey(k), v]));

const FULL_AWS_ACCESS = { name: 'FullAWSAccess', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };

async function simulate(s) {
  const r = await runSimulation({
    identityPolicies: s.identity.map((p) => ({ name: p.name, policy: simulable(p.policy) })),
    // With s.scps: the root keeps AWS's default FullAWSAccess, the target OU has it plus s.scps.
    serviceControlPolicies: s.scps ? [
      { orgIdentifier: 'r-root', policies: [FULL_AWS_ACCESS] },
      { orgIdentifier: 'ou-target', policies: [FULL_AWS_ACCESS, ...s.scps] },
    ] : [],
    resourceControlPolicies: [],
    resourcePolicy: s.resourcePolicy && simulable(s.resourcePolicy),
    request: { principal: s.principal, action: s.action, resource: { resource: s.resource, accountId: s.account }, contextVariables: simulableContext(s.ctx) },
  }, {});
  if (r.resultType === 'error') throw new Error(JSON.stringify(r.errors).slice(0, 600));
  return r.overallResult;
}


// The member account of the matrices' example organization.
const MEMBER_ACCOUNT = '333333333333';

// role is a role of a member account as the matrices call with it: its session's ARN and the
// role's (aws:PrincipalArn).
const role = (name, account = MEMBER_ACCOUNT) => ({ principal: `arn:aws:sts::${account}:assumed-role/${name.split('/').pop()}/session`, roleArn: `arn:aws:iam::${account}:role/${name}`, account });
// One principal per exempt pattern of the configuration, derived the way IAM matches it: ArnLike
// compares the six colon-separated components of aws:PrincipalArn one by one, "*" matching any
// run of characters ("/" included) and "?" one (IAM user guide, condition operators, ARN
// condition operators). Each wildcard is filled with "x" (an account wildcard with the member
// account, a partition wildcard with "aws"), so the principal lies on the pattern's literal path
// and nowhere else: a pattern whose literal path is /aws-reserved/ yields a role there, any other
// pattern a role a member administrator could create. For a role, aws:PrincipalArn is the role's
// ARN with its path, the session's ARN carries only the role name.
const principalFor = (pattern, member = MEMBER_ACCOUNT) => {
  const parts = pattern.split(':');
  const [, partition, , , account] = parts;
  const resource = parts.slice(5).join(':');
  const acct = account === '*' ? member : account.replace(/[*?]/g, '3');
  const arn = `arn:${partition.replace(/[*?]/g, '') || 'aws'}:iam::${acct}:${resource.replace(/[*?]/g, 'x')}`;
  if (resource.startsWith('user/')) return { pattern, principal: arn, roleArn: arn, account: acct };
  const name = resource.replace(/^role\//, '').replace(/[*?]/g, 'x');
  return { pattern, ...role(name, acct), roleArn: arn };
};
// arnLike is IAM's ArnLike: component by component, * and ? within each.
const arnLike = (pattern, arn) => {
  const split = (a) => { const p = a.split(':'); return [...p.slice(0, 5), p.slice(5).join(':')]; };
  const glob = (p, s) => new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', 's').test(s);
  const [p, a] = [split(pattern), split(arn)];
  return p.length === a.length && p.every((c, i) => glob(c, a[i]));
};

// example is the organization the matrices evaluate (the configuration of the synthesized
// templates) and where its templates are (CDK_OUT, default cdk.out).
function example() {
  const root = path.join(__dirname, '..', '..');
  const dir = process.env.CDK_OUT || path.join(root, 'cdk.out');
  // The configuration the templates were synthesized from (the app writes it next to them), else
  // the example of cdk.json.
  const written = path.join(dir, 'sessionaudit.config.json');
  const cfg = fs.existsSync(written)
    ? JSON.parse(fs.readFileSync(written, 'utf8'))
    : JSON.parse(fs.readFileSync(path.join(root, 'cdk.json'), 'utf8')).context.sessionAudit;
  return {
    DIR: dir,
    ORG: cfg.organizationId,
    ARCHIVE: cfg.logArchiveAccountId,
    HOME: cfg.homeRegion,
    // A governed region besides the home region (the replicas live there), if the configuration
    // has one; the matrices skip what needs one when it does not.
    OTHER_REGION: cfg.regions.find((r) => r !== cfg.homeRegion),
    MEMBER: MEMBER_ACCOUNT,
    CFG: cfg,
  };
}

// explain is the message of a scenario whose decision is not the expected one: what was asked,
// what the matrix expected and why (the scenario's name states the property), what it got and
// which policies decided.
function explain(s, got) {
  const want = [].concat(s.expect).join(' or ');
  const policies = [...(s.identity || []).map((p) => 'identity ' + p.name), s.resourcePolicy ? 'resource policy of ' + s.resource : null, ...(s.scps || []).map((p) => 'SCP ' + p.name)].filter(Boolean);
  return [
    `expected ${want} because: ${s.name}${s.why ? ' (' + s.why + ')' : ''}`,
    `  got ${got} for ${s.principal} calling ${s.action} on ${s.resource} (account ${s.account})`,
    `  evaluated: ${policies.join('; ') || 'no policy'}`,
    `  request context: ${JSON.stringify(s.ctx)}`,
  ].join('\n');
}

module.exports = { load, resolver, KEY_ID, simulate, example, explain, role, principalFor, arnLike };
