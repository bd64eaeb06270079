# etender — two commands matter: `make run` and `make test`. See README.md.
CARGO ?= cargo

.PHONY: run test bench build lint fmt demo pki openapi clean

## Start the platform on embedded SQLite with the demo PKI (created on first run).
run:
	$(CARGO) run --release -- serve --dev

## Every test: unit tests, then the integration suite on SQLite and on a throwaway PostgreSQL.
test:
	bash tests/support/run-tests.sh

## Benchmarks; every figure is appended as one JSON line to target/bench/results.jsonl.
bench:
	bash tests/support/run-bench.sh

build:
	$(CARGO) build --release

lint:
	$(CARGO) fmt --all -- --check
	bash tests/support/check-lines.sh
	$(CARGO) clippy --all-targets -- -D warnings

fmt:
	$(CARGO) fmt --all

## Play the story so far on an embedded server (or DEMO_URL=http://… against `make run`).
demo:
	$(CARGO) run --release -- demo $(if $(DEMO_URL),--url $(DEMO_URL),)

pki:
	$(CARGO) run --release -- pki init

openapi:
	$(CARGO) run --release -- openapi > target/openapi.json

clean:
	bash tests/support/pg.sh stop target/pgtest
	bash tests/support/s3.sh stop target/s3test
	$(CARGO) clean
