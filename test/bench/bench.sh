#!/usr/bin/env bash
# make bench: how long synthesis and the test suite take on this machine, printed as the tables of
# docs/performance.md and written into it (test/bench/render, between its markers; the test
# TestPerformanceDocIsBenchOutput renders the recorded measurements again and compares).
# Builds the app and the trivial reference app (test/bench/reference: one stack, one bucket, the
# same pinned versions), synthesizes each RUNS times alternately after a warm-up with aws-cdk-lib's
# validator off and the CDK CLI's context (test/matrix -print-context), synthesizes a large
# organization (50 OUs, the most one StackSet operation takes, every commercial Region), times a
# warm `make test` (Go test results not reused) step by step (wall and CPU time), and, with FRESH=1, a fresh clone's
# .ci/run with empty Go, npm and jsii caches (downloads everything: several minutes).
# BENCH_DOC names the document written (default docs/performance.md; empty: print only).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-7}
BENCH_DOC=${BENCH_DOC-docs/performance.md}
export CDK_VALIDATION=false
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

load=$(cut -d' ' -f1 /proc/loadavg)
commit=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- || commit="$commit+dirty"

mkdir -p bin
go build -o bin/sessionaudit .
go build -o bin/reference ./test/bench/reference
go build -o "$work/matrix" ./test/matrix
ctx=$("$work/matrix" -print-context)

