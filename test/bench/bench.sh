#!/usr/bin/env bash
# make bench: how long synthesis and the test suite take on this machine, as a table to paste
# into an issue. Builds the app and the trivial reference app (test/bench/reference: one stack,
# one bucket, the same pinned versions), synthesizes each RUNS times alternately after a warm-up
# with aws-cdk-lib's validator off and the CLI's default context, then times a warm `make test`
# and a synthesis for a large organization (50 OUs, the most one StackSet operation takes, every commercial Region).
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-7}
export CDK_VALIDATION=false
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=${JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION-20}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p bin
go build -o bin/sessionaudit .
go build -o bin/reference ./test/bench/reference

# The context the CDK CLI passes: cdk.json's, plus what `cdk synth` adds by default.
context() { # [configFile]
  node -e '
    const c = require("./cdk.json").context;
    Object.assign(c, { "aws:cdk:disable-stack-trace": true, "aws:cdk:enable-path-metadata": true, "aws:cdk:enable-asset-metadata": true, "aws:cdk:version-reporting": true });
    if (process.argv[1]) c.configFile = process.argv[1];
    console.log(JSON.stringify(c));' "${1:-}"
}
ctx=$(context)

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

synth bin/sessionaudit "$ctx" "$work/app" >/dev/null # warm-up
synth bin/reference "$ctx" "$work/ref" >/dev/null
: >"$work/app.txt"
: >"$work/ref.txt"
for _ in $(seq "$RUNS"); do
  synth bin/sessionaudit "$ctx" "$work/app" >>"$work/app.txt"
  synth bin/reference "$ctx" "$work/ref" >>"$work/ref.txt"
done
app=$(cut -d' ' -f1 "$work/app.txt" | median)
ref=$(cut -d' ' -f1 "$work/ref.txt" | median)
appmem=$(cut -d' ' -f2 "$work/app.txt" | maxof)
refmem=$(cut -d' ' -f2 "$work/ref.txt" | maxof)

# Scale: 50 target OUs (config refuses more) in every commercial Region.
node -e '
  const c = require("./cdk.json").context.sessionAudit;
  c.targetOrganizationalUnitIds = Array.from({ length: 50 }, (_, i) => "ou-exam-" + String(i).padStart(8, "0"));
  c.regions = ["us-east-1","us-east-2","us-west-1","us-west-2","af-south-1","ap-east-1","ap-east-2","ap-south-1","ap-south-2","ap-southeast-1","ap-southeast-2","ap-southeast-3","ap-southeast-4","ap-southeast-5","ap-southeast-7","ap-northeast-1","ap-northeast-2","ap-northeast-3","ca-central-1","ca-west-1","eu-central-1","eu-central-2","eu-west-1","eu-west-2","eu-west-3","eu-south-1","eu-south-2","eu-north-1","il-central-1","mx-central-1","me-south-1","me-central-1","sa-east-1"];
  require("fs").writeFileSync(process.argv[1], JSON.stringify(c));' "$work/large.json"
read -r large largemem < <(synth bin/sessionaudit "$(context "$work/large.json")" "$work/large")

# Warm make test (everything installed and built by now; Go test results are not reused).
read -r mt mtmem < <(GOFLAGS=-count=1 /usr/bin/time -f "%e %M" make --no-print-directory test 2>&1 >/dev/null | tail -1)

ratio=$(awk -v a="$app" -v r="$ref" 'BEGIN {printf "%.2f", a / r}')
echo
echo "sessionaudit bench, $(date -u +%Y-%m-%d), $(nproc) cores, go $(go env GOVERSION), node $(node --version), median of $RUNS alternating runs, CDK_VALIDATION=false"
echo
echo "| measure | seconds | peak RSS (MiB) | budget |"
echo "| --- | ---: | ---: | --- |"
echo "| reference synth (1 stack, 1 bucket) | $ref | $((refmem / 1024)) | |"
echo "| sessionaudit synth, default config ($(ls "$work"/app/*.template.json | wc -l) stacks) | $app | $((appmem / 1024)) | <= 1.5x reference |"
echo "| ratio app / reference | ${ratio}x | | 1.5x |"
echo "| sessionaudit synth, 50 OUs x 33 Regions ($(ls "$work"/large/*.template.json | wc -l) stacks) | $large | $((largemem / 1024)) | |"
echo "| warm make test | $mt | $((mtmem / 1024)) | <= 30 s |"
echo
echo "| template | default config (bytes) | 50 OUs x 33 Regions (bytes) |"
echo "| --- | ---: | ---: |"
for f in "$work"/app/*.template.json; do
  name=$(basename "$f" .template.json)
  big="$work/large/$name.template.json"
  size() { node -e 'console.log(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1]))).length)' "$1"; }
  echo "| $name | $(size "$f") | $([ -f "$big" ] && size "$big" || echo -) |"
done
recv=$(ls "$work"/large/SessionAudit-Receiver-*.template.json | wc -l)
echo "| (receivers in the large config) | | $recv stacks |"

# The operator commands (preflight, verify) against the fake AWS endpoint with an organization of
# 1,000 member accounts (operator/cli/scale_test.go): wall time of each run, AWS calls made, and
# the test process's peak RSS (the fake endpoint and its 1,000-account model included).
go test -c -o "$work/operator.test" ./operator/cli
rows=$(cd operator/cli && SESSIONAUDIT_BENCH=1 /usr/bin/time -f "%e %M" -o "$work/optime" "$work/operator.test" -test.run 'TestOrganizationOf1000Accounts$' -test.count=1 | grep '^|')
read -r opsec opmem <"$work/optime"
echo
echo "| operator command (fake endpoint, loopback) | seconds | AWS calls |"
echo "| --- | ---: | ---: |"
echo "$rows" | grep -v 'heap'
echo "| whole test process (both runs, the fake included): $opsec s, peak RSS $((opmem / 1024)) MiB | | |"
