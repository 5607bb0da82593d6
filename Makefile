# Gatehouse: `make run` serves the demo, `make test` runs the whole suite (then the console in a
# headless browser: scripts/browser-tests.sh), `make bench` measures,
# `make soak` checks that memory stays flat under load, `make profile` counts instructions per request.
SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
export PATH := $(dir $(SWIFT)):$(PATH)

.PHONY: deps build run test bench soak profile clean clean-state format lint

deps:
	@scripts/install-deps.sh libcurl4-openssl-dev libxml2-dev libssl-dev libsqlite3-dev

build: deps
	@scripts/stamp-commit.sh
	$(SWIFT) build

run: build
	@scripts/run-demo.sh

# The suite runs beside a throwaway PostgreSQL cluster (installed when missing, stopped at the end
# even when tests fail; it also ends what a crashed test process left running): scripts/with-postgres.sh exports
# GATEHOUSE_TEST_PG_URL to the tests.
test: deps
	@# TLS and egress tests: real nginx TLS servers (and its stream module as an HTTPS proxy front), tinyproxy, openssl; ss (iproute2) for the listen backlog.
	@scripts/install-deps.sh nginx-light libnginx-mod-stream tinyproxy openssl iproute2
	@scripts/stamp-commit.sh
	$(SWIFT) build --build-tests
	@scripts/with-postgres.sh $(SWIFT) test
	@scripts/browser-tests.sh
	@scripts/openapi-tests.sh

# Every parser's libFuzzer target, FUZZ_SECONDS each (default 60); see Tests/Fuzz/README.md.
.PHONY: fuzz
fuzz: deps
	@SWIFT=$(SWIFT) scripts/fuzz.sh

bench: deps
	@scripts/install-deps.sh wrk nginx-light caddy libcurl4-openssl-dev slowhttptest iproute2
	@Benchmarks/run.sh

# Memory under sustained load (>= 360k requests; several minutes). Not part of `make test`.
soak: deps
	@scripts/install-deps.sh wrk nginx-light
	@Benchmarks/soak.sh

# Instructions per proxied request and the top functions (valgrind's callgrind, release build;
# stable under load, so it needs no quiet machine): PROFILE_REQUESTS (2000), PROFILE_CONNECTIONS (16).
profile: deps
	@scripts/install-deps.sh valgrind binutils nginx-light libcurl4-openssl-dev
	@Benchmarks/profile.sh $(or $(PROFILE_REQUESTS),2000) $(or $(PROFILE_CONNECTIONS),16)

# Build products only: the demo's vault and master key in .gatehouse/ stay (make clean-state).
clean:
	rm -rf .build .build-fuzz

# The demo's local state: its vault, master key and admin token (the next make run makes new ones).
clean-state:
	rm -rf .gatehouse

# Formatting: .swift-format (120 columns). `make format` rewrites the tree in place (idempotent); `make lint`
# (run by .ci/run) fails on anything format would change and on any line over 120 columns.
SWIFT_FORMAT ?= $(shell command -v swift-format 2>/dev/null || echo /opt/swift/usr/bin/swift-format)
FORMATTED := Package.swift Sources Adapters Tests Benchmarks

# swift-format cannot break a long string literal: scripts/wrap-long-lines.py turns one into a
# multi-line literal with line continuations (the same string), then swift-format runs again.
format:
	$(SWIFT_FORMAT) format --in-place --recursive --parallel $(FORMATTED)
	@find $(FORMATTED) -name '*.swift' -print0 | xargs -0 awk 'length > 120 { print FILENAME }' | sort -u \
		| xargs -r python3 scripts/wrap-long-lines.py
	$(SWIFT_FORMAT) format --in-place --recursive --parallel $(FORMATTED)

lint:
	$(SWIFT_FORMAT) lint --strict --recursive --parallel $(FORMATTED)
	@long=$$(find $(FORMATTED) -name '*.swift' -print0 | xargs -0 awk 'length > 120 { print FILENAME ":" FNR ": " length " columns" }'); \
	if [ -n "$$long" ]; then echo "$$long"; echo "lines over 120 columns: make format wraps string literals and comments; rewrite the rest"; exit 1; fi
