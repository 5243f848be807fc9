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
const test = require('node:test');
const assert = require('node:assert');
const { load, KEY_ID, simulate, example } = require('./policies.js');

const { DIR, ORG, ARCHIVE, HOME, OTHER_REGION: OTHER, MEMBER } = example();

const archive = load(DIR, 'SessionAudit-LogArchive', { account: ARCHIVE, region: HOME });
// The instance policy exists once per account (home region) and covers every region.
const member = load(DIR, 'SessionAudit-Member', { account: MEMBER, region: HOME });
const bucketPolicy = archive.find('AWS::S3::BucketPolicy', (id) => id.startsWith('CentralLogBucketPolicy')).PolicyDocument;
const logKeyPolicy = archive.find('AWS::KMS::Key', (id) => id.startsWith('LogKey')).KeyPolicy;
// The session key is the log-archive account's multi-Region key: its primary in the home region,
// a replica (same key ID and policy) in every other governed region.
// Without an organization session key, or a second region, those calls are skipped, saying why.
const receiver = OTHER ? load(DIR, 'SessionAudit-Receiver-' + OTHER, { account: ARCHIVE, region: OTHER }) : undefined;
const sessionKeyPolicies = {
  [HOME]: (archive.tryFind('AWS::KMS::Key', (id) => id.startsWith('SessionKey')) || {}).KeyPolicy,
};
if (OTHER) sessionKeyPolicies[OTHER] = (receiver.tryFind('AWS::KMS::ReplicaKey', (id) => id.startsWith('SessionKeyReplica')) || {}).KeyPolicy;
const instancePolicy = { name: 'SessionAuditInstanceLogging', policy: member.find('AWS::IAM::ManagedPolicy', (id) => id.startsWith('SessionPreferencesInstancePolicy')).PolicyDocument };
const userPolicy = { name: 'SessionUser', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ssm:StartSession', 'kms:GenerateDataKey'], Resource: '*' }] } };

const BUCKET = `session-audit-logs-${ARCHIVE}-${HOME}`;
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const LOG_KEY_ARN = `arn:aws:kms:${HOME}:${ARCHIVE}:key/${KEY_ID}`;
const instance = `arn:aws:sts::${MEMBER}:assumed-role/AppServerRole/i-0123456789abcdef0`;
const user = `arn:aws:sts::${MEMBER}:assumed-role/Operator/alice`;
const ctx = { 'aws:PrincipalOrgID': ORG, 'aws:PrincipalAccount': MEMBER, 'aws:SecureTransport': 'true', 'aws:PrincipalIsAWSService': 'false' };
const sessionCtx = {
  'kms:EncryptionContext:aws:ssm:SessionId': 'alice-0123456789abcdef0',
  'kms:EncryptionContext:aws:ssm:TargetId': 'i-0123456789abcdef0',
  'kms:EncryptionContextKeys': ['aws:ssm:SessionId', 'aws:ssm:TargetId'],
};
const throughS3 = { 'kms:ViaService': `s3.${HOME}.amazonaws.com`, 'kms:EncryptionContext:aws:s3:arn': BUCKET_ARN };
// What the agent sends on PutObject / CreateMultipartUpload: the bucket's default key as stored.
const putHeaders = {
  's3:x-amz-acl': 'bucket-owner-full-control',
  's3:x-amz-server-side-encryption': 'aws:kms',
  's3:x-amz-server-side-encryption-aws-kms-key-id': LOG_KEY_ARN,
};
const group = (region) => `arn:aws:logs:${region}:${MEMBER}:log-group:session-manager-log-${MEMBER}`;
const object = (region) => `${BUCKET_ARN}/session-manager/${MEMBER}/${region}/alice-0123456789abcdef0.log`;

const calls = [];
for (const region of [HOME, OTHER].filter(Boolean)) {
  const sessionKey = `arn:aws:kms:${region}:${ARCHIVE}:key/${KEY_ID}`;
  const sessionKeyPolicy = sessionKeyPolicies[region];
  const inAccount = (r) => ({ account: MEMBER, identity: [instancePolicy], principal: instance, ...r });
  const central = (r) => ({ account: ARCHIVE, identity: [instancePolicy], principal: instance, ...r });
  calls.push(...[
    { source: 'plugin src/encryption/kmsservice.go KMSGenerateDataKey', starts: true, principal: user, account: ARCHIVE, identity: [userPolicy], action: 'kms:GenerateDataKey', resource: sessionKey, resourcePolicy: sessionKeyPolicy, ctx: { ...ctx, ...sessionCtx }, expect: 'Allowed' },
    central({ source: 'agent/session/crypto/kmsservice.go Decrypt', starts: true, action: 'kms:Decrypt', resource: sessionKey, resourcePolicy: sessionKeyPolicy, ctx: { ...ctx, ...sessionCtx }, expect: 'Allowed' }),
    central({ source: 'agent/session/crypto/kmsservice.go Decrypt (without the session context: not a call the agent makes)', action: 'kms:Decrypt', resource: sessionKey, resourcePolicy: sessionKeyPolicy, ctx, expect: ['ImplicitlyDenied', 'ExplicitlyDenied'] }),
    inAccount({ source: 'cloudwatchlogsservice.go DescribeLogGroups (LogGroupNamePrefix = group)', starts: true, action: 'logs:DescribeLogGroups', resource: '*', ctx, expect: 'Allowed' }),
    inAccount({ source: 'cloudwatchlogsservice.go CreateLogStream', action: 'logs:CreateLogStream', resource: `${group(region)}:log-stream:alice-0123456789abcdef0`, ctx, expect: 'Allowed' }),
    inAccount({ source: 'cloudwatchlogsservice.go DescribeLogStreams', action: 'logs:DescribeLogStreams', resource: group(region), ctx, expect: 'Allowed' }),
    inAccount({ source: 'cloudwatchlogsservice.go PutLogEvents', action: 'logs:PutLogEvents', resource: `${group(region)}:log-stream:alice-0123456789abcdef0`, ctx, expect: 'Allowed' }),
    central({ source: 'crossregion.go getBucketRegionFromSignedHeadBucketRequest (HeadBucket = s3:ListBucket; a 403 carries X-Amz-Bucket-Region)', tolerated: true, action: 's3:ListBucket', resource: BUCKET_ARN, resourcePolicy: bucketPolicy, ctx, expect: 'ExplicitlyDenied' }),
    central({ source: 'shell.go validate / s3util.go IsBucketEncrypted (GetBucketEncryption)', starts: true, action: 's3:GetEncryptionConfiguration', resource: BUCKET_ARN, resourcePolicy: bucketPolicy, ctx, expect: 'Allowed' }),
    central({ source: 's3util.go S3Upload PutObject (and CreateMultipartUpload, UploadPart, CompleteMultipartUpload)', action: 's3:PutObject', resource: object(region), resourcePolicy: bucketPolicy, ctx: { ...ctx, ...putHeaders }, expect: 'Allowed' }),
    central({ source: 's3util.go S3Upload x-amz-acl: bucket-owner-full-control (s3:PutObjectAcl, conditionally required)', action: 's3:PutObjectAcl', resource: object(region), resourcePolicy: bucketPolicy, ctx: { ...ctx, ...putHeaders }, expect: 'Allowed' }),
    central({ source: 'S3 SSE-KMS on PutObject / CreateMultipartUpload: kms:GenerateDataKey through S3', action: 'kms:GenerateDataKey', resource: LOG_KEY_ARN, resourcePolicy: logKeyPolicy, ctx: { ...ctx, ...throughS3 }, expect: 'Allowed' }),
    central({ source: 'S3 SSE-KMS on UploadPart / CompleteMultipartUpload (transcripts over 5 MiB): kms:Decrypt through S3', action: 'kms:Decrypt', resource: LOG_KEY_ARN, resourcePolicy: logKeyPolicy, ctx: { ...ctx, ...throughS3 }, expect: 'Allowed' }),
    central({ source: 's3manager multiuploader.fail AbortMultipartUpload', action: 's3:AbortMultipartUpload', resource: object(region), resourcePolicy: bucketPolicy, ctx, expect: 'Allowed' }),
  ].map((c) => ({ ...c, region, skip: c.resource === sessionKey && !sessionKeyPolicy && 'this configuration has no organization session key' })));
}

test('every call the agent and the plugin make is in the matrix, in every governed region', () => {
  const actions = new Set(calls.map((c) => c.action));
  for (const a of ['kms:GenerateDataKey', 'kms:Decrypt', 'logs:DescribeLogGroups', 'logs:CreateLogStream', 'logs:DescribeLogStreams',
    'logs:PutLogEvents', 's3:ListBucket', 's3:GetEncryptionConfiguration', 's3:PutObject', 's3:PutObjectAcl', 's3:AbortMultipartUpload']) {
    assert.ok(actions.has(a), a);
  }
  assert.ok(calls.length >= (OTHER ? 2 : 1) * 14, String(calls.length));
});

for (const c of calls) {
  test(`[instance in ${c.region}] ${c.action}: ${c.source}${c.starts ? ' [session start]' : ''}${c.tolerated ? ' [denial tolerated]' : ''}`, { skip: c.skip || false }, async () => {
    const got = await simulate(c);
    const want = [].concat(c.expect);
    assert.ok(want.includes(got), `${c.principal} ${c.action} ${c.resource}: got ${got}, want ${want.join(' or ')}`);
  });
}
