// The daily coverage check (docs/evidence.md, "Coverage"; docs/notifications.md, "The daily
// coverage message"). An EventBridge schedule runs it once a day: it runs yesterday's coverage in
// the archive-search workgroup with the two queries of `sessionaudit coverage` (the same text, from
// constructs/archivesearch), compares them as operator/coverage does (classify below; both are
// tested on testdata/cases.json), and publishes ONE message to the notification topic when a
// session has no record, output was forged, or the ledger is empty. No gaps, no message. A query
// that fails publishes "coverage could not run" and the function fails (fail closed). A marker
// object, written with a conditional put before the message, makes a second run of the same day
// (a retry) send nothing.
const DAY = 24 * 3600 * 1000;

function client() {
  const { AthenaClient, StartQueryExecutionCommand, GetQueryExecutionCommand, GetQueryResultsCommand } = require('@aws-sdk/client-athena');
  const { S3Client, ListObjectsV2Command, PutObjectCommand, DeleteObjectCommand } = require('@aws-sdk/client-s3');
  const { SNSClient, PublishCommand } = require('@aws-sdk/client-sns');
  const athena = new AthenaClient({});
  const s3 = new S3Client({});
  const sns = new SNSClient({});
  const { WORKGROUP, DATABASE, ARCHIVE_BUCKET, RESULTS_BUCKET, MARKER_PREFIX, TOPIC_ARN } = process.env;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  return {
    // Athena API reference: StartQueryExecution with ExecutionParameters (literals, as
    // operator/coverage's Query makes them), GetQueryExecution until a final state, every page of
    // GetQueryResults (NextToken); the first row of a SELECT's results holds the column names.
    query: async (sql, params, columns, deadline) => {
      const literal = (p) => "'" + p.replace(/'/g, "''") + "'";
      const { QueryExecutionId: id } = await athena.send(new StartQueryExecutionCommand({
        QueryString: sql, WorkGroup: WORKGROUP, QueryExecutionContext: { Database: DATABASE }, ExecutionParameters: params.map(literal),
      }));
      for (;;) {
        const st = ((await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }))).QueryExecution || {}).Status;
        if (!st) throw new Error('query ' + id + ': no status in the answer');
        if (st.State === 'SUCCEEDED') break;
        if (st.State === 'FAILED' || st.State === 'CANCELLED') throw new Error('query ' + id + ' ' + st.State + ': ' + (st.StateChangeReason || ''));
        if (Date.now() > deadline) throw new Error('query ' + id + ' still ' + st.State + ' at the deadline');
        await sleep(2000);
      }
      let header = null;
      const rows = [];
      let token;
      do {
        const r = await athena.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token }));
        for (const row of (r.ResultSet && r.ResultSet.Rows) || []) {
          const values = (row.Data || []).map((d) => (d.VarCharValue === undefined ? '' : d.VarCharValue));
          if (!header) { header = values; continue; }
          rows.push(Object.fromEntries(header.map((h, i) => [h, values[i] === undefined ? '' : values[i]])));
        }
        token = r.NextToken;
      } while (token);
      if (!header) throw new Error('query ' + id + ': no header row');
      const lacking = columns.filter((c) => !header.includes(c));
      if (lacking.length) throw new Error('query ' + id + ': the result has no column ' + lacking.join(', ') + ' (got ' + header.join(', ') + ')');
      return rows;
    },
    // A transcript is the exact key (ListObjectsV2 with it as the prefix, as operator/coverage).
    transcript: async (key) => ((await s3.send(new ListObjectsV2Command({ Bucket: ARCHIVE_BUCKET, Prefix: key }))).Contents || []).some((o) => o.Key === key),
    // S3 user guide, "How to prevent object overwrites with conditional writes"
    // (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html): PutObject
    // with If-None-Match "*" (s3:PutObject is the permission) writes only when no object has the
    // key, and fails with 412 Precondition Failed otherwise (409 ConditionalRequestConflict for a
    // concurrent write: the other run claimed it). True when this run claimed the day.
    claim: async (key, body) => {
      try {
        await s3.send(new PutObjectCommand({ Bucket: RESULTS_BUCKET, Key: MARKER_PREFIX + key, Body: body, IfNoneMatch: '*' }));
        return true;
      } catch (e) {
        const status = e.$metadata && e.$metadata.httpStatusCode;
        if (status === 412 || status === 409 || e.name === 'PreconditionFailed' || e.name === 'ConditionalRequestConflict') return false;
        throw e;
      }
    },
    release: (key) => s3.send(new DeleteObjectCommand({ Bucket: RESULTS_BUCKET, Key: MARKER_PREFIX + key })),
    // SNS: a subject of at most 100 characters; a message of at most 256 KB.
    publish: (subject, message) => sns.send(new PublishCommand({ TopicArn: TOPIC_ARN, Subject: subject.slice(0, 100), Message: message })),
  };
}

