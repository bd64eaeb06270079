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

# The tools the later stages need are fetched and built in the background, at a lower priority,
# while the lint and the build keep the cores busy; each is waited for where it is first needed.
stage "in the background: Python test tools (venv in target/pyenv: aiosmtpd, libcoveocds,"
echo "   openapi-spec-validator, schemathesis), s3s-fs (cargo install, once), PostgreSQL (apt-get, if missing)"
mkdir -p target
bash tests/support/pyenv.sh > target/pyenv-install.log 2>&1 &
PY_INSTALL=$!
nice -n 10 bash tests/support/s3.sh install > target/s3s-install.log 2>&1 &
S3_INSTALL=$!
bash tests/support/pg.sh install > target/pg-install.log 2>&1 &
PG_INSTALL=$!
cleanup() {
  kill "$PY_INSTALL" "$S3_INSTALL" "$PG_INSTALL" 2>/dev/null || true
  bash tests/support/pg.sh stop "$PGDIR"
  bash tests/support/s3.sh stop "$S3DIR"
}
trap cleanup EXIT
joined() { # PID LOG: wait for a background install; show its log if it failed
  wait "$1" || { cat "$2"; echo "background install failed (log: $2)" >&2; exit 1; }
}

stage "lint: rustfmt, no line over 100 columns (clippy runs inside the build below)"
cargo fmt --all -- --check
bash tests/support/check-lines.sh

# `make lint` runs `cargo clippy --all-targets`, which type-checks every dependency a second time,
# in check mode: seven minutes of a 2-core machine. Here clippy-driver wraps rustc for this crate
# only (RUSTC_WORKSPACE_WRAPPER, the way `cargo clippy` itself sets it), so one compile lints and
# builds the same targets; CLIPPY_ARGS is how `cargo clippy` hands the driver its `-- -D warnings`.
# Both stay exported, so the `cargo test` runs below reuse this build instead of compiling again.
stage "building tests, benches and the binary, with clippy's lints (-D warnings) in the same compile"
echo "   (the binary built here is the one every later stage runs: a plain \`cargo build\` or"
echo "   \`cargo run\` would compile the crate again, without the dev-dependencies' features)"
CLIPPY_DRIVER="$(rustc --print sysroot)/bin/clippy-driver"
if [ -x "$CLIPPY_DRIVER" ]; then
  export RUSTC_WORKSPACE_WRAPPER="$CLIPPY_DRIVER" CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
else
  echo "   clippy-driver not beside rustc: running cargo clippy on its own"
  cargo clippy --all-targets --locked -- -D warnings
fi
cargo build --tests --benches --locked
ETENDER=target/debug/etender

stage "starting a throwaway PostgreSQL cluster in $PGDIR"
joined "$PG_INSTALL" target/pg-install.log
ETENDER_TEST_PG_URL=$(bash tests/support/pg.sh start "$PGDIR")
export ETENDER_TEST_PG_URL

stage "starting a throwaway S3-compatible object store (s3s-fs) in $S3DIR"
joined "$S3_INSTALL" target/s3s-install.log
ETENDER_TEST_S3_URL=$(bash tests/support/s3.sh start "$S3DIR")
ETENDER_TEST_S3_ROOT="$S3DIR/data"
export ETENDER_TEST_S3_URL ETENDER_TEST_S3_ROOT

stage "draw known-answer vectors re-derived by a second implementation (docs/DRAWS.md)"
python3 tests/support/draw_vectors.py

stage "unit tests (library and binary)"
joined "$PY_INSTALL" target/pyenv-install.log
# ocds::tests writes a sample package with an award release (bids extension) for the OCDS step.
ETENDER_OCDS_AWARD_SAMPLE="$PWD/target/ocds-award-sample.json" cargo test --locked --lib --bins

stage "integration suite on SQLite"
ETENDER_TEST_BACKEND=sqlite cargo test --locked --test api

stage "integration suite on PostgreSQL, objects in the S3-compatible store"
ETENDER_TEST_BACKEND=postgres ETENDER_TEST_STORAGE=s3 cargo test --locked --test api

stage "OpenAPI document validated by openapi-spec-validator"
"$ETENDER" openapi > target/openapi.json
target/pyenv/bin/openapi-spec-validator target/openapi.json

stage "schema-driven fuzzing (schemathesis) of a real server against its /openapi.json"
bash tests/support/fuzz.sh "$ETENDER"

stage "demo smoke test: etender demo on an embedded server"
rm -rf target/demo-pki
"$ETENDER" demo --pki target/demo-pki/dev --trust-dir target/demo-pki/trust \
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
