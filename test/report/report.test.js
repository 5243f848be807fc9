// The evidence pack of `sessionaudit report` in a real browser: test/report/makepack writes a pack
// of known data (the report command against the fake AWS endpoint), headless Chromium (Debian's
// package, installed by .ci/run; puppeteer-core drives it and downloads no browser) opens its
// index.html, and each chart must render with the numbers of report.json, counted here
// independently: SVGs with a size, bars whose lengths are proportional to their values, the
// values written as text, no network request and no console error. Without Chromium the test
// fails in CI (CI=true) and skips elsewhere, saying so.
/* global getComputedStyle -- the callbacks of $$eval and $eval run in the page */
const test = require('node:test');
const assert = require('node:assert');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');

function chromium() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('sh', ['-c', 'command -v ' + name], { encoding: 'utf8' }).trim();
    } catch {
      // not this one
    }
  }
  return '';
}

// count is the number of items of list by key.
function count(list, key) {
  const out = {};
  for (const x of list) out[key(x)] = (out[key(x)] || 0) + 1;
  return out;
}

test('the evidence pack renders its charts with the right numbers in Chromium', { timeout: 240_000 }, async (t) => {
  const executablePath = chromium();
  if (!executablePath) {
    if (process.env.CI === 'true') assert.fail('Chromium is not installed: .ci/run installs Debian\'s chromium package (apt-get install chromium)');
    t.skip('Chromium is not installed (apt-get install chromium; CI installs it): the browser test of the evidence pack did not run');
    return;
  }
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'report-test-')), 'pack');
  t.after(() => fs.rmSync(path.dirname(dir), { recursive: true, force: true }));
  execFileSync('go', ['run', './test/report/makepack', dir], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const data = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
  assert.ok(data.sessions.length > 10 && data.denied.length > 0, 'the known data has sessions and denied starts');

  const puppeteer = require('puppeteer-core');
  const browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.setViewport({ width: 1400, height: 1000 });
  const url = 'file://' + path.join(dir, 'index.html');
  const requests = [];
  const errors = [];
  page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
  page.on('requestfailed', (r) => errors.push('request failed: ' + r.url()));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warn') errors.push('console ' + m.type() + ': ' + m.text()); });
  page.on('pageerror', (e) => errors.push('page error: ' + e.message));
  await page.goto(url, { waitUntil: 'load' });

  const charts = await page.$$eval('section.chart', (sections) => sections.map((s) => {
    const svg = s.querySelector('svg');
    const box = svg.getBoundingClientRect();
    return {
      id: s.id,
      vertical: svg.classList.contains('vertical'),
      width: box.width,
      height: box.height,
      bars: [...svg.querySelectorAll('g.bar')].map((g) => {
        const rect = g.querySelector('rect').getBoundingClientRect();
        const label = g.querySelector('text.label');
        return {
          label: g.dataset.label,
          value: Number(g.dataset.value),
          w: rect.width,
          h: rect.height,
          fill: getComputedStyle(g.querySelector('rect')).fill,
          valueText: g.querySelector('text.value').textContent,
          labelWidth: label.getBoundingClientRect().width,
        };
      }),
    };
  }));
  const tiles = await page.$$eval('.tile', (ts) => Object.fromEntries(ts.map((x) => [x.id, x.querySelector('b').textContent])));
  const verdict = await page.$eval('#verdict', (e) => [e.textContent, getComputedStyle(e).backgroundColor]);

  const byId = Object.fromEntries(charts.map((c) => [c.id, c]));
  assert.deepStrictEqual(charts.map((c) => c.id), ['per-day', 'per-person', 'per-account', 'by-way', 'not-logged', 'denied', 'archive', 'digests']);

  for (const c of charts) {
    assert.ok(c.width > 100 && c.height > 20, `${c.id}: the SVG renders (${c.width}×${c.height})`);
    assert.ok(c.bars.length > 0, `${c.id}: bars`);
    const largest = Math.max(...c.bars.map((b) => b.value));
    const length = (b) => (c.vertical ? b.h : b.w);
    const full = c.bars.find((b) => b.value === largest);
    if (largest > 0) assert.ok(length(full) > 50, `${c.id}: the largest bar is ${length(full)} px long`);
    for (const b of c.bars) {
      assert.strictEqual(b.valueText, String(b.value), `${c.id} ${b.label}: the value written`);
      assert.ok(b.labelWidth > 0, `${c.id} ${b.label}: the label shows`);
      assert.notStrictEqual(b.fill, 'none', `${c.id} ${b.label}: the bar is painted`);
      const want = largest ? (length(full) * b.value) / largest : 0;
      assert.ok(Math.abs(length(b) - want) < 0.6, `${c.id} ${b.label}: ${length(b)} px for ${b.value}, want ${want}`);
    }
  }

  // The numbers, counted from report.json.
  const values = (id) => Object.fromEntries(byId[id].bars.map((b) => [b.label, b.value]));
  const nonZero = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v > 0));
  const perDay = count(data.sessions, (s) => s.start.slice(0, 10));
  const days = byId['per-day'].bars.map((b) => b.label);
  assert.strictEqual(days[0], data.from);
  assert.strictEqual(days[days.length - 1], data.to);
  assert.strictEqual(days.length, Math.round((Date.parse(data.to) - Date.parse(data.from)) / 86400000) + 1, 'a bar for every day');
  assert.deepStrictEqual(nonZero(values('per-day')), perDay);
  assert.deepStrictEqual(values('per-person'), count(data.sessions, (s) => s.person));
  assert.deepStrictEqual(values('per-account'), count(data.sessions, (s) => s.account));
  assert.deepStrictEqual(nonZero(values('by-way')), count(data.sessions, (s) => s.way));
  assert.deepStrictEqual(nonZero(values('not-logged')), count(data.sessions.filter((s) => s.logged === 'NOT LOGGED'), (s) => s.way));
  assert.deepStrictEqual(nonZero(values('denied')), count(data.denied, (a) => a.way));
  const missing = data.coverage.filter((f) => f.check === 'coverage.missing').length;
  assert.ok(missing > 0, 'the known data has a session without a record');
  assert.strictEqual(values('archive')['nothing in the archive'], missing);
  assert.strictEqual(values('archive').recorded, data.coverage.filter((f) => f.check === 'coverage.session').length);
  const archived = data.coverage.filter((f) => f.check !== 'coverage.ledger' && (f.severity !== 'info' || f.check === 'coverage.session')).length;
  assert.strictEqual(byId.archive.bars.reduce((n, b) => n + b.value, 0), archived);
  const problems = data.validation.findings.filter((f) => f.severity !== 'info');
  assert.deepStrictEqual(nonZero(values('digests')), count(problems, (f) => f.check));
  assert.ok(problems.length > 0, 'the known data has a missing digest hour');

  // The header's numbers and verdict.
  assert.strictEqual(tiles['n-sessions'], String(data.sessions.length));
  assert.strictEqual(tiles['n-people'], String(new Set(data.sessions.map((s) => s.person)).size));
  assert.strictEqual(tiles['n-denied'], String(data.denied.length));
  assert.strictEqual(tiles['n-without-record'], String(missing));
  assert.strictEqual(tiles['n-digests'], `${problems.length} problem(s)`);
  assert.match(verdict[0], /^Needs attention/);
  assert.strictEqual(verdict[1], 'rgb(198, 40, 40)', 'the verdict is red');

  assert.deepStrictEqual(requests, [], 'the page fetches nothing');
  assert.deepStrictEqual(errors, [], 'no console error, no failed request');
});
