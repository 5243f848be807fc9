# sessionaudit — everything runs through these targets; the README's Quick start is `make synth`
# and `make test`. Both install what they need (Go modules, the pinned CDK CLI) on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# The project supports Node 22+. Node 20 still works; jsii prints a large end-of-life banner on
# every run there, which this silences (set it to empty to see it again).
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION ?= 20
export CDK_DISABLE_CLI_TELEMETRY ?= true
CDK := npx --no-install cdk

.PHONY: help deps synth lint test test-go test-js test-search test-examples security cost bench clean

help:
	@echo "make synth   synthesize every stack into cdk.out/ (validated; no AWS credentials needed)"
	@echo "make test    unit and template tests, the validated synth, then make security"
	@echo "make lint    gofmt, go vet, staticcheck, ESLint"
	@echo "make security rule packs (cdk-nag) and the access matrix over cdk.out/"
	@echo "make cost    fixed monthly cost by organization size and cost per GiB, from cdk.out/ (README Cost)"
	@echo "make bench   synth and test timings against a trivial reference app (see README Performance)"
	@echo "make clean   remove cdk.out/"

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

deps: node_modules/.package-lock.json
	@go mod download

# The one deliberate validation step: aws-cdk-lib's CloudFormation validator (cfn-lint's rules)
# runs here, and the feature flag @aws-cdk/core:validateAgainstDefaultRules makes its errors fail.
synth: deps
	$(CDK) synth --quiet --no-notices

# Formatting and static checks of the Go code (both modules) and the JavaScript (handlers, tests).
STATICCHECK := go run honnef.co/go/tools/cmd/staticcheck@v0.8.2
lint: deps
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
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

# cdk.out is stale when a tracked source is newer than the last synthesis.
cdk.out/manifest.json: $(shell git ls-files -- '*.go' '*.js' cdk.json go.mod 2>/dev/null)
	$(MAKE) --no-print-directory synth

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
	node --test --test-reporter=dot test/search/queries.test.js

# A separate app (its own go.mod, no feature flags) that uses the constructs.
test-examples: deps
	cd examples/reuse && CDK_VALIDATION=false go test ./...

test: test-go test-js test-search test-examples
	$(MAKE) --no-print-directory synth
	$(MAKE) --no-print-directory security

# The cost model over the synthesized templates and cost/prices.json (README "Cost").
cost: cdk.out/manifest.json
	@go run ./cmd/cost

bench: deps $(SECURITY_DEPS)
	bash test/bench/bench.sh

clean:
	rm -rf cdk.out bin
