# Takumi: the two commands of the README are `make run` and `make test`.
GO ?= go
BIN := bin/takumi

.PHONY: run test build generate vet check-generated bench bench-credentials verify-node load clean accessibility

## run: start Takumi with demo data on http://localhost:8080 (needs PostgreSQL on 127.0.0.1:5432)
run: build
	./$(BIN) demo
	./$(BIN) serve

## test: every test against the local PostgreSQL, browser tests with Chromium when installed
test:
	$(GO) test -count=1 -p 2 -timeout 20m ./...

build:
	$(GO) build -o $(BIN) .

## accessibility: run every browser test with axe-core, recording each page checked, and regenerate the results the /accessibility page publishes (static/accessibility/results.json; needs Chromium)
accessibility:
	rm -f /tmp/takumi-axe.jsonl
	TAKUMI_AXE_RESULTS=/tmp/takumi-axe.jsonl $(GO) test -count=1 -p 1 -timeout 30m ./web/ || true
	$(GO) run ./scripts/accessibility-results /tmp/takumi-axe.jsonl static/accessibility/results.json

generate:
	$(GO) tool templ generate

vet:
	$(GO) vet ./...

## check-generated: fail when `templ generate` would change a committed file
check-generated:
	$(GO) tool templ generate
	git diff --exit-code -- '*_templ.go'
	@test -z "$$(git status --porcelain -- '*_templ.go')" || (echo "untracked generated files"; git status --porcelain -- '*_templ.go'; exit 1)

## bench: catalogue search on 5,000 generated courses, with query plans (see docs/performance.md)
bench:
	$(GO) test -run xxx -bench Catalogue -benchtime 200x ./internal/catalog/

## verify-node: install the independent credential verifier's pinned npm packages and run it (needs Node.js, npm and PostgreSQL)
verify-node:
	cd internal/credential/testdata/verifier && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	TAKUMI_NODE_VERIFY=1 $(GO) test -count=1 -run Node -v ./internal/credential/

## bench-credentials: issue and verify a credential (see docs/performance.md)
bench-credentials:
	$(GO) test -run xxx -bench 'Benchmark(Sign|Verify|Issue|VerifyStored)' -benchtime 3s -count 3 ./internal/credential/

## load: measure start-up, memory and requests per second (see scripts/load.sh)
load: build
	bash scripts/load.sh

clean:
	rm -rf bin
