# CEREBRO build and test entry points. `make test` is what CI runs (.ci/run).
export PATH := /usr/local/go/bin:$(PATH)
GO ?= go
BIN := bin/cerebro

.PHONY: build demo test unit e2e peers lint fuzz bench clean

build:
	$(GO) build -o $(BIN) ./cmd/cerebro

# The bad-deploy scenario on embedded defaults; exits non-zero unless the deploy ranks first.
demo: build
	./$(BIN) demo --once

# Everything CI checks: lint, unit tests with the race detector, the end-to-end test on
# real Prometheus, Alertmanager and node_exporter (installed first when missing).
test: lint unit e2e

unit:
	$(GO) test -race -count=1 -timeout 20m ./...

peers:
	scripts/install-peers.sh

e2e: peers
	$(GO) test -tags e2e -count=1 -timeout 20m -v ./test/e2e/

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./test/e2e/
	scripts/check-todos.sh

# Short fuzz runs of every decoder of outside bytes.
fuzz:
	scripts/fuzz-all.sh 20s

bench: build
	./$(BIN) bench detect
	$(GO) test -run '^$$' -bench . -benchtime 2s ./internal/logs/ ./internal/ingest/

clean:
	rm -rf bin