function settings() {
  const e = process.env;
  const list = (v) => (v ? v.split(',') : []);
  return {
    ledgerSQL: e.LEDGER_SQL, forwardedSQL: e.FORWARDED_SQL, regions: list(e.REGIONS), phase: e.PHASE || '',
    logged: list(e.LOGGED_DOCUMENTS), listed: Number(e.LISTED || 20), lookBack: Number(e.LOOK_BACK || 7),
  };
}

const LEDGER_COLUMNS = ['time', 'account', 'region', 'event', 'session', 'principal', 'target', 'document', 'error'];
const FORWARDED_COLUMNS = ['account', 'region', 'sessionid', 'events', 'first_event'];
const SESSION_STARTS = ['StartSession', 'ResumeSession'];
const CONNECTION_STARTS = ['StartConnection'];
const OTHER_WAYS = ['SendSSHPublicKey', 'OpenTunnel', 'SendSerialConsoleSSHPublicKey', 'SendCommand', 'ExecuteCommand'];
const PROBE_PREFIX = 'sessionaudit-probe-';

const pad = (n) => String(n).padStart(2, '0');
const partition = (t) => { const d = new Date(t); return d.getUTCFullYear() + '/' + pad(d.getUTCMonth() + 1) + '/' + pad(d.getUTCDate()); };
const isoDay = (t) => new Date(t).toISOString().slice(0, 10);

// sessiondocs.IsLogged: no document is the default (logged); an ARN must name a document of the
// session's own account.
function isLogged(document, account, logged) {
  if (!document) return true;
  let name = document;
  if (document.startsWith('arn:')) {
    const parts = document.split(':');
    const rest = parts.slice(5).join(':');
    if (parts.length < 6 || parts[4] !== account || !rest.startsWith('document/')) return false;
    name = rest.slice('document/'.length);
  }
  return logged.includes(name);
}

// The findings of operator/coverage's Run for [from, to): {check, fail, subject, account, region,
// cause, message}. transcript(key) says whether the archive holds that transcript.
async function classify(from, to, ledger, forwarded, transcript, s) {
  const findings = [];
  const output = new Map(forwarded.map((r) => [r.sessionid, { account: r.account, region: r.region, events: parseInt(r.events, 10) || 0, first: r.first_event }]));
  const started = new Set();
  const terminated = new Map();
  const inPeriod = [];
  for (const r of ledger) {
    if (r.error) continue; // denied: nothing started
    if (r.event === 'TerminateSession') { terminated.set(r.session, r.time); continue; }
    if (![...SESSION_STARTS, ...CONNECTION_STARTS, ...OTHER_WAYS].includes(r.event)) continue;
    started.add(r.session);
    const t = Date.parse(r.time);
    if (Number.isNaN(t)) throw new Error('ledger event ' + r.session + ': time "' + r.time + '" is not RFC 3339');
    if (t >= from && t < to) inPeriod.push(r);
  }
  if (!ledger.length) {
    findings.push({ check: 'coverage.ledger', fail: true, subject: isoDay(from), cause: 'the ledger is empty: cannot tell',
      message: 'the ledger holds no event at all for the period' });
  }
  const seen = new Set();
  for (const r of inPeriod) {
    if (seen.has(r.session)) continue; // a resumed session is one session
    seen.add(r.session);
    const f = { check: 'coverage.session', fail: false, subject: r.session, account: r.account, region: r.region };
    const who = r.event + ' by ' + r.principal + ' at ' + r.time + ' on ' + r.target;
    const out = output.get(r.session) || { events: 0 };
    const governed = s.regions.includes(r.region);
    if (OTHER_WAYS.includes(r.event)) {
      findings.push({ ...f, check: 'coverage.unlogged-way', cause: 'unlogged way in', message: who + ': the ledger entry is the only record' });
      continue;
    }
    if (CONNECTION_STARTS.includes(r.event)) {
      findings.push({ ...f, check: 'coverage.recording', cause: 'RDP connection: recording not looked up', message: who + ': RDP connection; coverage does not look up its recording' });
      continue;
    }
    const held = governed && (await transcript('session-manager/' + r.account + '/' + r.region + '/' + r.session + '.log'));
    if (out.events > 0 && held) { findings.push({ ...f, cause: 'recorded', message: who + ': forwarded output (' + out.events + ' lines) and transcript' }); continue; }
    if (out.events > 0) { findings.push({ ...f, check: 'coverage.transcript', cause: 'transcript never uploaded', message: who + ': forwarded output but no transcript' }); continue; }
    if (held) { findings.push({ ...f, cause: 'recorded', message: who + ': transcript, no forwarded output' }); continue; }
    let cause;
    if (!governed) cause = 'ungoverned region';
    else if (!isLogged(r.document, r.account, s.logged)) cause = 'unlogged document';
    else if (s.phase === 'permissions') cause = 'permissions phase';
    else cause = 'no output after start';
    const ended = cause === 'no output after start' && terminated.get(r.session);
    findings.push({ ...f, check: 'coverage.missing', fail: true, cause, message: who + ': nothing in the archive' + (ended ? '; the session ended (' + ended + ')' : '') });
  }
  for (const id of [...output.keys()].sort()) {
    const o = output.get(id);
    const t = Date.parse(o.first);
    if (started.has(id) || (!Number.isNaN(t) && (t < from || t >= to))) continue; // an unreadable time is looked at, not skipped
    const probe = id.startsWith(PROBE_PREFIX);
    findings.push({ check: 'coverage.forged', fail: !probe, subject: id, account: o.account, region: o.region,
      cause: probe ? 'the test event of sessionaudit verify -probe' : 'output the ledger never saw start (forged)',
      message: o.events + ' forwarded line(s) of session ' + id + ', which the ledger never saw start' });
  }
  return findings;
}

