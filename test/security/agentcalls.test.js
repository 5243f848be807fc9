// The agent-call matrix: every AWS call the SSM agent and the session-manager-plugin make to log
// and encrypt a session, read from their source, simulated against the synthesized member instance
// policy, the session key policy (primary and replica), central bucket policy and LogKey policy (@cloud-copilot/iam-simulate,
// intrinsics resolved for the example organization).
//
// Sources read (aws/amazon-ssm-agent 3.3.1142.0, commit 1c217c89; aws/session-manager-plugin
// 1.2.677.0, commit 61cf1288):
//   agent/session/shell/shell.go               validate(): DescribeLogGroups, GetBucketEncryption
//   agent/agentlogstocloudwatch/cloudwatchlogspublisher/cloudwatchlogsservice.go
//                                              DescribeLogGroups (prefix = group name), CreateLogStream,
//                                              DescribeLogStreams, PutLogEvents
//   agent/s3util/s3util.go, crossregion.go     HeadBucket (region from the header, 403 included),
//                                              GetBucketEncryption, s3manager PutObject / multipart
//                                              (5 MiB parts), AbortMultipartUpload on failure,
//                                              x-amz-acl bucket-owner-full-control, the bucket's
//                                              default SSE-KMS key id, Content-MD5
//   agent/session/crypto/kmsservice.go        kms:Decrypt, context aws:ssm:SessionId + aws:ssm:TargetId
//   plugin src/encryption/kmsservice.go        kms:GenerateDataKey, the same context
// A call marked `starts` stops the session from starting when it is denied; `tolerated` calls
// are expected to be denied and the agent carries on.
//
// Per governed region, the matrix reads that region's preferences document from the member
// template (conditions decided for the region) and lists only the calls it makes the agent make,
// each with the endpoint it goes to: logs and KMS calls go to the region of the log group and key,
// S3 calls to the bucket's region (crossregion.go: the agent signs for the region HeadBucket
// reports). A node in a private subnet reaches only its own region's endpoints (interface
// endpoints, and an S3 gateway endpoint that reaches buckets of its own region only), so every
// call of a node must go to an endpoint of the node's region; the plugin's call is the user's.
const test = require('node:test');
const assert = require('node:assert');
const { load, KEY_ID, simulate, example, explain } = require('./policies.js');

const { DIR, ORG, ARCHIVE, HOME, MEMBER, CFG } = example();
const REGIONS = CFG.regions;
// rollout.phase: "permissions" writes no preferences (nothing to call), "logging" no requirement
// that refuses a session, "enforced" (default) everything.
const PHASE = (CFG.rollout || {}).phase || 'enforced';
const NO_DOCUMENT = PHASE === 'permissions' && 'rollout.phase is "permissions": the member stack leaves every account\'s preferences as they are';

const archive = load(DIR, 'SessionAudit-LogArchive', { account: ARCHIVE, region: HOME });
// The instance policy exists once per account (home region) and covers every region.
const member = load(DIR, 'SessionAudit-Member', { account: MEMBER, region: HOME });
const bucketPolicy = archive.find('AWS::S3::BucketPolicy', (id) => id.startsWith('CentralLogBucketPolicy')).PolicyDocument;
const logKeyPolicy = archive.find('AWS::KMS::Key', (id) => id.startsWith('LogKey')).KeyPolicy;
// Buckets the log-archive stack creates, by name: their region is the home region.
const bucketRegion = Object.fromEntries(Object.values(archive.template.Resources)
  .filter((r) => r.Type === 'AWS::S3::Bucket' && typeof r.Properties.BucketName === 'string').map((r) => [r.Properties.BucketName, HOME]));
