#!/usr/bin/env bash
# Schema-driven fuzzing of the API contract: schemathesis reads /openapi.json from a real
# `etender serve --dev` (embedded SQLite, the demo PKI, a free loopback port), after `etender demo`
# has filled it with a whole tender story, and sends generated requests to every operation —
# anonymously, then with the bearer token of each kind of principal. A response that is a 5xx, or
# whose status, content type, headers or body the document does not declare, fails the step; so
# does an operation that answers without the token it declares, or a method the document does
# not list that is not refused with 405 and `Allow`.
#
#   tests/support/fuzz.sh [BINARY]     default target/debug/etender (built by `cargo build`)
#
# Bounded: at most FUZZ_EXAMPLES generated cases per operation and FUZZ_SECONDS per pass.
# FUZZ_SEED fixes the generator's seed (default: a fixed one, so a failure reproduces).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
BIN=$(readlink -f "${1:-target/debug/etender}")
ST="$ROOT/target/pyenv/bin/schemathesis"
DIR="$ROOT/target/fuzz"
EXAMPLES=${FUZZ_EXAMPLES:-30}
SECONDS_PER_PASS=${FUZZ_SECONDS:-25}
SEED=${FUZZ_SEED:-20261204}
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance
CHECKS=$CHECKS,response_schema_conformance,response_headers_conformance,ignored_auth
CHECKS=$CHECKS,unsupported_method,allow_header_conformance

[ -x "$ST" ] || { echo "schemathesis missing: run tests/support/pyenv.sh" >&2; exit 1; }
rm -rf "$DIR"
mkdir -p "$DIR"
cd "$DIR"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
# `serve --dev` keeps its demo PKI, database, audit key and files under the working directory.
# The demo below logs ~100 principals in from this one address within a minute: the login
# challenge rate limit (tested in tests/api/limits.rs) would refuse it, so it is lifted here.
ETENDER__LIMITS__CHALLENGE_BURST=100000 \
ETENDER__HTTP__LISTEN="127.0.0.1:$PORT" \
ETENDER__HTTP__PUBLIC_URL="$BASE" \
ETENDER__HTTP__WORKERS=2 \
ETENDER__LOG__LEVEL=warn \
ETENDER__TENDERS__DEADLINE_CHECK_INTERVAL_MS=200 \
  "$BIN" serve --dev > server.log 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  curl -fsS "$BASE/readyz" > /dev/null 2>&1 && break
  kill -0 "$SERVER" 2>/dev/null || { cat server.log; echo "etender serve died" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "$BASE/readyz" > /dev/null || { cat server.log; echo "server not ready" >&2; exit 1; }

"$BIN" demo --url "$BASE" --pki certs/dev --trust-dir certs/trust > demo.log 2>&1 \
  || { cat demo.log; echo "etender demo failed against the fuzz server" >&2; exit 1; }

token() { # NAME organisation|person
  "$BIN" login --url "$BASE" --cert "certs/dev/identities/$1.cert.pem" \
    --key "certs/dev/identities/$1.key.pem" --as "$2"
}

failed=0
# One worker: with two, hypothesis's internal caches (shared between schemathesis's worker
# threads) crashed now and then inside the tool (`KeyError` in hypothesis/internal/cache.py,
# `SystemError: AST constructor recursion depth mismatch`), failing a pass whose every test
# case had passed.
pass() { # NAME [schemathesis options...]
  local name=$1
  shift
  echo "-- fuzz pass: $name"
  if "$ST" run "$BASE/openapi.json" --checks "$CHECKS" --max-examples "$EXAMPLES" \
      --max-time "$SECONDS_PER_PASS" --seed "$SEED" --workers 1 --no-color \
      --report junit --report-junit-path "$DIR/$name.junit.xml" "$@" > "$name.log" 2>&1; then
    grep -A1 '^Test cases:' "$name.log" | tail -n 1 | sed 's/^ */   /'
  else
    cat "$name.log"
    failed=1
  fi
}

# Ending the session would log the token out for the rest of a pass: only the anonymous pass
# (and the last one) send it.
KEEP_SESSION=(--exclude-operation-id delete_session)
pass anonymous
for who in bidder-a:organisation tenderer:organisation agent:organisation regulator:person \
    custodian-1:person; do
  t=$(token "${who%%:*}" "${who##*:}")
  pass "${who%%:*}" -H "Authorization: Bearer $t" "${KEEP_SESSION[@]}"
done
# The administrator last: it may move the sandbox clock past every token's expiry.
t=$(token admin person)
pass admin -H "Authorization: Bearer $t"

if grep -qi 'panicked' server.log; then
  grep -i -B2 -A10 'panicked' server.log
  failed=1
fi
# The server judges every response against the same document (http::contract).
if grep -q 'response outside the OpenAPI document' server.log; then
  grep 'response outside the OpenAPI document' server.log | head -20
  failed=1
fi
if [ "$failed" != 0 ]; then
  echo "schema-driven fuzzing found responses outside the documented contract (logs: $DIR)" >&2
  exit 1
fi
echo "fuzz: no 5xx and no response outside the documented contract"