// The message of a day with gaps: counts by cause, the first s.listed gaps, the command.
function gapsMessage(day, findings, listed) {
  const gaps = findings.filter((f) => f.fail);
  const byCause = new Map();
  for (const f of gaps) byCause.set(f.cause, (byCause.get(f.cause) || 0) + 1);
  const missing = gaps.filter((f) => f.check === 'coverage.missing').length;
  const forged = gaps.filter((f) => f.check === 'coverage.forged').length;
  const empty = gaps.some((f) => f.check === 'coverage.ledger');
  const parts = [];
  if (empty) parts.push('the ledger is empty');
  if (missing) parts.push(missing + ' session(s) without a record');
  if (forged) parts.push(forged + ' forged output');
  const lines = ['sessionaudit daily coverage of ' + day + ' (UTC): ' + parts.join(', ') + '.', ''];
  if (empty) lines.push('The ledger holds no event at all for the day: coverage cannot tell whether any session went unrecorded (the ledger stream did not deliver, or it was deployed after the day). An empty ledger is never clean.', '');
  lines.push('By cause:');
  for (const [cause, n] of [...byCause].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))) lines.push('  ' + n + '  ' + cause);
  const others = findings.filter((f) => !f.fail && f.check !== 'coverage.session' && f.check !== 'coverage.forged');
  if (others.length) lines.push('Also (not gaps): ' + others.length + ' warning(s): ' + [...new Set(others.map((f) => f.cause))].join(', ') + '.');
  const shown = gaps.filter((f) => f.check !== 'coverage.ledger');
  if (shown.length) {
    lines.push('', (shown.length > listed ? 'The first ' + listed + ' of ' + shown.length : 'All ' + shown.length) + ':');
    for (const f of shown.slice(0, listed)) lines.push('  ' + f.subject + '  ' + f.account + ' ' + f.region + '  ' + f.cause + ': ' + f.message);
  }
  lines.push('', 'The day\'s sessions, what the archive holds of each and why something is missing:', '  sessionaudit coverage -from ' + day + ' -to ' + day, '', 'docs/evidence.md, "Coverage".');
  return { subject: '[sessionaudit] coverage of ' + day + ': ' + parts.join(', '), message: lines.join('\n') + '\n' };
}

function failureMessage(day, error) {
  return {
    subject: '[sessionaudit] coverage of ' + day + ': could not run',
    message: ['sessionaudit daily coverage of ' + day + ' (UTC) could not run: ' + error.message, '',
      'Nothing is known of the day\'s sessions: this is not an all-clear. Run it yourself:',
      '  sessionaudit coverage -from ' + day + ' -to ' + day, '',
      'The check\'s own log group holds the error; docs/evidence.md, "Coverage".'].join('\n') + '\n',
  };
}

// One run for the day before now. Returns {day, sent: 'gaps'|'failure'|null, already, findings}.
async function run(now, c, s) {
  const from = Math.floor(now / DAY) * DAY - DAY;
  const to = from + DAY;
  const day = isoDay(from);
  // Claims the day (the marker) before publishing; a failed publish gives the day back.
  const announce = async (m, kind) => {
    if (!(await c.claim(day, kind + '\n'))) return false;
    try {
      await c.publish(m.subject, m.message);
    } catch (e) {
      await c.release(day);
      throw e;
    }
    return true;
  };
  let findings;
  try {
    // The ledger's day is the arrival day: a week before (LedgerLookBack) and the day after; output
    // of a session may arrive the day after its start (operator/coverage's Run).
    const deadline = Date.now() + (s.queryMillis || 4 * 60 * 1000);
    const ledger = await c.query(s.ledgerSQL, [partition(from - s.lookBack * DAY), partition(to)], LEDGER_COLUMNS, deadline);
    const forwarded = await c.query(s.forwardedSQL, [partition(from - DAY), partition(to)], FORWARDED_COLUMNS, deadline);
    findings = await classify(from, to, ledger, forwarded, c.transcript, s);
  } catch (e) {
    const sent = await announce(failureMessage(day, e), 'failure');
    e.message = 'coverage of ' + day + ' could not run' + (sent ? ' (announced)' : ' (announced before)') + ': ' + e.message;
    throw e;
  }
  if (!findings.some((f) => f.fail)) return { day, sent: null, findings };
  const sent = await announce(gapsMessage(day, findings, s.listed), 'gaps');
  return { day, sent: sent ? 'gaps' : null, already: !sent, findings };
}

exports.handler = async () => run(Date.now(), client(), settings());
module.exports.run = run;
module.exports.classify = classify;
module.exports.gapsMessage = gapsMessage;
