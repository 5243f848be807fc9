# sessionaudit — everything runs through these targets; the README's Quick start is `make synth`
# and `make test`. Both install what they need (Go modules, the pinned CDK CLI) on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The project supports Node 22+. Node 20 still works; jsii prints a large end-of-life banner on
# every run there, which this silences (set it to empty to see it again).
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= 20
export CDK_DISABLE_CLI_TELEMETRY ?= true
CDK := npx --no-install cdk

# Your configuration: make synth CONFIG=org.json (or export SESSIONAUDIT_CONFIG=org.json once; the
# app reads it for every command). Without either, the example organization of cdk.json, whose
# templates cannot be deployed.
CONFIG ?= $(SESSIONAUDIT_CONFIG)
CONFIG_ARG := $(if $(CONFIG),-c configFile=$(abspath $(CONFIG)))

.PHONY: help deps build cdk synth lint test test-config test-go test-js test-search test-report test-examples security cost preflight verify bench clean

help:
	@echo "make synth   synthesize every stack into a clean cdk.out/ (validated; no AWS credentials; CONFIG=<path>)"
	@echo "make cdk ARGS='deploy <stack>'  any cdk command with the pinned CLI and CONFIG (no validator)"
	@echo "make test    unit and template tests, the validated synth, then make security"
	@echo "make lint    gofmt, import grouping, go vet, staticcheck, ESLint"
	@echo "make security rule packs (cdk-nag) and the access matrix over cdk.out/"
	@echo "make cost    fixed monthly cost by organization size and cost per GiB, from cdk.out/ (README Cost)"
	@echo "make preflight / make verify  read-only checks of your organization before / after deploying (docs/preflight-verify.md; ARGS='-json')"
	@echo "make bench   synth, make test (per step) and operator timings; writes docs/performance.md (FRESH=1: a fresh clone's .ci/run too)"
	@echo "make clean   remove cdk.out/, $(MATRIX_OUT)/ and bin/"

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

deps: node_modules/.package-lock.json
	@test -d "$$(go env GOMODCACHE)/github.com/aws/aws-cdk-go" || echo "==> downloading the Go modules (first time: about a minute)"
	@go mod download

# The app, compiled once, into the binary cdk.json's app runs (whose own go build then finds it up
# to date instead of linking it again). Silent when Go's build cache holds aws-cdk-go (every build
# but the first): `go build -v` names only the packages it compiles, so the progress lines appear
# only when it compiles aws-cdk-go (about two minutes), and a failed build prints the compiler's
# errors.
build: deps
	@set -o pipefail; go build -v -o bin/sessionaudit . 2>&1 | awk ' \
	  /^github.com\/aws\/aws-cdk-go\// && !cdk { cdk = 1; print "==> compiling aws-cdk-go (not in the Go build cache yet; about two minutes)" } \
	  /^(#|[^ \t]+\.go:|\t)/ || !/^[A-Za-z0-9._~\/-]+$$/ { print; next } \
	  cdk && ++n % 25 == 0 { print "    compiled " n " packages, now " $$0 }'

# The one deliberate validation step: aws-cdk-lib's CloudFormation validator (cfn-lint's rules)
# runs here, and the feature flag @aws-cdk/core:validateAgainstDefaultRules makes its errors fail.
# cdk.out starts empty, so that no template of an earlier config remains.
# Quiet on success: --quiet only keeps the template of a single stack off stdout; with several
# stacks the CLI always says "Successfully synthesized to …" and "Supply a stack id (…) to display
# its template." at level info (aws-cdk/lib/index.js, CdkToolkit.synth; no flag lowers the level
# below info, and --all selects the same stacks). --ci sends the CLI's info and warnings to stdout,
# where these two lines are dropped; warnings pass, errors and the app's own output (stderr) are
# untouched, and pipefail keeps the CLI's exit status.
SYNTH_CHATTER := -e '^Successfully synthesized to ' -e '^Supply a stack id (.*) to display its template\.$$'
synth: build
	@rm -rf cdk.out
	@echo "==> cdk synth$(if $(CONFIG), CONFIG=$(CONFIG)) (validated)"
	@set -o pipefail; $(CDK) synth --quiet --no-notices --ci $(CONFIG_ARG) | { grep -v $(SYNTH_CHATTER) || true; }
	@echo "$(abspath $(CONFIG))" > cdk.out/config-source

