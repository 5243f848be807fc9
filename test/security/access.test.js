// The access matrix: who may do what to the central bucket, the keys, the log destination, the
// event bus and the topic, evaluated with @cloud-copilot/iam-simulate against the synthesized
// policies with every intrinsic resolved. The member instance policy is the identity policy of
// instances. The simulator does not know kms:EncryptionContext:<key> (a variable key without a
// slash), so those conditions and request values are renamed to aws:RequestTag/<the same key>, a
// string key it evaluates with the same operators: the encryption context is checked, not dropped.
const test = require('node:test');
const assert = require('node:assert');
const { load, KEY_ID, simulate, example, explain } = require('./policies.js');

const { DIR, ORG, ARCHIVE, HOME, OTHER_REGION, MEMBER } = example();
const STRANGER = '999999999999';
const OTHER_ORG = 'o-otherorg9999';

const archive = load(DIR, 'SessionAudit-LogArchive', { account: ARCHIVE, region: HOME });
// The receiver of another governed region (replicas), or of the home region when there is no other.
const RECEIVER_REGION = OTHER_REGION || HOME;
const receiver = load(DIR, 'SessionAudit-Receiver-' + RECEIVER_REGION, { account: ARCHIVE, region: RECEIVER_REGION });
const member = load(DIR, 'SessionAudit-Member', { account: MEMBER, region: HOME });
const byId = (prefix) => (id) => id.startsWith(prefix);

const BUCKET = `session-audit-logs-${ARCHIVE}-${HOME}`;
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;
const KEY_ARN = `arn:aws:kms:${HOME}:${ARCHIVE}:key/${KEY_ID}`;
const bucketPolicy = archive.find('AWS::S3::BucketPolicy', byId('CentralLogBucketPolicy')).PolicyDocument;
const keyPolicy = archive.find('AWS::KMS::Key', byId('LogKey')).KeyPolicy;
// Without session.encryptionKey "organization" (or without a second region) there is no session key
// (or replica): the scenarios that need one are skipped, saying why.
const sessionKeyPolicy = (archive.tryFind('AWS::KMS::Key', byId('SessionKey')) || {}).KeyPolicy;
const sessionReplicaPolicy = OTHER_REGION ? (receiver.tryFind('AWS::KMS::ReplicaKey', byId('SessionKeyReplica')) || {}).KeyPolicy : undefined;
const busPolicy = { Version: '2012-10-17', Statement: [archive.find('AWS::Events::EventBusPolicy').Statement] };
const topicPolicy = archive.find('AWS::SNS::TopicPolicy', byId('LoginNotifierTopicPolicy')).PolicyDocument;
// With notifications.chat, a second topic in the chat integrations' format, with its own policy.
const chatTopicPolicy = (archive.tryFind('AWS::SNS::TopicPolicy', byId('LoginNotifierChatTopicPolicy')) || {}).PolicyDocument;
const chatTopicArn = `arn:aws:sns:${HOME}:${ARCHIVE}:session-audit-chat`;
const NO_CHAT = !chatTopicPolicy && 'this configuration has no chat topic (notifications.chat is false)';
const topicArn = archive.resolve({ Ref: Object.keys(archive.template.Resources).find((id) => id.startsWith('LoginNotifierTopic') && archive.template.Resources[id].Type === 'AWS::SNS::Topic') });
const busArn = `arn:aws:events:${HOME}:${ARCHIVE}:event-bus/session-audit`;
const alarmRuleArn = `arn:aws:events:${HOME}:${ARCHIVE}:rule/session-audit/session-audit-Alarms`;
const destinationArn = `arn:aws:logs:${RECEIVER_REGION}:${ARCHIVE}:destination:session-audit`;
const destinationPolicy = JSON.parse(receiver.find('AWS::Logs::Destination').DestinationPolicy);
const instancePolicy = { name: 'SessionAuditInstanceLogging', policy: member.find('AWS::IAM::ManagedPolicy', byId('SessionPreferencesInstancePolicy')).PolicyDocument };
const lookupPolicy = { name: 'KeyLookup', policy: member.find('AWS::IAM::Policy', byId('LogKeyHandlerRoleDefaultPolicy')).PolicyDocument };
const notifierPolicy = { name: 'LoginNotifier', policy: member.find('AWS::IAM::Policy', byId('LoginNotifierRoleDefaultPolicy')).PolicyDocument };
// The auditor: a log-archive role with the archive search's managed policy and nothing else.
const auditorPolicy = { name: 'SessionAuditAuditor', policy: archive.find('AWS::IAM::ManagedPolicy', byId('ArchiveSearchAuditorPolicy')).PolicyDocument };
const auditor = `arn:aws:iam::${ARCHIVE}:role/Auditor`;
const RESULTS_ARN = `arn:aws:s3:::session-audit-query-results-${ARCHIVE}-${HOME}`;
const athena = (name, principal, action, resource, expect, identity = [auditorPolicy]) => ({ name, principal, action, resource, account: ARCHIVE, identity, ctx: orgCtx(ARCHIVE), expect });
const forwardedKey = `cloudwatch/${HOME}/2026/11/22/${MEMBER}/session-audit-${HOME}-1-2026-11-22-10-15-30-abc.json.gz`;
const ledgerKey = 'ledger/2026/11/22/10/session-audit-ledger-1-2026-11-22-10-15-30-abc.json.gz';
const ledgerPolicy = { name: 'LedgerDelivery', policy: archive.find('AWS::IAM::Policy', byId('LedgerDeliveryRoleDefaultPolicy')).PolicyDocument };
const ledgerRole = `arn:aws:sts::${ARCHIVE}:assumed-role/SessionAudit-LogArchive-LedgerDeliveryRole/firehose`;
const sessionLogGroupArn = `arn:aws:logs:${HOME}:${MEMBER}:log-group:session-manager-log-${MEMBER}`;

