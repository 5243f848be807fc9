// Formats the events that say who got into a node, and how, into one readable message and publishes
// it to the topic (and, in the custom notification format of AWS chat integrations, to the chat
// topic if there is one):
// - Session Manager StartSession, ResumeSession, TerminateSession (CloudTrail); a session is logged
//   only with the default document or one of LOGGED_DOCUMENTS of its own account, in a governed
//   region: any other document (port forwarding, SSH, an own or shared document, whatever its
//   spelling) or an ungoverned region makes it NOT LOGGED, and no log location is printed;
// - Fleet Manager Remote Desktop StartConnection, CancelConnection (CloudTrail, ssm-guiconnect);
// - just-in-time node access: StartAccessRequest and the approvers' SendAutomationSignal
//   (CloudTrail), "Requester Access Request Status Update" and "JITNA Access Request Failed" (SSM);
// - console sign-ins, ConsoleLogin (CloudTrail);
// - the other ways into a node (CloudTrail; see way below): EC2 Instance Connect SendSSHPublicKey,
//   Instance Connect Endpoint OpenTunnel, the serial console's SendSerialConsoleSSHPublicKey and
//   EnableSerialConsoleAccess, Run Command SendCommand, ECS Exec ExecuteCommand.
// Input transformers cannot do this: an assumed role's session name (the person behind an IAM
// Identity Center session) exists only as the last part of the principal ARN.
// Env: TOPIC_ARN, CHAT_TOPIC_ARN (optional), BUCKET, LOG_GROUP_PREFIX, S3_PREFIX,
// LOGGED_DOCUMENTS (comma-separated), FLEET_MANAGER, GOVERNED_REGIONS (comma-separated, optional:
// every region is governed without it), RECORDING_BUCKET (optional).
const last = (s) => String(s || '').split('/').pop();
const first = (v) => (Array.isArray(v) ? v[0] : v);
const person = (u) => ({ IAMUser: u.userName, Root: 'root', AssumedRole: last(u.arn), FederatedUser: last(u.arn) })[u.type] || u.invokedBy || u.type || 'unknown';

// Fleet Manager's Remote Desktop starts its Session Manager session with the user's credentials
// (its IAM policies allow ssm:StartSession on AWS-StartPortForwardingSession only with
// aws:CalledVia ssm-guiconnect.amazonaws.com). CloudTrail names a service that calls on a user's
// behalf in userIdentity.invokedBy and, as "only the DNS name", in sourceIPAddress (CloudTrail user
// guide, "CloudTrail record contents").
// FLEET_MANAGER (env) is that service.
// The role whose credentials just-in-time node access hands out (default accessTokenRole of the
// approval policies, AWSSystemsManagerJustInTimeAccessTokenPolicy).
const JIT_TOKEN_ROLE = 'SSM-JustInTimeAccessTokenRole';

function who(u) {
  const c = u.sessionContext || {};
  const issuer = (c.sessionIssuer || {}).userName;
  switch (u.type) {
    case 'IAMUser': return u.userName + ' (IAM user)';
    case 'Root': return 'root user of ' + u.accountId;
    case 'AssumedRole': return last(u.arn) + ' (' + (/^AWSReservedSSO_/.test(issuer || '') ? 'IAM Identity Center, permission set role ' : 'assumed role ') + issuer + ')';
    case 'FederatedUser': return last(u.arn) + ' (federated user of IAM user ' + issuer + ')';
    default: return u.invokedBy || u.principalId || u.type || 'unknown';
  }
}

// The lines every CloudTrail record gives: when, where, who, from where.
function trailLines(d, e) {
  const u = d.userIdentity || {};
  return [
    ['When', d.eventTime],
    ['Account', (d.recipientAccountId || e.account) + ' (' + (d.awsRegion || e.region) + ')'],
    ['Who', who(u)],
    ['Principal', u.arn],
    ['From', d.sourceIPAddress],
    ['Client', d.userAgent],
  ];
}

const failure = (d) => [d.errorCode, d.errorMessage].filter(Boolean).join(': ');
const list = (v) => String(v || '').split(',').filter(Boolean);

