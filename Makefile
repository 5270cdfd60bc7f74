# parindex — `make help` lists the targets.
GO ?= go

.DEFAULT_GOAL := help

.PHONY: run test lint bench build help

run: ## start the service on SQLite (parindex.db) with demo data, on :8080
	$(GO) run ./cmd/parindex serve --demo

test: ## run every test with -race (PostgreSQL too when PARINDEX_TEST_POSTGRES is set)
	$(GO) test -race -count=1 ./...

lint: ## gofmt and go vet
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

bench: ## run the benchmarks
	$(GO) test -run '^$$' -bench . -benchmem ./...

build: ## build bin/parindex
	$(GO) build -o bin/parindex ./cmd/parindex

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-6s %s\n", $$1, $$2}'
