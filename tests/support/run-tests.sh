#!/usr/bin/env bash
# `make test`: every test, with the integration suite run twice — on SQLite and on a throwaway
# PostgreSQL cluster started here (and removed on exit).
set -euo pipefail
cd "$(dirname "$0")/../.."
PGDIR="$PWD/target/pgtest"

echo "== building tests"
cargo build --tests --locked

echo "== starting a throwaway PostgreSQL cluster in $PGDIR"
trap 'bash tests/support/pg.sh stop "$PGDIR"' EXIT
ETENDER_TEST_PG_URL=$(bash tests/support/pg.sh start "$PGDIR")
export ETENDER_TEST_PG_URL

echo "== unit tests (library and binary)"
cargo test --locked --lib --bins

echo "== integration suite on SQLite"
ETENDER_TEST_BACKEND=sqlite cargo test --locked --test api

echo "== integration suite on PostgreSQL"
ETENDER_TEST_BACKEND=postgres cargo test --locked --test api

echo "== all test passes finished: unit, integration on SQLite, integration on PostgreSQL"