// loggedDocument: the default (no document named) or a LOGGED_DOCUMENTS name, given as a name or as
// an ARN of the session's own account; a shared document of the same name is another document
// (constructs/sessiondocs IsLogged).
function loggedDocument(doc, account, env) {
  if (!doc) return true;
  let name = doc;
  if (doc.startsWith('arn:')) {
    const parts = doc.split(':');
    if (parts.length < 6 || parts[4] !== account || !parts.slice(5).join(':').startsWith('document/')) return false;
    name = parts.slice(5).join(':').slice('document/'.length);
  }
  return list(env.LOGGED_DOCUMENTS).includes(name);
}
const governed = (region, env) => !env.GOVERNED_REGIONS || list(env.GOVERNED_REGIONS).includes(region);
// Why a session that is not logged is not: the region, a Port document, or any other document.
function notLogged(doc, region, env) {
  if (!governed(region, env)) return 'NONE: ' + region + ' is not a governed region (sessionaudit sets no logging there)';
  if (/^AWS-StartPortForwardingSession/.test(doc)) return 'NONE: Session Manager does not log port forwarding sessions';
  if (doc === 'AWS-StartSSHSession') return 'NONE: Session Manager does not log SSH sessions';
  return 'NONE: only ' + list(env.LOGGED_DOCUMENTS).join(', ') + ' of this account is logged, not this document';
}

function session(e, d, env) {
  const u = d.userIdentity || {};
  const req = d.requestParameters || {};
  const res = d.responseElements || {};
  const account = d.recipientAccountId || e.account;
  const region = d.awsRegion || e.region;
  const id = res.sessionId || req.sessionId;
  const failed = failure(d);
  const doc = req.documentName;
  const p = req.parameters || {};
  const viaFleetManager = !!env.FLEET_MANAGER && (u.invokedBy === env.FLEET_MANAGER || d.sourceIPAddress === env.FLEET_MANAGER);
  const unlogged = !governed(region, env) || (!viaFleetManager && !loggedDocument(doc, account, env));
  const issuer = ((u.sessionContext || {}).sessionIssuer || {}).userName;
  const forwards = p.portNumber && [first(p.host) || 'the node', first(p.portNumber)].join(':') + (p.localPortNumber ? ' (local port ' + first(p.localPortNumber) + ')' : '');
  const lines = [
    ['Event', 'Session Manager ' + d.eventName + (unlogged ? ' NOT LOGGED' : '') + (failed ? ' FAILED' : '')],
    ...trailLines(d, e),
    ['Access', issuer === JIT_TOKEN_ROLE ? 'just-in-time node access (the person is the requester of the approved access request)' : undefined],
    ['Target', req.target],
    ['Session', id],
    ['Document', doc],
    ['Forwards', forwards],
    ['Reason', req.reason],
    ['Error', failed],
  ];
  if (unlogged) {
    lines.push(['Log', notLogged(doc, region, env)]);
  } else if (viaFleetManager) {
    lines.push(['Log', 'Fleet Manager Remote Desktop: see the connection announcement for its recording']);
  } else if (id && !failed) {
    lines.push(['Log', 'CloudWatch Logs ' + env.LOG_GROUP_PREFIX + account + ' / ' + id]);
    lines.push(['Log', 's3://' + env.BUCKET + '/' + env.S3_PREFIX + account + '/' + region + '/' + id + '.log']);
  }
  const what = (unlogged ? 'NOT LOGGED ' : '') + d.eventName + (failed ? ' FAILED' : '');
  return { lines, what, by: person(u), account, thread: id, related: [req.target, id] };
}

