GO      ?= go
BIN     := bin/safe-coder
VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X main.version=$(VERSION)

.PHONY: build test check demo bench generate fmt vet staticcheck race tidy

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/safe-coder

test:
	$(GO) test -count=1 ./...

demo: build
	./examples/quickstart/demo.sh $(BIN)

bench:
	./scripts/bench.sh

# generate rewrites schema/tasks.schema.json, docs/task-file.md, docs/tools.md
# and the field table of docs/reports.md from tasks.Reference, the tool specs
# and report/schema.json.
generate:
	$(GO) generate ./tasks

check: fmt vet staticcheck race tidy

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go') $$(git ls-files --others --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) tool staticcheck ./...

race:
	$(GO) test -race -count=1 ./...

tidy:
	@cp go.mod go.mod.tidy-check; cp go.sum go.sum.tidy-check; \
	$(GO) mod tidy; \
	if ! cmp -s go.mod go.mod.tidy-check || ! cmp -s go.sum go.sum.tidy-check; then \
		diff -u go.mod.tidy-check go.mod; mv go.mod.tidy-check go.mod; mv go.sum.tidy-check go.sum; \
		echo "go mod tidy changes go.mod/go.sum: run it and commit"; exit 1; \
	fi; rm -f go.mod.tidy-check go.sum.tidy-check