// The session key is the log-archive account's multi-Region key: its primary in the home region,
// a replica (same key ID and policy) in every other governed region.
const sessionKeyPolicy = (region) => {
  if (region === HOME) return (archive.tryFind('AWS::KMS::Key', (id) => id.startsWith('SessionKey')) || {}).KeyPolicy;
  const receiver = load(DIR, 'SessionAudit-Receiver-' + region, { account: ARCHIVE, region });
  return (receiver.tryFind('AWS::KMS::ReplicaKey', (id) => id.startsWith('SessionKeyReplica')) || {}).KeyPolicy;
};
const instancePolicy = { name: 'SessionAuditInstanceLogging', policy: member.find('AWS::IAM::ManagedPolicy', (id) => id.startsWith('SessionPreferencesInstancePolicy')).PolicyDocument };
const userPolicy = { name: 'SessionUser', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ssm:StartSession', 'kms:GenerateDataKey'], Resource: '*' }] } };

// preferences is the SSM-SessionManagerRunShell content the member stack writes in region.
const preferences = (region) => {
  const m = load(DIR, 'SessionAudit-Member', { account: MEMBER, region });
  const doc = m.tryFind('Custom::SessionManagerPreferences');
  return doc ? JSON.parse(doc.Content) : { inputs: {} };
};

const LOG_KEY_ARN = `arn:aws:kms:${HOME}:${ARCHIVE}:key/${KEY_ID}`;
const instance = `arn:aws:sts::${MEMBER}:assumed-role/AppServerRole/i-0123456789abcdef0`;
const user = `arn:aws:sts::${MEMBER}:assumed-role/Operator/alice`;
const ctx = { 'aws:PrincipalOrgID': ORG, 'aws:PrincipalAccount': MEMBER, 'aws:SecureTransport': 'true', 'aws:PrincipalIsAWSService': 'false' };
const sessionCtx = {
  'kms:EncryptionContext:aws:ssm:SessionId': 'alice-0123456789abcdef0',
  'kms:EncryptionContext:aws:ssm:TargetId': 'i-0123456789abcdef0',
  'kms:EncryptionContextKeys': ['aws:ssm:SessionId', 'aws:ssm:TargetId'],
};
const group = (region) => `arn:aws:logs:${region}:${MEMBER}:log-group:session-manager-log-${MEMBER}`;
const regionOf = (arn) => arn.split(':')[3];

const calls = [];
const documents = {};
for (const region of REGIONS) {
  const inputs = preferences(region).inputs;
  documents[region] = inputs;
  const inAccount = (r) => ({ account: MEMBER, identity: [instancePolicy], principal: instance, byNode: true, ...r });
  const central = (r) => ({ account: ARCHIVE, identity: [instancePolicy], principal: instance, byNode: true, ...r });
  const regional = [];
  if (inputs.kmsKeyId) {
    const sessionKey = inputs.kmsKeyId;
    const keyRegion = regionOf(sessionKey);
    const policy = sessionKeyPolicy(keyRegion);
    const kms = `kms.${keyRegion}`;
    regional.push(
      { source: 'plugin src/encryption/kmsservice.go KMSGenerateDataKey', endpoint: kms, byNode: false, starts: true, principal: user, account: ARCHIVE, identity: [userPolicy], action: 'kms:GenerateDataKey', resource: sessionKey, resourcePolicy: policy, ctx: { ...ctx, ...sessionCtx }, expect: 'Allowed', skip: !policy && 'the document names a key this configuration does not create' },
      central({ source: 'agent/session/crypto/kmsservice.go Decrypt', endpoint: kms, starts: true, action: 'kms:Decrypt', resource: sessionKey, resourcePolicy: policy, ctx: { ...ctx, ...sessionCtx }, expect: 'Allowed' }),
      central({ source: 'agent/session/crypto/kmsservice.go Decrypt (without the session context: not a call the agent makes)', endpoint: kms, action: 'kms:Decrypt', resource: sessionKey, resourcePolicy: policy, ctx, expect: ['ImplicitlyDenied', 'ExplicitlyDenied'] }),
    );
  }
  if (inputs.cloudWatchLogGroupName) {
    const logs = `logs.${region}`;
    regional.push(
      inAccount({ source: 'cloudwatchlogsservice.go DescribeLogGroups (LogGroupNamePrefix = group)', endpoint: logs, starts: inputs.cloudWatchEncryptionEnabled === true, action: 'logs:DescribeLogGroups', resource: '*', ctx, expect: 'Allowed' }),
      inAccount({ source: 'cloudwatchlogsservice.go CreateLogStream', endpoint: logs, action: 'logs:CreateLogStream', resource: `${group(region)}:log-stream:alice-0123456789abcdef0`, ctx, expect: 'Allowed' }),
      inAccount({ source: 'cloudwatchlogsservice.go DescribeLogStreams', endpoint: logs, action: 'logs:DescribeLogStreams', resource: group(region), ctx, expect: 'Allowed' }),
      inAccount({ source: 'cloudwatchlogsservice.go PutLogEvents', endpoint: logs, action: 'logs:PutLogEvents', resource: `${group(region)}:log-stream:alice-0123456789abcdef0`, ctx, expect: 'Allowed' }),
    );
  }
  if (inputs.s3BucketName) {
    const bucket = inputs.s3BucketName;
    const bucketArn = `arn:aws:s3:::${bucket}`;
    const s3 = `s3.${bucketRegion[bucket] || 'unknown (not a bucket of the log-archive stack)'}`;
    const object = `${bucketArn}/${inputs.s3KeyPrefix}/alice-0123456789abcdef0.log`;
    const throughS3 = { 'kms:ViaService': `s3.${HOME}.amazonaws.com`, 'kms:EncryptionContext:aws:s3:arn': bucketArn };
    const putHeaders = { 's3:x-amz-acl': 'bucket-owner-full-control', 's3:x-amz-server-side-encryption': 'aws:kms', 's3:x-amz-server-side-encryption-aws-kms-key-id': LOG_KEY_ARN };
    regional.push(
      central({ source: 'crossregion.go getBucketRegionFromSignedHeadBucketRequest (HeadBucket = s3:ListBucket; a 403 carries X-Amz-Bucket-Region)', endpoint: s3, tolerated: true, action: 's3:ListBucket', resource: bucketArn, resourcePolicy: bucketPolicy, ctx, expect: 'ExplicitlyDenied' }),
      central({ source: 'shell.go validate / s3util.go IsBucketEncrypted (GetBucketEncryption)', endpoint: s3, starts: inputs.s3EncryptionEnabled === true, action: 's3:GetEncryptionConfiguration', resource: bucketArn, resourcePolicy: bucketPolicy, ctx, expect: 'Allowed' }),
      central({ source: 's3util.go S3Upload PutObject (and CreateMultipartUpload, UploadPart, CompleteMultipartUpload)', endpoint: s3, action: 's3:PutObject', resource: object, resourcePolicy: bucketPolicy, ctx: { ...ctx, ...putHeaders }, expect: 'Allowed' }),
      central({ source: 's3util.go S3Upload x-amz-acl: bucket-owner-full-control (s3:PutObjectAcl, conditionally required)', endpoint: s3, action: 's3:PutObjectAcl', resource: object, resourcePolicy: bucketPolicy, ctx: { ...ctx, ...putHeaders }, expect: 'Allowed' }),
      // S3 calls KMS for the node; the node itself talks only to S3.
      central({ source: 'S3 SSE-KMS on PutObject / CreateMultipartUpload: kms:GenerateDataKey through S3', endpoint: s3, action: 'kms:GenerateDataKey', resource: LOG_KEY_ARN, resourcePolicy: logKeyPolicy, ctx: { ...ctx, ...throughS3 }, expect: 'Allowed' }),
      central({ source: 'S3 SSE-KMS on UploadPart / CompleteMultipartUpload (transcripts over 5 MiB): kms:Decrypt through S3', endpoint: s3, action: 'kms:Decrypt', resource: LOG_KEY_ARN, resourcePolicy: logKeyPolicy, ctx: { ...ctx, ...throughS3 }, expect: 'Allowed' }),
      central({ source: 's3manager multiuploader.fail AbortMultipartUpload', endpoint: s3, action: 's3:AbortMultipartUpload', resource: object, resourcePolicy: bucketPolicy, ctx, expect: 'Allowed' }),
    );
  }
  calls.push(...regional.map((c) => ({ ...c, region })));
}

test('every governed region logs its sessions: the document names the log group (and the session key when sessions are encrypted)', { skip: NO_DOCUMENT }, () => {
  const enforced = PHASE === 'enforced';
  for (const region of REGIONS) {
    const inputs = documents[region];
    assert.ok(inputs.cloudWatchLogGroupName && inputs.cloudWatchEncryptionEnabled === enforced,
      `expected the preferences of ${region} to log to the log group${enforced ? ', encryption checked at session start,' : ' without checks that refuse a session'} because rollout.phase is ${PHASE}; got ${JSON.stringify(inputs)}`);
    const encrypted = enforced && (CFG.session || {}).encryptionKey !== 'none';
    assert.strictEqual(Boolean(inputs.kmsKeyId), encrypted, `expected kmsKeyId ${encrypted ? 'set' : 'empty'} in ${region} because session.encryptionKey is ${(CFG.session || {}).encryptionKey || 'organization'} and rollout.phase ${PHASE}`);
  }
});

test('before the enforced phase no call of a node is a session-start requirement (an instance role without the policy keeps its sessions)', { skip: PHASE === 'enforced' && 'rollout.phase is "enforced"' }, () => {
  const required = calls.filter((c) => c.starts);
  assert.deepStrictEqual(required.map((c) => `${c.region}: ${c.action} (${c.source})`), [],
    `expected no session-start requirement in rollout.phase ${PHASE}, because the phases switch requirements on only after every instance role and user can meet them`);
});

test('every call a node makes for a session goes to an endpoint of its own region (private subnets reach only their region)', () => {
  const table = calls.map((c) => `${c.region.padEnd(15)} ${c.byNode ? 'node' : 'user'} ${c.endpoint.padEnd(22)} ${c.action}${c.starts ? ' [session start]' : ''}`);
  const foreign = calls.filter((c) => c.byNode && c.endpoint.split('.')[1] !== c.region);
  assert.deepStrictEqual(foreign.map((c) => `${c.region}: ${c.action} goes to ${c.endpoint} (${c.source})`), [],
    'expected no call of a node to leave its region, because a node in a private subnet has only its region\'s VPC endpoints and the agent refuses a session whose start calls fail.\nAll calls:\n' + table.join('\n'));
});

test('every call the agent and the plugin make is in the matrix of the bucket\'s region', { skip: NO_DOCUMENT }, () => {
  const home = new Set(calls.filter((c) => c.region === HOME).map((c) => c.action));
  const want = ['logs:DescribeLogGroups', 'logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents', 's3:ListBucket', 's3:GetEncryptionConfiguration', 's3:PutObject', 's3:PutObjectAcl', 's3:AbortMultipartUpload', 'kms:GenerateDataKey'];
  if ((CFG.session || {}).encryptionKey !== 'none' && PHASE === 'enforced') want.push('kms:Decrypt');
  for (const a of want) assert.ok(home.has(a), `expected ${a} among the calls of ${HOME}, the bucket's region`);
});

for (const c of calls) {
  test(`[instance in ${c.region}] ${c.action} via ${c.endpoint}: ${c.source}${c.starts ? ' [session start]' : ''}${c.tolerated ? ' [denial tolerated]' : ''}`, { skip: c.skip || false }, async () => {
    const got = await simulate(c);
    const want = [].concat(c.expect);
    assert.ok(want.includes(got), explain({ ...c, name: `${c.source}${c.starts ? ' (the session does not start without it)' : ''}` }, got));
  });
}