// An identity policy that allows everything: the resource policy alone must then decide.
const adminIdentity = { name: 'Admin', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } };
const instance = `arn:aws:sts::${MEMBER}:assumed-role/AppServerRole/i-0123456789abcdef0`;
const orgCtx = (account, org = ORG) => ({ 'aws:PrincipalOrgID': org, 'aws:PrincipalAccount': account, 'aws:SecureTransport': 'true', 'aws:PrincipalIsAWSService': 'false' });
const serviceCtx = (sourceOrg, extra = {}) => ({ 'aws:SourceOrgID': sourceOrg, 'aws:SecureTransport': 'true', 'aws:PrincipalIsAWSService': 'true', ...extra });
const viaS3 = { 'kms:ViaService': `s3.${HOME}.amazonaws.com`, 'kms:EncryptionContext:aws:s3:arn': BUCKET_ARN };
const DENIED = ['ExplicitlyDenied', 'ImplicitlyDenied'];
// What a grant may still allow: the key policy alone does not (the simulator has no grants), but
// it does not explicitly deny either, which no grant could overcome.
const NOT_EXPLICITLY_DENIED = ['Allowed', 'ImplicitlyDenied'];
const viaLogs = (logGroupArn) => ({ 'kms:ViaService': `logs.${HOME}.amazonaws.com`, 'kms:EncryptionContext:aws:logs:arn': logGroupArn });
const otherLogGroupArn = `arn:aws:logs:${HOME}:444444444444:log-group:session-manager-log-444444444444`;

const s3 = (name, principal, action, key, expect, { identity = [instancePolicy], ctx = orgCtx(MEMBER) } = {}) => ({
  name, principal, action, resource: key === null ? BUCKET_ARN : `${BUCKET_ARN}/${key}`, account: ARCHIVE, identity, resourcePolicy: bucketPolicy, ctx, expect,
});
const kms = (name, principal, action, expect, { identity = [], ctx }) => ({ name, principal, action, resource: KEY_ARN, account: ARCHIVE, identity, resourcePolicy: keyPolicy, ctx, expect });
const own = `session-manager/${MEMBER}/${HOME}/i-0123456789abcdef0-session.log`;

// The session key: the plugin calls kms:GenerateDataKey and the agent kms:Decrypt with exactly
// {aws:ssm:SessionId, aws:ssm:TargetId} (see constructs/sessionkey).
const sessionCtx = (keys = ['aws:ssm:SessionId', 'aws:ssm:TargetId']) => Object.fromEntries([
  ...keys.map((k) => ['kms:EncryptionContext:' + k, k === 'aws:ssm:TargetId' ? 'i-0123456789abcdef0' : 'alice-0123456789abcdef0']),
  ['kms:EncryptionContextKeys', keys],
]);
const operator = `arn:aws:iam::${MEMBER}:role/Operator`;
// The member stack's user policy (SessionAuditSessionUsers), as synthesized: what people who start
// sessions and recorded RDP connections need on sessionaudit's keys, in every region.
const operatorIdentity = { name: 'SessionAuditSessionUsers', policy: (member.tryFind('AWS::IAM::ManagedPolicy', byId('SessionPreferencesUserPolicy')) || { PolicyDocument: { Version: '2012-10-17', Statement: [] } }).PolicyDocument };
const sessionKms = (name, principal, action, expect, { identity = [operatorIdentity], ctx, region = HOME }) => {
  const policy = region === HOME ? sessionKeyPolicy : sessionReplicaPolicy;
  return {
    name, principal, action, resource: `arn:aws:kms:${region || 'none'}:${ARCHIVE}:key/${KEY_ID}`, account: ARCHIVE, identity,
    resourcePolicy: policy, ctx, expect,
    skip: !policy && (region ? 'this configuration has no organization session key' : 'this configuration governs one region: no replica'),
  };
};

