#!/usr/bin/env bash
# Throwaway S3-compatible object store for the test suite: s3s-fs (an S3 server over a
# directory, from crates.io; it checks every SigV4 signature and S3's multipart rules).
#   tests/support/s3.sh start DIR   install s3s-fs into target/tools if needed, start it; print URL
#   tests/support/s3.sh stop DIR    stop it and delete DIR
#   tests/support/s3.sh install     only install s3s-fs into target/tools if needed
# The objects are plain files under DIR/data/<bucket>/<key>, which tests read to prove what the
# store holds. Access key and secret are fixed: etender-test / etender-test-secret.
set -euo pipefail
cmd=${1:?start|stop|install}; dir=${2:-}
[ "$cmd" = install ] || [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }
TOOLS="$PWD/target/tools"
S3S="$TOOLS/bin/s3s-fs"

install() {
  if [ ! -x "$S3S" ]; then
    echo "installing s3s-fs 0.14.1 into $TOOLS (once)" >&2
    # Without the lint wrapper `make test` may have exported: s3s-fs is not our code.
    env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS \
      cargo install s3s-fs@0.14.1 --features binary --locked --quiet --root "$TOOLS" >&2
  fi
}

case "$cmd" in
  install) install ;;
  start)
    install
    "$0" stop "$dir"
    mkdir -p "$dir/data"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$S3S" --host 127.0.0.1 --port "$port" --access-key etender-test --secret-key etender-test-secret \
      "$dir/data" >"$dir/server.log" 2>&1 &
    echo $! >"$dir/pid"
    for _ in $(seq 1 100); do
      if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" 2>/dev/null; then
        echo "http://127.0.0.1:$port" | tee "$dir/url"
        exit 0
      fi
      sleep 0.1
    done
    cat "$dir/server.log" >&2
    echo "s3s-fs did not start" >&2
    exit 1
    ;;
  stop)
    if [ -f "$dir/pid" ]; then
      kill "$(cat "$dir/pid")" 2>/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop DIR | install" >&2
    exit 2
    ;;
esac