# synth BINARY CONTEXT OUTDIR: prints "seconds peak-kB" of one synthesis.
synth() {
  rm -rf "$3"
  if ! /usr/bin/time -f "%e %M" -o "$work/time" env CDK_CONTEXT_JSON="$2" CDK_OUTDIR="$3" "$1" >/dev/null 2>"$work/err"; then
    cat "$work/err" >&2
    exit 1
  fi
  cat "$work/time"
}
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
maxof() { sort -n | tail -1; }
stacks() { ls "$1"/*.template.json | wc -l; }

synth bin/sessionaudit "$ctx" "$work/app" >/dev/null # warm-up
synth bin/reference "$ctx" "$work/ref" >/dev/null
: >"$work/app.txt"
: >"$work/ref.txt"
for _ in $(seq "$RUNS"); do
  synth bin/sessionaudit "$ctx" "$work/app" >>"$work/app.txt"
  synth bin/reference "$ctx" "$work/ref" >>"$work/ref.txt"
done

# Scale: 50 target OUs (config refuses more) in every commercial Region.
node -e '
  const c = require("./cdk.json").context.sessionAudit;
  c.targetOrganizationalUnitIds = Array.from({ length: 50 }, (_, i) => "ou-exam-" + String(i).padStart(8, "0"));
  c.regions = ["us-east-1","us-east-2","us-west-1","us-west-2","af-south-1","ap-east-1","ap-east-2","ap-south-1","ap-south-2","ap-southeast-1","ap-southeast-2","ap-southeast-3","ap-southeast-4","ap-southeast-5","ap-southeast-7","ap-northeast-1","ap-northeast-2","ap-northeast-3","ca-central-1","ca-west-1","eu-central-1","eu-central-2","eu-west-1","eu-west-2","eu-west-3","eu-south-1","eu-south-2","eu-north-1","il-central-1","mx-central-1","me-south-1","me-central-1","sa-east-1"];
  require("fs").writeFileSync(process.argv[1], JSON.stringify(c));' "$work/large.json"
synth bin/sessionaudit "$("$work/matrix" -print-context "$work/large.json")" "$work/large" >"$work/large.txt"

# Warm make test (everything installed and built by now; Go test results are not reused), with
# its one timed line per step (==> step seconds s).
echo "==> bench: warm make test" >&2
# CDK_VALIDATION is unset for it: make synth runs the validator, as make test does anywhere.
if ! env -u CDK_VALIDATION SESSIONAUDIT_BENCH_RUNNING=1 GOFLAGS=-count=1 /usr/bin/time -f "%e %M" -o "$work/mt.time" make --no-print-directory test >"$work/mt.out" 2>&1; then
  cat "$work/mt.out" >&2
  exit 1
fi
sed -nE 's/^==> ([^ ]+) +([0-9.]+) s  \(CPU ([0-9.]+) s\)$/\1 \2 \3/p' "$work/mt.out" >"$work/steps.txt"

# A fresh clone's CI run: the committed tree, empty Go module and build caches, npm cache and jsii
# package cache (XDG_CACHE_HOME), the Go toolchain and Node installed.
: >"$work/fresh.time"
if [ -n "${FRESH:-}" ]; then
  echo "==> bench: fresh clone, .ci/run with empty caches" >&2
  git clone -q --no-local . "$work/fresh"
  mkdir -p "$work/cache"
  if ! (cd "$work/fresh" && env GOMODCACHE="$work/cache/gomod" GOCACHE="$work/cache/gobuild" XDG_CACHE_HOME="$work/cache/xdg" \
      npm_config_cache="$work/cache/npm" /usr/bin/time -f "%e %M" -o "$work/fresh.time" .ci/run >"$work/fresh.out" 2>&1); then
    tail -40 "$work/fresh.out" >&2
    exit 1
  fi
  chmod -R u+w "$work/cache" # the module cache is read-only; the trap removes it
fi

# The operator commands (preflight, verify; sessions for a month, operator/cli/sessions_scale_test.go;
# show of one session of that month, operator/cli/show_scale_test.go) against the fake AWS endpoint with an organization of
# 1,000 member accounts (operator/cli/scale_test.go): wall time of each run, AWS calls made, and
# the test process's peak RSS (the fake endpoint and its 1,000-account model included).
go test -c -o "$work/operator.test" ./operator/cli
(cd operator/cli && SESSIONAUDIT_BENCH=1 /usr/bin/time -f "%e %M" -o "$work/optime" "$work/operator.test" -test.run 'TestOrganizationOf1000Accounts$|TestSessionsOf1000Accounts$|TestShowOf1000Accounts$' -test.count=1 | grep '^|' | grep -v heap) >"$work/operator.txt"

# The measurements as JSON (report.Results), rendered into the tables and the document.
BENCH_ENV=$(printf '{"date":"%s","commit":"%s","cores":%d,"go":"%s","node":"%s","load":%s,"runs":%d}' \
  "$(date -u +%Y-%m-%d)" "$commit" "$(nproc)" "$(go env GOVERSION)" "$(node --version)" "$load" "$RUNS") \
  node - "$work" <<'JS' >"$work/results.json"
const fs = require('fs');
const path = require('path');
const [work] = process.argv.slice(2);
const read = (f) => fs.readFileSync(path.join(work, f), 'utf8').trim();
const rows = (f) => read(f) ? read(f).split('\n').map((l) => l.trim().split(/\s+/).map(Number)) : [];
const median = (xs) => { const v = [...xs].sort((a, b) => a - b); const n = v.length; return n % 2 ? v[(n - 1) / 2] : (v[n / 2 - 1] + v[n / 2]) / 2; };
const mib = (kb) => Math.round(kb / 1024);
const stacks = (dir) => fs.readdirSync(path.join(work, dir)).filter((f) => f.endsWith('.template.json'));
const synth = (file, dir) => { const r = rows(file); return { seconds: median(r.map((x) => x[0])), peakMiB: mib(Math.max(...r.map((x) => x[1]))), stacks: stacks(dir).length }; };
const size = (dir, f) => { const p = path.join(work, dir, f); return fs.existsSync(p) ? JSON.stringify(JSON.parse(fs.readFileSync(p))).length : 0; };
const [mt, mtmem] = rows('mt.time')[0];
const fresh = rows('fresh.time');
const [opsec, opmem] = rows('optime')[0];
const env = JSON.parse(process.env.BENCH_ENV);
console.log(JSON.stringify({
  ...env,
  reference: synth('ref.txt', 'ref'),
  default: synth('app.txt', 'app'),
  large: synth('large.txt', 'large'),
  largeLabel: '50 OUs × 33 Regions',
  makeTest: { seconds: mt, peakMiB: mib(mtmem) },
  steps: read('steps.txt').split('\n').map((l) => { const [name, s, cpu] = l.split(' '); return { name, seconds: Number(s), cpu: Number(cpu) }; }),
  ...(fresh.length ? { freshCI: { seconds: fresh[0][0], peakMiB: mib(fresh[0][1]) } } : {}),
  templates: stacks('app').sort().map((f) => ({ name: f.replace('.template.json', ''), default: size('app', f), large: size('large', f) })),
  receivers: stacks('large').filter((f) => f.startsWith('SessionAudit-Receiver-')).length,
  operator: read('operator.txt').split('\n').map((l) => l.replace(/^\|\s*|\s*\|$/g, '').split(/\s*\|\s*/)),
  operatorAll: { seconds: opsec, peakMiB: mib(opmem) },
}));
JS
echo
go run ./test/bench/render ${BENCH_DOC:+-write "$BENCH_DOC"} <"$work/results.json"