# Any other cdk command (ls, diff, deploy, destroy) with the pinned CLI and the configuration; the
# validator is off here (it ran in make synth).
cdk: build
	CDK_VALIDATION=false $(CDK) $(ARGS) $(CONFIG_ARG)

# Formatting and static checks of the Go code (both modules) and the JavaScript (handlers, tests).
STATICCHECK := go run honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint: deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	@ungrouped=$$(go run golang.org/x/tools/cmd/goimports@v0.48.0 -local github.com/sessionaudit/sessionaudit -l $$(git ls-files '*.go')); \
	  if [ -n "$$ungrouped" ]; then echo "imports need grouping (standard, others, sessionaudit): $$ungrouped"; exit 1; fi
	go vet ./...
	$(STATICCHECK) ./...
	cd examples/reuse && go vet ./... && $(STATICCHECK) ./...
	npx --no-install eslint constructs test eslint.config.js

# Tests synthesize with the validator off (CDK_VALIDATION=false); `synth` validates afterwards.
test-go: deps
	CDK_VALIDATION=false go test ./...

# The inline Lambda handlers' own tests (Node's built-in runner, fake AWS clients), on the readable
# source and again on the code that ships (the templates' ZipFile, SHIPPED=1).
test-js:
	node --test --test-reporter=dot $(sort $(shell find constructs -name '*.test.js'))
	SHIPPED=1 node --test --test-reporter=dot $(sort $(shell find constructs -name '*.test.js'))

# cdk.out is stale when a tracked source is newer than the last synthesis, or when it was
# synthesized from another configuration than CONFIG.
ifneq ($(shell cat cdk.out/config-source 2>/dev/null),$(abspath $(CONFIG)))
.PHONY: cdk.out/manifest.json
endif
cdk.out/manifest.json: $(shell git ls-files -- '*.go' '*.js' cdk.json go.mod 2>/dev/null) $(CONFIG)
	@$(MAKE) --no-print-directory synth

SECURITY_DEPS := test/security/node_modules/.package-lock.json
$(SECURITY_DEPS): test/security/package.json test/security/package-lock.json
	npm ci --prefix test/security --no-audit --no-fund --loglevel=error

