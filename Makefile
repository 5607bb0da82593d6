# Gatehouse: `make run` serves the demo, `make test` runs the whole suite (then the console in a
# headless browser: scripts/browser-tests.sh), `make bench` measures,
# `make soak` checks that memory stays flat under load.
SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
export PATH := $(dir $(SWIFT)):$(PATH)

.PHONY: deps build run test bench soak clean

deps:
	@scripts/install-deps.sh libcurl4-openssl-dev libxml2-dev libssl-dev libsqlite3-dev

build: deps
	$(SWIFT) build

run: build
	@scripts/run-demo.sh

# The suite runs beside a throwaway PostgreSQL cluster (installed when missing, stopped at the end
# even when tests fail): scripts/with-postgres.sh exports GATEHOUSE_TEST_PG_URL to the tests.
test: deps
	@# TLS and egress tests: real nginx TLS servers (and its stream module as an HTTPS proxy front), tinyproxy, openssl.
	@scripts/install-deps.sh nginx-light libnginx-mod-stream tinyproxy openssl
	$(SWIFT) build --build-tests
	@scripts/with-postgres.sh $(SWIFT) test
	@scripts/browser-tests.sh
	@scripts/openapi-tests.sh

# Every parser's libFuzzer target, FUZZ_SECONDS each (default 60); see Tests/Fuzz/README.md.
.PHONY: fuzz
fuzz: deps
	@SWIFT=$(SWIFT) scripts/fuzz.sh

bench: deps
	@scripts/install-deps.sh wrk nginx-light caddy libcurl4-openssl-dev slowhttptest
	@Benchmarks/run.sh

# Memory under sustained load (>= 360k requests; several minutes). Not part of `make test`.
soak: deps
	@scripts/install-deps.sh wrk nginx-light
	@Benchmarks/soak.sh

clean:
	rm -rf .build .build-fuzz .gatehouse
