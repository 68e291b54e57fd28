# keyhound — make help lists the targets.

GO         ?= go
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT     ?= $(shell git rev-parse --short HEAD 2>/dev/null)
PKG        := github.com/keyhound/keyhound
LDFLAGS    := -X $(PKG)/internal/version.Version=$(VERSION) -X $(PKG)/internal/version.Commit=$(COMMIT)
FUZZTIME   ?= 30s
GOLANGCI   := github.com/golangci/golangci-lint/v2/cmd/golangci-lint@v2.15.0
GOFUMPT    := mvdan.cc/gofumpt@v0.12.0

.DEFAULT_GOAL := help

.PHONY: help build test lint bench fuzz demo clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-8s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## Build bin/keyhound
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/keyhound ./cmd/keyhound

test: ## go vet, then every test with the race detector (fuzz seed corpora included)
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

lint: ## golangci-lint v2 and gofumpt
	$(GO) run $(GOLANGCI) run ./...
	@out=$$($(GO) run $(GOFUMPT) -l .); if [ -n "$$out" ]; then echo "gofumpt would change:"; echo "$$out"; exit 1; fi

bench: ## Benchmarks with allocation counts
	$(GO) test -run '^$$' -bench . -benchmem ./...

fuzz: ## Run every fuzz target for FUZZTIME (default 30s) each
	@set -e; grep -rl --include='*_test.go' '^func Fuzz' . | while read -r f; do \
		dir=$$(dirname "$$f"); \
		for name in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' "$$f" | cut -d' ' -f2); do \
			echo "== $$dir $$name"; \
			$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) "./$$dir"; \
		done; \
	done

demo: ## Open the terminal UI on the built-in demo organization (no AWS account needed)
	@echo "building bin/keyhound (the first build downloads modules and compiles: a few minutes on a small machine)…"
	@$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/keyhound ./cmd/keyhound
	@./bin/keyhound demo

clean: ## Remove build output
	rm -rf bin dist