# The security proof over the synthesized templates: cdk-nag's AwsSolutions, NIST 800-53 rev 5,
# HIPAA Security and PCI DSS 3.2.1 packs, the access matrix and the scaling limits.
security: $(SECURITY_DEPS) cdk.out/manifest.json
	node --test --test-reporter=dot $(sort $(wildcard test/security/*.test.js))

SEARCH_DEPS := test/search/node_modules/.package-lock.json
$(SEARCH_DEPS): test/search/package.json test/search/package-lock.json
	npm ci --prefix test/search --no-audit --no-fund --loglevel=error

# The archive search's saved queries on sample objects, with an embedded SQL engine (DuckDB).
test-search: $(SEARCH_DEPS)
	node --test --test-reporter=dot $(sort $(wildcard test/search/*.test.js))

REPORT_DEPS := test/report/node_modules/.package-lock.json
$(REPORT_DEPS): test/report/package.json test/report/package-lock.json
	npm ci --prefix test/report --no-audit --no-fund --loglevel=error

# The evidence pack of sessionaudit report in headless Chromium (Debian's chromium package, which
# .ci/run installs; puppeteer-core drives it and downloads no browser): the charts render with the
# numbers of report.json. It fails in CI without Chromium and skips elsewhere, saying so.
test-report: $(REPORT_DEPS)
	node --test --test-reporter=dot $(sort $(wildcard test/report/*.test.js))

# A separate app (its own go.mod, no feature flags) that uses the constructs.
test-examples: deps
	cd examples/reuse && CDK_VALIDATION=false go test ./...

# Other organizations' configurations, the configuration matrix of make test: synthesized in one
# process with one jsii runtime (test/matrix: the CLI's context, the validator off, each into a
# fresh $(MATRIX_OUT)/<name>/), then the security proof on each (CDK_OUT=<dir>). The validator runs
# on the example in make synth.
#   other-org.json     two regions, chat on, exempt patterns of a role path and a user, every
#                      session setting governed, a forwarder
#   one-region.json    one region, session encryption off, deny mode, an exempt pattern with ?
#                      and *, limits and run-as kept (not configured)
#   many-regions.json  four regions (one opt-in), chat on, deny mode, an exempt role, sign-ins in
#                      two extra regions, an instance role
#   largest.json       the largest configuration config accepts (50 OUs, 16 regions, exemptions,
#                      ignored principals, instance roles, shell profiles, forwarders at their
#                      limits): the bootstrap-free templates must still fit in what the CDK CLI
#                      sends inline (templatesize.test.js)
#   identity-center.json  Control Tower-like: home us-east-1 and four regions (one opt-in), an IAM
#                      Identity Center break-glass exemption (role/aws-reserved/sso.amazonaws.com/*/
#                      AWSReservedSSO_…: chains that create or change it are refused by AWS itself),
#                      rollout.phase "permissions" (notify mode), a session key per account,
#                      teams' own session settings (run-as, shell profile, limits)
# The matrices skip, saying why, what a configuration has nothing for.
CONFIG_MATRIX := test/testdata/other-org.json test/testdata/one-region.json test/testdata/many-regions.json test/testdata/largest.json test/testdata/identity-center.json
MATRIX_OUT := cdk.out.matrix
test-config: deps $(SECURITY_DEPS)
	@CDK_VALIDATION=false go run ./test/matrix -out $(MATRIX_OUT) $(CONFIG_MATRIX)
	@$(MAKE) --no-print-directory -j $(SECURITY_JOBS) --output-sync=target \
	  $(foreach c,$(CONFIG_MATRIX),$(MATRIX_OUT)/$(basename $(notdir $(c)))/security)

# The security proof on one assembly of the matrix; make test-config runs one per core at a time
# (each is one Node process at a time, mostly the rule packs), each one's output kept together.
SECURITY_JOBS := $(shell nproc 2>/dev/null || echo 2)
$(MATRIX_OUT)/%/security: $(SECURITY_DEPS)
	@echo "    security $(MATRIX_OUT)/$*"
	@CDK_OUT=$(MATRIX_OUT)/$* node --test --test-reporter=dot $(sort $(wildcard test/security/*.test.js))

# make test's steps, in order, one line each with its wall and CPU time (test/bench/steps.sh:
# ==> step  12.3 s  (CPU 20.1 s)), so that a slow one shows.
TEST_STEPS := test-go test-js test-search test-report test-examples test-config synth security
test:
	@MAKE="$(MAKE)" bash test/bench/steps.sh $(TEST_STEPS)

# The cost model over the synthesized templates and cost/prices.json (README "Cost"), for your
# organization: make cost ACCOUNTS=300 [VPCS=2 AZS=3]; the regions are the configuration's.
cost: cdk.out/manifest.json
	@go run ./cmd/sessionaudit cost $(if $(ACCOUNTS),-accounts $(ACCOUNTS)) $(if $(VPCS),-vpcs $(VPCS)) $(if $(AZS),-azs $(AZS))

# Read-only checks of the real organization with CONFIG and the caller's AWS credentials
# (docs/preflight-verify.md): exit 0 clean, 1 findings, 2 could not run.
preflight verify:
	@go run ./cmd/sessionaudit $@ $(if $(CONFIG),-config $(abspath $(CONFIG))) $(ARGS)

bench: deps $(SECURITY_DEPS)
	bash test/bench/bench.sh

clean:
	rm -rf cdk.out $(MATRIX_OUT) bin
