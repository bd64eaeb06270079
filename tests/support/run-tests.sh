#!/usr/bin/env bash
# `make test`: every test, with the integration suite run twice — on SQLite with local files, and
# on a throwaway PostgreSQL cluster with objects in a throwaway S3-compatible store (both started
# here and removed on exit).
set -euo pipefail
cd "$(dirname "$0")/../.."
PGDIR="$PWD/target/pgtest"
# Each stage's heading carries the seconds since `make test` started, so a slow stage shows
# in the CI log (the whole run must stay under 30 minutes on a 2-core machine).
stage() { echo "== [$((SECONDS))s] $*"; }
S3DIR="$PWD/target/s3test"

stage "Python test tools (venv in target/pyenv: aiosmtpd, libcoveocds, openapi-spec-validator, schemathesis)"
bash tests/support/pyenv.sh

stage "lint: rustfmt, no line over 100 columns, clippy -D warnings (make lint)"
make --no-print-directory lint

stage "building tests"
cargo build --tests --locked

stage "starting a throwaway PostgreSQL cluster in $PGDIR"
trap 'bash tests/support/pg.sh stop "$PGDIR"; bash tests/support/s3.sh stop "$S3DIR"' EXIT
ETENDER_TEST_PG_URL=$(bash tests/support/pg.sh start "$PGDIR")
export ETENDER_TEST_PG_URL

stage "starting a throwaway S3-compatible object store (s3s-fs) in $S3DIR"
ETENDER_TEST_S3_URL=$(bash tests/support/s3.sh start "$S3DIR")
ETENDER_TEST_S3_ROOT="$S3DIR/data"
export ETENDER_TEST_S3_URL ETENDER_TEST_S3_ROOT

stage "draw known-answer vectors re-derived by a second implementation (docs/DRAWS.md)"
python3 tests/support/draw_vectors.py

stage "unit tests (library and binary)"
# ocds::tests writes a sample package with an award release (bids extension) for the OCDS step.
ETENDER_OCDS_AWARD_SAMPLE="$PWD/target/ocds-award-sample.json" cargo test --locked --lib --bins

stage "integration suite on SQLite"
ETENDER_TEST_BACKEND=sqlite cargo test --locked --test api

stage "integration suite on PostgreSQL, objects in the S3-compatible store"
ETENDER_TEST_BACKEND=postgres ETENDER_TEST_STORAGE=s3 cargo test --locked --test api

stage "OpenAPI document validated by openapi-spec-validator"
cargo run --locked --quiet -- openapi > target/openapi.json
target/pyenv/bin/openapi-spec-validator target/openapi.json

stage "schema-driven fuzzing (schemathesis) of a real server against its /openapi.json"
cargo build --locked --quiet
bash tests/support/fuzz.sh target/debug/etender

stage "demo smoke test: etender demo on an embedded server"
rm -rf target/demo-pki
cargo run --locked --quiet -- demo --pki target/demo-pki/dev --trust-dir target/demo-pki/trust \
  --ocds-out target/demo-ocds.json > target/demo.log 2>&1 \
  || { cat target/demo.log; echo "etender demo failed"; exit 1; }
grep -q "Demo complete." target/demo.log && echo "demo: $(grep -c '^== Step' target/demo.log) steps, complete"

stage "the demo tender's OCDS package validated offline by libcoveocds (OCDS 1.1.5 schema)"
# The schema shipped in ../shared/ocds is authoritative; a byte-identical copy is kept in
# tests/support/ocds for clones that do not sit beside shared/.
OCDS_ZIP="$(cd .. && pwd)/shared/ocds/standard-1__1__5.zip"
[ -f "$OCDS_ZIP" ] || OCDS_ZIP="$PWD/tests/support/ocds/standard-1__1__5.zip"
target/pyenv/bin/python tests/support/ocds_validate.py target/demo-ocds.json --standard-zip "$OCDS_ZIP"

stage "award releases (tag award, bids.details) validated offline: the unit sample and the package"
echo "   of the tender tests/api/award_notices.rs awards through the API (written by both passes)"
target/pyenv/bin/python tests/support/ocds_validate.py target/ocds-award-sample.json \
  --standard-zip "$OCDS_ZIP"
target/pyenv/bin/python tests/support/ocds_validate.py target/award-notices-ocds.json \
  --standard-zip "$OCDS_ZIP"

stage "contract releases (contract, contractAmendment, implementation.transactions) validated: the"
echo "   package of the tender tests/api/payments.rs signs, amends and pays through the treasury"
target/pyenv/bin/python tests/support/ocds_validate.py target/contract-ocds.json \
  --standard-zip "$OCDS_ZIP"

stage "all test passes finished: unit, integration on SQLite, integration on PostgreSQL + S3, fuzzing"