function rdp(e, d, env) {
  const u = d.userIdentity || {};
  const req = d.requestParameters || {};
  const res = d.responseElements || {};
  const started = d.eventName === 'StartConnection';
  const arn = res.ConnectionArn || req.ConnectionArn;
  const id = arn ? last(arn) : undefined;
  const failed = failure(d);
  const region = d.awsRegion || e.region;
  const ungoverned = !governed(region, env);
  const lines = [
    ['Event', 'Remote Desktop connection ' + (started ? 'started' : 'ended') + ' (Fleet Manager ' + d.eventName + ')' + (ungoverned ? ' NOT RECORDED' : '') + (failed ? ' FAILED' : '')],
    ...trailLines(d, e),
    ['Target', req.InstanceId],
    ['Connection', id],
    ['Protocol', [req.Protocol, req.AuthType && 'authentication ' + req.AuthType].filter(Boolean).join(', ')],
    ['Error', failed],
  ];
  if (ungoverned) {
    lines.push(['Recording', 'NONE: ' + region + ' is not a governed region (sessionaudit sets no recording there)']);
  } else if (started && !failed && env.RECORDING_BUCKET) {
    // GUI Connect takes only a bucket (RecordingDestinations.S3Buckets); AWS documents no key layout.
    lines.push(['Recording', 's3://' + env.RECORDING_BUCKET + '/ (AWS does not document the key layout: look for ' + (id || 'the connection ID') + ')']);
  }
  const what = (ungoverned ? 'NOT RECORDED ' : '') + 'RDP connection ' + (started ? 'started' : 'ended') + (failed ? ' FAILED' : '');
  return { lines, what, by: person(u), account: d.recipientAccountId || e.account, thread: id, related: [req.InstanceId, id] };
}

function accessRequest(e, d) {
  const u = d.userIdentity || {};
  const req = d.requestParameters || {};
  const res = d.responseElements || {};
  const failed = failure(d);
  const targets = (req.targets || []).map((t) => (t.values || []).join(', ')).join(', ');
  const id = res.accessRequestId;
  const lines = [
    ['Event', 'Just-in-time node access requested' + (failed ? ' FAILED' : '')],
    ...trailLines(d, e),
    ['Target', targets],
    ['Reason', req.reason],
    ['Request', id],
    ['Error', failed],
  ];
  return { lines, what: 'Access requested' + (failed ? ' FAILED' : ''), by: person(u), account: d.recipientAccountId || e.account, thread: id, related: [targets, id] };
}

function approval(e, d) {
  const u = d.userIdentity || {};
  const req = d.requestParameters || {};
  const failed = failure(d);
  const comment = first((req.payload || {}).Comment);
  const decision = { Approve: 'granted', Reject: 'rejected', Revoke: 'revoked' }[req.signalType] || req.signalType;
  const lines = [
    ['Event', 'Approval decision ' + req.signalType + ' (a just-in-time access request, or another Automation approval step)' + (failed ? ' FAILED' : '')],
    ...trailLines(d, e),
    ['Execution', req.automationExecutionId],
    ['Comment', comment],
    ['Error', failed],
  ];
  return { lines, what: 'Approval ' + decision + (failed ? ' FAILED' : ''), by: person(u), account: d.recipientAccountId || e.account, thread: req.automationExecutionId, related: [req.automationExecutionId] };
}

// SSM's own events name the request (an OpsItem) and its Automation execution, so a decision
// (which names only the execution) can be tied to its request.
function accessStatus(e, d) {
  const status = d.AccessRequestStatus;
  const failed = e['detail-type'] !== 'Requester Access Request Status Update';
  const lines = [
    ['Event', 'Just-in-time node access request ' + (failed ? 'FAILED (no approval policy applies unambiguously)' : status)],
    ['When', e.time],
    ['Account', e.account + ' (' + e.region + ')'],
    ['Requester', d.Requester],
    ['Target', last(d.TargetResourceArn)],
    ['Request', d.OpsItemId],
    ['Execution', d.ExecutionId],
    ['Policies', (d.ApplicablePolicies || []).join(', ')],
  ];
  const what = 'Access request ' + d.OpsItemId + ' ' + (failed ? 'FAILED' : status);
  return { lines, what, account: e.account, thread: d.OpsItemId, related: [last(d.TargetResourceArn), d.OpsItemId] };
}

function signIn(e, d) {
  const u = d.userIdentity || {};
  const res = d.responseElements || {};
  const failed = failure(d) || res.ConsoleLogin === 'Failure';
  const lines = [
    ['Event', 'Console sign-in' + (failed ? ' FAILED' : '')],
    ...trailLines(d, e),
    ['MFA', (d.additionalEventData || {}).MFAUsed],
    ['Result', res.ConsoleLogin],
    ['Error', failure(d)],
  ];
  return { lines, what: 'ConsoleLogin' + (failed ? ' FAILED' : ''), by: person(u), account: d.recipientAccountId || e.account };
}

