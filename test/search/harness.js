// The search harness shared by the saved-query tests (queries.test.js: the forwarded logs;
// ledger.test.js: the ledger): the golden SessionAudit-LogArchive template, the Glue tables read
// into DuckDB the way partition projection and the JSON SerDe expose them, and the saved queries.
// What it stands in for is described in queries.test.js.
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const assert = require('node:assert');

const root = path.join(__dirname, '..', '..');
const template = JSON.parse(fs.readFileSync(path.join(root, 'test', 'testdata', 'SessionAudit-LogArchive.template.json'), 'utf8'));
const resources = (type) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const cfg = JSON.parse(fs.readFileSync(path.join(root, 'cdk.json'), 'utf8')).context.sessionAudit;
const BUCKET = `session-audit-logs-${cfg.logArchiveAccountId}-${cfg.homeRegion}`;

// Reads the objects the way the Glue table and partition projection expose them, into DuckDB.
async function loadTable(connection, dir, keys, tableName) {
  const [, t] = resources('AWS::Glue::Table').find(([, r]) => r.Properties.TableInput.Name === tableName);
  const input = t.Properties.TableInput;
  const params = input.Parameters;
  const partitions = input.PartitionKeys.map((k) => k.Name);
  // storage.location.template → a pattern with one group per partition column.
  const formats = { day: params['projection.day.format'] };
  const group = (name) => {
    if (params[`projection.${name}.type`] === 'enum') return '(' + params[`projection.${name}.values`].split(',').map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|') + ')';
    if (params[`projection.${name}.type`] === 'date') return '(' + formats[name].replace(/yyyy/, '[0-9]{4}').replace(/MM|dd/g, '[0-9]{2}') + ')';
    throw new Error('projection type of ' + name);
  };
  const location = new RegExp('^' + params['storage.location.template'].split(/(\$\{\w+\})/).map((part) => {
    const m = part.match(/^\$\{(\w+)\}$/);
    return m ? group(m[1]) : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }).join(''));
  const order = [...params['storage.location.template'].matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]);
  // The OpenX JSON SerDe: keys lowercased unless case.insensitive is false; a column named by
  // mapping.<column> reads that key; a string column holding an object or a list reads its JSON.
  const serde = input.StorageDescriptor.SerdeInfo.Parameters || {};
  const insensitive = String(serde['case.insensitive']).toLowerCase() !== 'false';
  const lower = (v) => (!insensitive ? v : Array.isArray(v) ? v.map(lower) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k.toLowerCase(), lower(x)])) : v);
  const columnOf = (row) => Object.fromEntries(input.StorageDescriptor.Columns.map((c) => {
    const v = row[serde[`mapping.${c.Name}`] || c.Name];
    return [c.Name, c.Type === 'string' && v !== null && typeof v === 'object' ? JSON.stringify(v) : v];
  }));
  const rows = [];
  for (const key of keys) {
    const s3path = `s3://${BUCKET}/${key}`;
    const m = s3path.match(location);
    if (!m) continue; // no projected partition reaches it: Athena would not see it
    const values = Object.fromEntries(order.map((name, i) => [name, m[i + 1]]));
    for (const line of zlib.gunzipSync(fs.readFileSync(path.join(dir, key))).toString('utf8').split('\n').filter(Boolean)) {
      let row;
      try {
        row = lower(JSON.parse(line));
      } catch {
        row = {};
      }
      rows.push({ ...columnOf(row), $path: s3path, ...values });
    }
  }
  const type = (t) => t.replace(/struct<(.*)>/, (_, f) => 'STRUCT(' + f.split(',').map((x) => x.replace(':', ' ')).join(', ') + ')').replace(/array<string>/, 'VARCHAR[]').replace(/string/g, 'VARCHAR');
  const columns = [...input.StorageDescriptor.Columns.map((c) => [c.Name, type(c.Type)]), ['$path', 'VARCHAR'], ...partitions.map((p) => [p, 'VARCHAR'])];
  const file = path.join(dir, tableName + '.ndjson');
  fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  await connection.run(`CREATE TABLE ${tableName} AS SELECT * FROM read_json('${file}', format='newline_delimited', columns={${columns.map(([n, t]) => `'${n}': '${t}'`).join(', ')}})`);
  return rows.length;
}

const queries = Object.fromEntries(resources('AWS::Athena::NamedQuery').map(([, r]) => [r.Properties.Name, r.Properties.QueryString]));
const toDuckDB = (sql) => sql.replace(/\bregexp_like\(/g, 'regexp_matches(').replace(/\bjson_extract_scalar\(/g, 'json_extract_string(');

async function run(connection, name, params) {
  assert.ok(queries[name], 'no saved query ' + name + ' (have ' + Object.keys(queries) + ')');
  const statement = await connection.prepare(toDuckDB(queries[name]));
  params.forEach((p, i) => statement.bindVarchar(i + 1, p));
  return (await statement.runAndReadAll()).getRowObjectsJson();
}

// docs/search.md shows each query with the result it gives on these samples.
const markdown = (rows) => {
  const cols = Object.keys(rows[0]);
  return ['| ' + cols.join(' | ') + ' |', '|' + cols.map(() => ' --- |').join(''), ...rows.map((r) => '| ' + cols.map((c) => String(r[c])).join(' | ') + ' |')].join('\n');
};


module.exports = { root, template, resources, cfg, BUCKET, loadTable, queries, run, markdown };