const scenarios = [
  // Central bucket: members write their own prefix only, and read nothing.
  s3('member instance writes its own prefix', instance, 's3:PutObject', own, 'Allowed'),
  s3('member instance writes another account\'s prefix', instance, 's3:PutObject', `session-manager/444444444444/${HOME}/x.log`, DENIED),
  s3('member instance writes the forwarded-logs prefix', instance, 's3:PutObject', `cloudwatch/${MEMBER}/${HOME}/x.json`, DENIED),
  s3('member admin writes another account\'s prefix', `arn:aws:iam::${MEMBER}:role/Admin`, 's3:PutObject', 'session-manager/444444444444/x.log', DENIED, { identity: [adminIdentity] }),
  s3('member instance reads the encryption configuration', instance, 's3:GetEncryptionConfiguration', null, 'Allowed'),
  s3('member instance aborts its own multipart upload', instance, 's3:AbortMultipartUpload', own, 'Allowed'),
  s3('member instance aborts another account\'s upload', instance, 's3:AbortMultipartUpload', 'session-manager/444444444444/x.log', DENIED),
  s3('member instance sends bucket-owner-full-control', instance, 's3:PutObjectAcl', own, 'Allowed', { ctx: { ...orgCtx(MEMBER), 's3:x-amz-acl': 'bucket-owner-full-control' } }),
  s3('member instance sends any other ACL', instance, 's3:PutObjectAcl', own, DENIED, { ctx: { ...orgCtx(MEMBER), 's3:x-amz-acl': 'public-read' } }),
  s3('member instance needs no bucket location (the agent reads it from HeadBucket)', instance, 's3:GetBucketLocation', null, DENIED),
  s3('member admin reads its own logs', `arn:aws:iam::${MEMBER}:role/Admin`, 's3:GetObject', own, 'ExplicitlyDenied', { identity: [adminIdentity] }),
  s3('member admin lists the bucket', `arn:aws:iam::${MEMBER}:role/Admin`, 's3:ListBucket', null, 'ExplicitlyDenied', { identity: [adminIdentity] }),
  s3('member admin deletes its own logs', `arn:aws:iam::${MEMBER}:role/Admin`, 's3:DeleteObject', own, 'ExplicitlyDenied', { identity: [adminIdentity] }),
  s3('member admin deletes a version', `arn:aws:iam::${MEMBER}:role/Admin`, 's3:DeleteObjectVersion', own, 'ExplicitlyDenied', { identity: [adminIdentity] }),
  s3('member admin bypasses governance retention', `arn:aws:iam::${MEMBER}:role/Admin`, 's3:BypassGovernanceRetention', own, 'ExplicitlyDenied', { identity: [adminIdentity] }),
  s3('member instance writes without TLS', instance, 's3:PutObject', own, 'ExplicitlyDenied', { ctx: { ...orgCtx(MEMBER), 'aws:SecureTransport': 'false' } }),
  s3('member instance writes with another KMS key', instance, 's3:PutObject', own, 'ExplicitlyDenied', { ctx: { ...orgCtx(MEMBER), 's3:x-amz-server-side-encryption-aws-kms-key-id': `arn:aws:kms:${HOME}:${MEMBER}:key/other` } }),
  s3('principal of another organization writes', `arn:aws:iam::${STRANGER}:role/Admin`, 's3:PutObject', `session-manager/${STRANGER}/x.log`, 'ExplicitlyDenied', { identity: [adminIdentity], ctx: orgCtx(STRANGER, OTHER_ORG) }),
  s3('principal of another organization reads the encryption configuration', `arn:aws:iam::${STRANGER}:role/Admin`, 's3:GetEncryptionConfiguration', null, 'ExplicitlyDenied', { identity: [adminIdentity], ctx: orgCtx(STRANGER, OTHER_ORG) }),
  s3('RDP recording service writes for the organization', 'ssm-guiconnect.amazonaws.com', 's3:PutObject', `${MEMBER}/recording.mp4`, 'Allowed', { identity: [], ctx: serviceCtx(ORG) }),
  s3('RDP recording service writes for another organization', 'ssm-guiconnect.amazonaws.com', 's3:PutObject', `${STRANGER}/recording.mp4`, DENIED, { identity: [], ctx: serviceCtx(OTHER_ORG) }),
  s3('log-archive auditor reads logs', `arn:aws:iam::${ARCHIVE}:role/Auditor`, 's3:GetObject', own, 'Allowed', { identity: [adminIdentity], ctx: orgCtx(ARCHIVE) }),

  // LogKey: services only for the organization, members only through S3, nobody outside decrypts.
  kms('CloudWatch Logs encrypts for the organization', `logs.${HOME}.amazonaws.com`, 'kms:GenerateDataKey', 'Allowed', { ctx: serviceCtx(ORG, { 'kms:EncryptionContext:aws:logs:arn': sessionLogGroupArn }) }),
  kms('CloudWatch Logs decrypts for the organization', `logs.${HOME}.amazonaws.com`, 'kms:Decrypt', 'Allowed', { ctx: serviceCtx(ORG, { 'kms:EncryptionContext:aws:logs:arn': sessionLogGroupArn }) }),
  kms('CloudWatch Logs for a log group of another region', `logs.${HOME}.amazonaws.com`, 'kms:GenerateDataKey', DENIED, { ctx: serviceCtx(ORG, { 'kms:EncryptionContext:aws:logs:arn': `arn:aws:logs:${OTHER_REGION}:${MEMBER}:log-group:x` }) }),
  kms('CloudWatch Logs for another organization', `logs.${HOME}.amazonaws.com`, 'kms:GenerateDataKey', DENIED, { ctx: serviceCtx(OTHER_ORG, { 'kms:EncryptionContext:aws:logs:arn': sessionLogGroupArn }) }),
  kms('CloudWatch Logs encrypts without aws:SourceOrgID in the request (not documented to send it)', `logs.${HOME}.amazonaws.com`, 'kms:GenerateDataKey', 'Allowed', { ctx: { 'aws:SecureTransport': 'true', 'aws:PrincipalIsAWSService': 'true', 'kms:EncryptionContext:aws:logs:arn': sessionLogGroupArn } }),
  // The SSM agent's PutLogEvents: CloudWatch Logs calls KMS with the instance's credentials
  // (kms:ViaService logs.<region>), for the account's own session log group only.
  kms('agent writes its session log group through CloudWatch Logs (data key)', instance, 'kms:GenerateDataKey', 'Allowed', { identity: [instancePolicy], ctx: { ...orgCtx(MEMBER), ...viaLogs(sessionLogGroupArn) } }),
  kms('agent writes its session log group through CloudWatch Logs (decrypt)', instance, 'kms:Decrypt', 'Allowed', { identity: [instancePolicy], ctx: { ...orgCtx(MEMBER), ...viaLogs(sessionLogGroupArn) } }),
  kms('agent writes another account\'s session log group through CloudWatch Logs', instance, 'kms:GenerateDataKey', DENIED, { identity: [instancePolicy], ctx: { ...orgCtx(MEMBER), ...viaLogs(otherLogGroupArn) } }),
  kms('member admin decrypts another account\'s session log group through CloudWatch Logs', `arn:aws:iam::${MEMBER}:role/Admin`, 'kms:Decrypt', DENIED, { identity: [adminIdentity], ctx: { ...orgCtx(MEMBER), ...viaLogs(otherLogGroupArn) } }),
  kms('member admin decrypts another log group of its own account through CloudWatch Logs', `arn:aws:iam::${MEMBER}:role/Admin`, 'kms:Decrypt', DENIED, { identity: [adminIdentity], ctx: { ...orgCtx(MEMBER), ...viaLogs(`arn:aws:logs:${HOME}:${MEMBER}:log-group:app`) } }),
  kms('member admin reads its own session log group through CloudWatch Logs (its own editable copy)', `arn:aws:iam::${MEMBER}:role/Admin`, 'kms:Decrypt', 'Allowed', { identity: [adminIdentity], ctx: { ...orgCtx(MEMBER), ...viaLogs(sessionLogGroupArn) } }),
  kms('member admin decrypts directly with a log group context', `arn:aws:iam::${MEMBER}:role/Admin`, 'kms:Decrypt', 'ExplicitlyDenied', { identity: [adminIdentity], ctx: { ...orgCtx(MEMBER), 'kms:EncryptionContext:aws:logs:arn': sessionLogGroupArn } }),
  kms('principal of another organization writes through CloudWatch Logs', `arn:aws:iam::${STRANGER}:role/Admin`, 'kms:GenerateDataKey', DENIED, { identity: [adminIdentity], ctx: { ...orgCtx(STRANGER, OTHER_ORG), ...viaLogs(`arn:aws:logs:${HOME}:${STRANGER}:log-group:session-manager-log-${STRANGER}`) } }),
  // GUI Connect's use of the recording key (the LogKey) is never explicitly denied: not to the
  // service, not through GUI Connect (its grants decide); a direct decrypt stays denied.
  kms('GUI Connect service uses the recording key', 'ssm-guiconnect.amazonaws.com', 'kms:Decrypt', NOT_EXPLICITLY_DENIED, { ctx: serviceCtx(ORG) }),
  kms('a member user\'s recording grant is used through GUI Connect', operator, 'kms:Decrypt', NOT_EXPLICITLY_DENIED, { identity: [operatorIdentity], ctx: { ...orgCtx(MEMBER), 'kms:ViaService': `ssm-guiconnect.${HOME}.amazonaws.com` } }),
  kms('a member user\'s recording grant generates a data key through GUI Connect', operator, 'kms:GenerateDataKey', NOT_EXPLICITLY_DENIED, { identity: [operatorIdentity], ctx: { ...orgCtx(MEMBER), 'kms:ViaService': `ssm-guiconnect.${HOME}.amazonaws.com` } }),
  kms('member user decrypts the recording key directly', operator, 'kms:Decrypt', 'ExplicitlyDenied', { identity: [adminIdentity], ctx: orgCtx(MEMBER) }),
  kms('RDP recording service creates a grant for the organization', 'ssm-guiconnect.amazonaws.com', 'kms:CreateGrant', 'Allowed', { ctx: serviceCtx(ORG) }),
  kms('RDP recording service without the organization', 'ssm-guiconnect.amazonaws.com', 'kms:GenerateDataKey', DENIED, { ctx: serviceCtx(OTHER_ORG) }),
  kms('member instance encrypts through S3', instance, 'kms:GenerateDataKey', 'Allowed', { identity: [instancePolicy], ctx: { ...orgCtx(MEMBER), ...viaS3 } }),
  kms('member instance encrypts directly', instance, 'kms:GenerateDataKey', DENIED, { identity: [instancePolicy], ctx: orgCtx(MEMBER) }),
  kms('member instance encrypts through S3 for another bucket', instance, 'kms:GenerateDataKey', DENIED, { identity: [instancePolicy], ctx: { ...orgCtx(MEMBER), ...viaS3, 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::other' } }),
  kms('member instance uploads a part (S3 decrypts the data key)', instance, 'kms:Decrypt', 'Allowed', { identity: [instancePolicy], ctx: { ...orgCtx(MEMBER), ...viaS3 } }),
  kms('member instance decrypts directly', instance, 'kms:Decrypt', 'ExplicitlyDenied', { identity: [instancePolicy], ctx: { ...orgCtx(MEMBER), 'kms:EncryptionContext:aws:s3:arn': BUCKET_ARN } }),
  kms('member admin decrypts through S3 for another bucket', `arn:aws:iam::${MEMBER}:role/Admin`, 'kms:Decrypt', 'ExplicitlyDenied', { identity: [adminIdentity], ctx: { ...orgCtx(MEMBER), ...viaS3, 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::other' } }),
  kms('member user starts a recorded RDP connection (grant for an AWS resource)', `arn:aws:iam::${MEMBER}:role/Operator`, 'kms:CreateGrant', 'Allowed', { identity: [adminIdentity], ctx: { ...orgCtx(MEMBER), 'kms:GrantIsForAWSResource': 'true' } }),
  kms('member user with the user policy starts a recorded RDP connection', `arn:aws:iam::${MEMBER}:role/Operator`, 'kms:CreateGrant', 'Allowed', { identity: [operatorIdentity], ctx: { ...orgCtx(MEMBER), 'kms:ViaService': `ssm-guiconnect.${HOME}.amazonaws.com` } }),
  kms('member user with the user policy creates a grant directly (not through GUI Connect)', `arn:aws:iam::${MEMBER}:role/Operator`, 'kms:CreateGrant', DENIED, { identity: [operatorIdentity], ctx: { ...orgCtx(MEMBER), 'kms:GrantIsForAWSResource': 'true' } }),
  kms('member user starts a recorded RDP connection through GUI Connect', `arn:aws:iam::${MEMBER}:role/Operator`, 'kms:CreateGrant', 'Allowed', { identity: [adminIdentity], ctx: { ...orgCtx(MEMBER), 'kms:ViaService': `ssm-guiconnect.${HOME}.amazonaws.com` } }),
  kms('member user creates a grant through another service', `arn:aws:iam::${MEMBER}:role/Operator`, 'kms:CreateGrant', DENIED, { identity: [adminIdentity], ctx: { ...orgCtx(MEMBER), 'kms:ViaService': `ec2.${HOME}.amazonaws.com` } }),
  kms('member user with the user policy creates a grant for a person', `arn:aws:iam::${MEMBER}:role/Operator`, 'kms:CreateGrant', DENIED, { identity: [operatorIdentity], ctx: { ...orgCtx(MEMBER), 'kms:GrantIsForAWSResource': 'false' } }),
  kms('member user with the user policy decrypts logs', `arn:aws:iam::${MEMBER}:role/Operator`, 'kms:Decrypt', DENIED, { identity: [operatorIdentity], ctx: { ...orgCtx(MEMBER), ...viaS3 } }),
  kms('principal of another organization creates a grant for an AWS resource', `arn:aws:iam::${STRANGER}:role/Admin`, 'kms:CreateGrant', DENIED, { identity: [adminIdentity], ctx: { ...orgCtx(STRANGER, OTHER_ORG), 'kms:GrantIsForAWSResource': 'true' } }),
  kms('member admin decrypts through S3 (allowed by the key; S3 denies reading objects)', `arn:aws:iam::${MEMBER}:role/Admin`, 'kms:Decrypt', 'Allowed', { identity: [adminIdentity], ctx: { ...orgCtx(MEMBER), ...viaS3 } }),
  kms('member admin decrypts directly', `arn:aws:iam::${MEMBER}:role/Admin`, 'kms:Decrypt', 'ExplicitlyDenied', { identity: [adminIdentity], ctx: orgCtx(MEMBER) }),
  kms('member admin creates a grant', `arn:aws:iam::${MEMBER}:role/Admin`, 'kms:CreateGrant', DENIED, { identity: [adminIdentity], ctx: orgCtx(MEMBER) }),
  kms('principal of another organization encrypts through S3', `arn:aws:iam::${STRANGER}:role/Admin`, 'kms:GenerateDataKey', DENIED, { identity: [adminIdentity], ctx: { ...orgCtx(STRANGER, OTHER_ORG), ...viaS3 } }),
  kms('member key lookup describes the key', `arn:aws:sts::${MEMBER}:assumed-role/LogKeyHandlerRole/fn`, 'kms:DescribeKey', 'Allowed', { identity: [lookupPolicy], ctx: orgCtx(MEMBER) }),
  kms('principal of another organization describes the key', `arn:aws:iam::${STRANGER}:role/Admin`, 'kms:DescribeKey', DENIED, { identity: [adminIdentity], ctx: orgCtx(STRANGER, OTHER_ORG) }),
  kms('log-archive account administers the key', `arn:aws:iam::${ARCHIVE}:role/KeyAdmin`, 'kms:ScheduleKeyDeletion', 'Allowed', { identity: [adminIdentity], ctx: orgCtx(ARCHIVE) }),

  // Session key: organization principals use it only as Session Manager does; nobody else at all.
  sessionKms('member user starts a session (data key with the session context)', operator, 'kms:GenerateDataKey', 'Allowed', { ctx: { ...orgCtx(MEMBER), ...sessionCtx() } }),
  sessionKms('member user starts a session in another region (replica)', operator, 'kms:GenerateDataKey', 'Allowed', { ctx: { ...orgCtx(MEMBER), ...sessionCtx() }, region: OTHER_REGION }),
  sessionKms('member user without a session-key permission of its own', operator, 'kms:GenerateDataKey', DENIED, { identity: [], ctx: { ...orgCtx(MEMBER), ...sessionCtx() } }),
  sessionKms('member instance decrypts the session data key', instance, 'kms:Decrypt', 'Allowed', { identity: [instancePolicy], ctx: { ...orgCtx(MEMBER), ...sessionCtx() } }),
  sessionKms('member instance decrypts with the agent\'s challenge context', instance, 'kms:Decrypt', 'Allowed', { identity: [instancePolicy], ctx: { ...orgCtx(MEMBER), ...sessionCtx(['aws:ssm:SessionId', 'aws:ssm:TargetId', 'aws:ssm:RandomChallenge']) } }),
  sessionKms('member instance decrypts in another region (replica)', instance, 'kms:Decrypt', 'Allowed', { identity: [instancePolicy], ctx: { ...orgCtx(MEMBER), ...sessionCtx() }, region: OTHER_REGION }),
  sessionKms('member instance decrypts without a context', instance, 'kms:Decrypt', DENIED, { identity: [instancePolicy], ctx: orgCtx(MEMBER) }),
  sessionKms('member admin decrypts without a context', `arn:aws:iam::${MEMBER}:role/Admin`, 'kms:Decrypt', DENIED, { identity: [adminIdentity], ctx: orgCtx(MEMBER) }),
  sessionKms('member admin decrypts with half the session context', `arn:aws:iam::${MEMBER}:role/Admin`, 'kms:Decrypt', DENIED, { identity: [adminIdentity], ctx: { ...orgCtx(MEMBER), ...sessionCtx(['aws:ssm:SessionId']) } }),
  sessionKms('member admin generates a data key with an extra context key', `arn:aws:iam::${MEMBER}:role/Admin`, 'kms:GenerateDataKey', DENIED, { identity: [adminIdentity], ctx: { ...orgCtx(MEMBER), ...sessionCtx(['aws:ssm:SessionId', 'aws:ssm:TargetId', 'app:purpose']) } }),
  sessionKms('member admin encrypts directly with the session context', `arn:aws:iam::${MEMBER}:role/Admin`, 'kms:Encrypt', DENIED, { identity: [adminIdentity], ctx: { ...orgCtx(MEMBER), ...sessionCtx() } }),
  sessionKms('member admin creates a grant on the session key', `arn:aws:iam::${MEMBER}:role/Admin`, 'kms:CreateGrant', DENIED, { identity: [adminIdentity], ctx: orgCtx(MEMBER) }),
  sessionKms('principal of another organization generates a session data key', `arn:aws:iam::${STRANGER}:role/Admin`, 'kms:GenerateDataKey', DENIED, { identity: [adminIdentity], ctx: { ...orgCtx(STRANGER, OTHER_ORG), ...sessionCtx() } }),
  sessionKms('principal of another organization decrypts a session data key', `arn:aws:iam::${STRANGER}:role/Admin`, 'kms:Decrypt', DENIED, { identity: [adminIdentity], ctx: { ...orgCtx(STRANGER, OTHER_ORG), ...sessionCtx() }, region: OTHER_REGION }),
  sessionKms('member session-key lookup describes the key', `arn:aws:sts::${MEMBER}:assumed-role/LogKeyHandlerRole/fn`, 'kms:DescribeKey', 'Allowed', { identity: [lookupPolicy], ctx: orgCtx(MEMBER) }),
  sessionKms('log-archive account administers the session key', `arn:aws:iam::${ARCHIVE}:role/KeyAdmin`, 'kms:ScheduleKeyDeletion', 'Allowed', { identity: [adminIdentity], ctx: orgCtx(ARCHIVE) }),

  // Log destination, event bus and topic.
  { name: 'member subscribes to the destination', principal: `arn:aws:iam::${MEMBER}:role/cfn-exec`, action: 'logs:PutSubscriptionFilter', resource: destinationArn, account: ARCHIVE, identity: [adminIdentity], resourcePolicy: destinationPolicy, ctx: orgCtx(MEMBER), expect: 'Allowed' },
  { name: 'another organization subscribes to the destination', principal: `arn:aws:iam::${STRANGER}:role/Admin`, action: 'logs:PutSubscriptionFilter', resource: destinationArn, account: ARCHIVE, identity: [adminIdentity], resourcePolicy: destinationPolicy, ctx: orgCtx(STRANGER, OTHER_ORG), expect: DENIED },
  { name: 'member notifier role puts events to the bus', principal: `arn:aws:sts::${MEMBER}:assumed-role/LoginNotifierRole/events`, action: 'events:PutEvents', resource: busArn, account: ARCHIVE, identity: [notifierPolicy], resourcePolicy: busPolicy, ctx: orgCtx(MEMBER), expect: 'Allowed' },
  { name: 'member notifier role puts events to another bus', principal: `arn:aws:sts::${MEMBER}:assumed-role/LoginNotifierRole/events`, action: 'events:PutEvents', resource: `arn:aws:events:${HOME}:${ARCHIVE}:event-bus/default`, account: ARCHIVE, identity: [notifierPolicy], resourcePolicy: busPolicy, ctx: orgCtx(MEMBER), expect: DENIED },
  { name: 'another organization puts events to the bus', principal: `arn:aws:iam::${STRANGER}:role/Admin`, action: 'events:PutEvents', resource: busArn, account: ARCHIVE, identity: [adminIdentity], resourcePolicy: busPolicy, ctx: orgCtx(STRANGER, OTHER_ORG), expect: DENIED },
  { name: 'EventBridge publishes for the alarm rule', principal: 'events.amazonaws.com', action: 'sns:Publish', resource: topicArn, account: ARCHIVE, identity: [], resourcePolicy: topicPolicy, ctx: { ...serviceCtx(ORG), 'aws:SourceArn': alarmRuleArn, 'aws:SourceAccount': ARCHIVE }, expect: 'Allowed' },
  { name: 'EventBridge publishes for another rule', principal: 'events.amazonaws.com', action: 'sns:Publish', resource: topicArn, account: ARCHIVE, identity: [], resourcePolicy: topicPolicy, ctx: { ...serviceCtx(ORG), 'aws:SourceArn': `arn:aws:events:${HOME}:${STRANGER}:rule/spam`, 'aws:SourceAccount': STRANGER }, expect: DENIED },
  { name: 'CloudWatch publishes for a sessionaudit alarm', principal: 'cloudwatch.amazonaws.com', action: 'sns:Publish', resource: topicArn, account: ARCHIVE, identity: [], resourcePolicy: topicPolicy, ctx: { ...serviceCtx(ORG), 'aws:SourceArn': `arn:aws:cloudwatch:${HOME}:${ARCHIVE}:alarm:session-audit-notification-dead-letters`, 'aws:SourceAccount': ARCHIVE }, expect: 'Allowed' },
  { name: 'CloudWatch publishes for another alarm', principal: 'cloudwatch.amazonaws.com', action: 'sns:Publish', resource: topicArn, account: ARCHIVE, identity: [], resourcePolicy: topicPolicy, ctx: { ...serviceCtx(ORG), 'aws:SourceArn': `arn:aws:cloudwatch:${HOME}:${ARCHIVE}:alarm:billing`, 'aws:SourceAccount': ARCHIVE }, expect: DENIED },
  { name: 'EventBridge does not publish to the chat topic (only the formatter does, with its role)', principal: 'events.amazonaws.com', action: 'sns:Publish', resource: chatTopicArn, account: ARCHIVE, identity: [], resourcePolicy: chatTopicPolicy, ctx: { ...serviceCtx(ORG), 'aws:SourceArn': alarmRuleArn, 'aws:SourceAccount': ARCHIVE }, expect: DENIED, skip: NO_CHAT },
  { name: 'a log-archive administrator publishes to the chat topic without TLS', principal: `arn:aws:iam::${ARCHIVE}:role/Admin`, action: 'sns:Publish', resource: chatTopicArn, account: ARCHIVE, identity: [adminIdentity], resourcePolicy: chatTopicPolicy, ctx: { ...orgCtx(ARCHIVE), 'aws:SecureTransport': 'false' }, expect: 'ExplicitlyDenied', skip: NO_CHAT },
  { name: 'member admin publishes to the chat topic', principal: `arn:aws:iam::${MEMBER}:role/Admin`, action: 'sns:Publish', resource: chatTopicArn, account: ARCHIVE, identity: [adminIdentity], resourcePolicy: chatTopicPolicy, ctx: orgCtx(MEMBER), expect: DENIED, skip: NO_CHAT },
  { name: 'member admin publishes to the topic', principal: `arn:aws:iam::${MEMBER}:role/Admin`, action: 'sns:Publish', resource: topicArn, account: ARCHIVE, identity: [adminIdentity], resourcePolicy: topicPolicy, ctx: orgCtx(MEMBER), expect: DENIED },

  // The member instance policy as an identity policy (same account: no resource policy).
  { name: 'instance writes its session log group', principal: instance, action: 'logs:PutLogEvents', resource: `${sessionLogGroupArn}:log-stream:alice-0123`, account: MEMBER, identity: [instancePolicy], ctx: orgCtx(MEMBER), expect: 'Allowed' },
  { name: 'instance writes another log group', principal: instance, action: 'logs:PutLogEvents', resource: `arn:aws:logs:${HOME}:${MEMBER}:log-group:app:log-stream:x`, account: MEMBER, identity: [instancePolicy], ctx: orgCtx(MEMBER), expect: 'ImplicitlyDenied' },
  { name: 'instance reads session logs', principal: instance, action: 'logs:GetLogEvents', resource: `${sessionLogGroupArn}:log-stream:alice-0123`, account: MEMBER, identity: [instancePolicy], ctx: orgCtx(MEMBER), expect: 'ImplicitlyDenied' },

  // Archive search: the auditor policy runs queries in the workgroup and reads the archive by key
  // (sessionaudit validate reads every object version the digests list, whatever its prefix),
  // through S3 only; it lists only with a prefix, and writes and deletes nothing in the archive.
  athena('auditor runs a query in the session-audit workgroup', auditor, 'athena:StartQueryExecution', `arn:aws:athena:${HOME}:${ARCHIVE}:workgroup/session-audit`, 'Allowed'),
  athena('auditor runs a query in another workgroup', auditor, 'athena:StartQueryExecution', `arn:aws:athena:${HOME}:${ARCHIVE}:workgroup/primary`, DENIED),
  athena('auditor changes the workgroup settings', auditor, 'athena:UpdateWorkGroup', `arn:aws:athena:${HOME}:${ARCHIVE}:workgroup/session-audit`, DENIED),
  athena('auditor reads the table definitions', auditor, 'glue:GetTable', `arn:aws:glue:${HOME}:${ARCHIVE}:table/session_audit/forwarded_events`, 'Allowed'),
  athena('auditor changes a table', auditor, 'glue:UpdateTable', `arn:aws:glue:${HOME}:${ARCHIVE}:table/session_audit/forwarded_events`, DENIED),
  athena('auditor reads another database', auditor, 'glue:GetTable', `arn:aws:glue:${HOME}:${ARCHIVE}:table/finance/ledger`, DENIED),
  athena('auditor writes query results', auditor, 's3:PutObject', `${RESULTS_ARN}/q/0000.csv`, 'Allowed'),
  athena('a log-archive role without the policy runs a query', `arn:aws:iam::${ARCHIVE}:role/Developer`, 'athena:StartQueryExecution', `arn:aws:athena:${HOME}:${ARCHIVE}:workgroup/session-audit`, DENIED, []),
  s3('auditor reads a forwarded log object', auditor, 's3:GetObject', forwardedKey, 'Allowed', { identity: [auditorPolicy], ctx: orgCtx(ARCHIVE) }),
  s3('auditor reads a transcript', auditor, 's3:GetObject', own, 'Allowed', { identity: [auditorPolicy], ctx: orgCtx(ARCHIVE) }),
  s3('auditor lists the forwarded logs', auditor, 's3:ListBucket', null, 'Allowed', { identity: [auditorPolicy], ctx: { ...orgCtx(ARCHIVE), 's3:prefix': `cloudwatch/${HOME}/2026/` } }),
  s3('auditor lists the whole bucket', auditor, 's3:ListBucket', null, DENIED, { identity: [auditorPolicy], ctx: { ...orgCtx(ARCHIVE), 's3:prefix': '' } }),
  s3('auditor reads delivery errors (the digests list them: validate reads them)', auditor, 's3:GetObject', `cloudwatch-errors/processing-failed/${HOME}/2026/11/22/x`, 'Allowed', { identity: [auditorPolicy], ctx: orgCtx(ARCHIVE) }),
  s3('auditor reads a listed object version', auditor, 's3:GetObjectVersion', forwardedKey, 'Allowed', { identity: [auditorPolicy], ctx: orgCtx(ARCHIVE) }),
  s3('auditor lists the versions of one key', auditor, 's3:ListBucketVersions', null, 'Allowed', { identity: [auditorPolicy], ctx: { ...orgCtx(ARCHIVE), 's3:prefix': ledgerKey } }),
  s3('auditor lists the versions of the whole bucket', auditor, 's3:ListBucketVersions', null, DENIED, { identity: [auditorPolicy], ctx: { ...orgCtx(ARCHIVE), 's3:prefix': '' } }),
  s3('auditor lists without a prefix', auditor, 's3:ListBucket', null, DENIED, { identity: [auditorPolicy], ctx: orgCtx(ARCHIVE) }),
  s3('auditor deletes a forwarded log object', auditor, 's3:DeleteObject', forwardedKey, DENIED, { identity: [auditorPolicy], ctx: orgCtx(ARCHIVE) }),
  s3('auditor overwrites a transcript', auditor, 's3:PutObject', own, DENIED, { identity: [auditorPolicy], ctx: orgCtx(ARCHIVE) }),
  // The ledger (constructs/ledger): the auditor reads it; its delivery role only writes it.
  s3('auditor reads a ledger object', auditor, 's3:GetObject', ledgerKey, 'Allowed', { identity: [auditorPolicy], ctx: orgCtx(ARCHIVE) }),
  s3('auditor lists the ledger', auditor, 's3:ListBucket', null, 'Allowed', { identity: [auditorPolicy], ctx: { ...orgCtx(ARCHIVE), 's3:prefix': 'ledger/2026/11/' } }),
  s3('auditor deletes a ledger object', auditor, 's3:DeleteObject', ledgerKey, DENIED, { identity: [auditorPolicy], ctx: orgCtx(ARCHIVE) }),
  s3('ledger stream writes the ledger', ledgerRole, 's3:PutObject', ledgerKey, 'Allowed', { identity: [ledgerPolicy], ctx: orgCtx(ARCHIVE) }),
  s3('ledger stream writes a transcript', ledgerRole, 's3:PutObject', own, DENIED, { identity: [ledgerPolicy], ctx: orgCtx(ARCHIVE) }),
  s3('ledger stream writes forwarded logs', ledgerRole, 's3:PutObject', forwardedKey, DENIED, { identity: [ledgerPolicy], ctx: orgCtx(ARCHIVE) }),
  s3('ledger stream reads the ledger', ledgerRole, 's3:GetObject', ledgerKey, DENIED, { identity: [ledgerPolicy], ctx: orgCtx(ARCHIVE) }),
  s3('ledger stream deletes a ledger object', ledgerRole, 's3:DeleteObject', ledgerKey, DENIED, { identity: [ledgerPolicy], ctx: orgCtx(ARCHIVE) }),
  s3('a member account with the auditor policy reads the archive', `arn:aws:iam::${MEMBER}:role/Auditor`, 's3:GetObject', forwardedKey, DENIED, { identity: [auditorPolicy], ctx: orgCtx(MEMBER) }),
  kms('auditor decrypts archive objects through S3', auditor, 'kms:Decrypt', 'Allowed', { identity: [auditorPolicy], ctx: { ...orgCtx(ARCHIVE), ...viaS3 } }),
  kms('auditor decrypts directly', auditor, 'kms:Decrypt', DENIED, { identity: [auditorPolicy], ctx: orgCtx(ARCHIVE) }),
  kms('auditor decrypts another bucket\'s objects through S3', auditor, 'kms:Decrypt', DENIED, { identity: [auditorPolicy], ctx: { ...orgCtx(ARCHIVE), 'kms:ViaService': `s3.${HOME}.amazonaws.com`, 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::other-bucket' } }),
];

test('the access matrix has at least 30 scenarios', () => assert.ok(scenarios.length >= 30, String(scenarios.length)));

for (const s of scenarios) {
  test(s.name, { skip: s.skip || false }, async () => {
    const got = await simulate(s);
    const want = [].concat(s.expect);
    assert.ok(want.includes(got), explain(s, got));
  });
}

module.exports = { scenarios };