// The ways into a node other than a session: none is logged by Session Manager (NOT LOGGED), and
// ECS Exec is logged only by its cluster's executeCommandConfiguration, which the record does not
// show (LOG UNKNOWN). CloudTrail shows the call, not what was done after it.
const WAYS = {
  SendSSHPublicKey: {
    way: 'EC2 Instance Connect', what: 'EC2 Instance Connect',
    method: 'SSH with a key the node accepts for 60 seconds (EC2 Instance Connect SendSSHPublicKey)',
    lines: (req) => [['Target', req.instanceId], ['User', req.instanceOSUser]],
    thread: (req) => req.instanceId,
  },
  OpenTunnel: {
    way: 'EC2 Instance Connect Endpoint', what: 'Endpoint tunnel',
    method: 'TCP tunnel through an EC2 Instance Connect Endpoint (OpenTunnel): SSH, RDP or any port',
    lines: (req) => [['Endpoint', req.instanceConnectEndpointId], ['Target', [req.privateIpAddress, req.remotePort].filter(Boolean).join(':')],
      ['Duration', req.maxTunnelDuration && 'at most ' + req.maxTunnelDuration + ' seconds']],
    thread: (req) => req.instanceConnectEndpointId,
  },
  SendSerialConsoleSSHPublicKey: {
    way: 'EC2 serial console', what: 'Serial console',
    method: 'EC2 serial console with a key the node accepts for 60 seconds (SendSerialConsoleSSHPublicKey)',
    lines: (req) => [['Target', req.instanceId], ['Port', req.serialPort === undefined ? undefined : 'serial port ' + req.serialPort]],
    thread: (req) => req.instanceId,
  },
  EnableSerialConsoleAccess: {
    way: 'EC2 serial console', what: 'Serial console access ENABLED',
    // "Enables access to the EC2 serial console of all instances for your account" (EC2 API
    // reference); the API, like GetSerialConsoleAccessStatus, answers for the Region it is called in.
    method: 'EnableSerialConsoleAccess: the serial console of all instances of the account opens to whoever may push a key',
    lines: (req, res, d, e) => [['Target', 'all instances of the account in ' + (d.awsRegion || e.region) + ' (their serial console)']],
    thread: (req, d, e) => 'serial-console-' + (d.recipientAccountId || e.account) + '-' + (d.awsRegion || e.region),
  },
  SendCommand: {
    way: 'Run Command', what: 'Run Command',
    method: 'Run Command (SendCommand): the document runs on the targets below',
    lines: (req, res) => {
      const c = res.command || {};
      const targets = [...(req.instanceIds || []), ...(req.targets || []).map((t) => t.key + '=' + (t.values || []).join(','))].join(', ');
      const output = [req.outputS3BucketName && 's3://' + req.outputS3BucketName + '/' + (req.outputS3KeyPrefix || ''),
        (req.cloudWatchOutputConfig || {}).cloudWatchOutputEnabled && 'CloudWatch Logs ' + (req.cloudWatchOutputConfig.cloudWatchLogGroupName || '(default group)')].filter(Boolean).join(', ');
      return [['Document', req.documentName], ['Targets', targets], ['Comment', req.comment],
        ['Parameters', req.parameters === 'HIDDEN_DUE_TO_SECURITY_REASONS' ? 'hidden by CloudTrail (HIDDEN_DUE_TO_SECURITY_REASONS): what ran is not in the record'
          : req.parameters && JSON.stringify(req.parameters).slice(0, 500)],
        ['Output', output && output + ' (where the caller asked: command output, not a transcript)'], ['Command', c.commandId]];
    },
    thread: (req, d, e, res) => (res.command || {}).commandId,
  },
  ExecuteCommand: {
    way: 'ECS Exec', what: 'ECS Exec', unknown: true,
    method: 'ECS Exec (ExecuteCommand): a command or shell in a container, through the SSM agent ECS runs in the task',
    lines: (req, res) => [['Cluster', last(res.clusterArn || req.cluster)], ['Task', last(res.taskArn || req.task)],
      ['Container', res.containerName || req.container], ['Command', req.command],
      ['Mode', req.interactive === undefined ? undefined : req.interactive ? 'interactive' : 'not interactive'], ['Session', (res.session || {}).sessionId]],
    thread: (req, d, e, res) => (res.session || {}).sessionId || last(res.taskArn || req.task),
  },
};

