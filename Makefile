# parindex — `make help` lists the targets.
GO ?= go
# How long `make fuzz` runs each fuzz target.
FUZZTIME ?= 10s

.DEFAULT_GOAL := help

.PHONY: run test fuzz lint bench build help chromium screenshots

run: ## start the service on SQLite (parindex.db) with demo data, on :8080
	$(GO) run ./cmd/parindex serve --demo

test: chromium ## run every test with -race (PostgreSQL too when PARINDEX_TEST_POSTGRES is set; the pages in Chromium), then make fuzz
	$(GO) test -race -count=1 ./...
	@$(MAKE) --no-print-directory fuzz

# Go fuzzes one target of one package per run: find every func Fuzz… in the
# tests and run each in turn; a crash is saved under its package's
# testdata/fuzz/<target>/ and fails the run. Minimizing each new input for
# Go's default minute would leave a short run no time to fuzz. Go 1.26 may end
# a run with "context deadline exceeded" and no input kept, a race at
# -fuzztime in its own coordinator (golang/go#75804, fixed in Go 1.27): that
# ending is said and not counted as a failure.
fuzz: ## run each fuzz target for FUZZTIME (default 10s), one at a time
	@log=$$(mktemp); trap 'rm -f "$$log" "$$log.rc"' EXIT; \
	grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do \
		pkg=$$(dirname "$$file"); \
		for target in $$(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$$file"); do \
			echo "== $$target ($$pkg, $(FUZZTIME))"; \
			{ $(GO) test -run '^$$' -fuzz "^$${target}$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 2s "$$pkg"; echo $$? >"$$log.rc"; } 2>&1 | tee "$$log"; \
			[ "$$(cat "$$log.rc")" = 0 ] && continue; \
			if grep -q 'Failing input written to' "$$log" || ! grep -qx '    context deadline exceeded' "$$log"; then exit 1; fi; \
			echo "== $$target: Go's race at -fuzztime (golang/go#75804), nothing found: not a failure"; \
		done; \
	done

# The pages' tests drive Debian's Chromium (never a downloaded browser): install
# it with apt-get when it is missing and this user may (root, or sudo without a
# password). Otherwise the browser tests say they are skipped (in CI they fail).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO=sudo; else \
			echo "make: Chromium is not installed and apt-get needs root: the browser tests will be skipped (apt-get install chromium)"; exit 0; fi; \
		echo "make: installing Debian's chromium for the browser tests"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; }

screenshots: chromium ## remake the screenshots in docs/screenshots from the browser tests
	PARINDEX_SCREENSHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run 'Browser' ./web/

lint: ## gofmt and go vet
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench: ## run the benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./...

# What `parindex version` reports (without them, Go's build information).
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
BUILD_DATE ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)

build: ## build bin/parindex
	$(GO) build -ldflags "-X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(BUILD_DATE)" -o bin/parindex ./cmd/parindex

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-6s %s\n", $$1, $$2}'