function way(e, d) {
  const w = WAYS[d.eventName];
  const u = d.userIdentity || {};
  const req = d.requestParameters || {};
  const res = d.responseElements || {};
  const failed = failure(d);
  const mark = w.unknown ? 'LOG UNKNOWN' : 'NOT LOGGED';
  const lines = [
    ['Event', w.way + ' ' + d.eventName + ' ' + mark + (failed ? ' FAILED' : '')],
    ...trailLines(d, e),
    ['Method', w.method],
    ...w.lines(req, res, d, e),
    ['Error', failed],
    ['Log', w.unknown
      ? "UNKNOWN: logged only if the cluster's executeCommandConfiguration logs (Session Manager's preferences do not apply); preflight and verify list the clusters whose ECS Exec logging is off"
      : 'NONE: Session Manager does not log ' + w.way + '; CloudTrail shows this call, not what was done after it'],
  ];
  const what = mark + ' ' + w.what + (failed ? ' FAILED' : '');
  const thread = w.thread(req, d, e, res);
  return { lines, what, by: person(u), account: d.recipientAccountId || e.account, thread, related: [thread] };
}

function parse(e, env) {
  const d = e.detail || {};
  if (e['detail-type'] !== 'AWS API Call via CloudTrail' && e['detail-type'] !== 'AWS Console Sign In via CloudTrail') return accessStatus(e, d);
  switch (d.eventName) {
    case 'ConsoleLogin': return signIn(e, d);
    case 'StartConnection': case 'CancelConnection': return rdp(e, d, env);
    case 'StartAccessRequest': return accessRequest(e, d);
    case 'SendAutomationSignal': return approval(e, d);
    case 'SendSSHPublicKey': case 'OpenTunnel': case 'SendSerialConsoleSSHPublicKey': case 'EnableSerialConsoleAccess':
    case 'SendCommand': case 'ExecuteCommand': return way(e, d);
    default: return session(e, d, env);
  }
}

function format(e, env) {
  const m = parse(e, env);
  const text = m.lines.filter(([, v]) => v !== undefined && v !== null && v !== '').map(([k, v]) => (k + ':').padEnd(12) + v).join('\n') + '\n';
  const summary = (m.what + (m.by ? ' by ' + m.by : '') + ' in ' + m.account).replace(/[^\x20-\x7e]/g, '?');
  const subject = ('[sessionaudit] ' + summary).slice(0, 99);
  // Custom notifications of Amazon Q Developer in chat applications: notifications with the same
  // metadata.threadId are grouped in one thread ("Custom notifications", threadId).
  const metadata = { summary: summary.slice(0, 200), eventType: 'sessionaudit.' + ((e.detail || {}).eventName || e['detail-type']) };
  if (m.thread) metadata.threadId = m.thread;
  const related = (m.related || []).filter(Boolean);
  if (related.length) metadata.relatedResources = related;
  const chat = { version: '1.0', source: 'custom', content: { textType: 'client-markdown', title: subject, description: '```\n' + text + '```' }, metadata };
  return { subject, text, chat };
}

function client() {
  const { SNSClient, PublishCommand } = require('@aws-sdk/client-sns');
  const c = new SNSClient({});
  return { publish: (p) => c.send(new PublishCommand(p)) };
}

async function handle(e, env, sns) {
  const m = format(e, env);
  await sns.publish({ TopicArn: env.TOPIC_ARN, Subject: m.subject, Message: m.text });
  if (env.CHAT_TOPIC_ARN) await sns.publish({ TopicArn: env.CHAT_TOPIC_ARN, Message: JSON.stringify(m.chat) });
  return m;
}

exports.handler = (e) => handle(e, process.env, client());
exports.format = format;
exports.handle = handle;
