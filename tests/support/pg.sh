#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for tests and benchmarks.
#   tests/support/pg.sh start DIR [bench]   initdb + pg_ctl start; writes DIR/url
#   tests/support/pg.sh stop DIR            stop and delete
#   tests/support/pg.sh install             only install PostgreSQL if it is missing (as root, apt-get)
# As root the server runs as the `postgres` user (runuser), since PostgreSQL refuses root.
# "bench" keeps durability on (fsync, synchronous_commit) so measured rates are honest; the
# test cluster trades durability for speed.
set -euo pipefail
cmd=${1:?start|stop|install}; dir=${2:-}; mode=${3:-test}
[ "$cmd" = install ] || [ -n "$dir" ] || { echo "usage: $0 start|stop DIR [bench]" >&2; exit 2; }

find_bin() {
  local b
  if b=$(command -v initdb 2>/dev/null); then dirname "$(readlink -f "$b")"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
BIN=$(find_bin || true)
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "PostgreSQL not found: installing it with apt-get" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    BIN=$(find_bin)
  else
    echo "PostgreSQL (initdb, pg_ctl) not found on PATH; install the postgresql package" >&2
    exit 1
  fi
fi

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  install) ;;
  start)
    if [ -f "$dir/url" ] && as_pg "$BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      cat "$dir/url"; exit 0
    fi
    rm -rf "$dir"; mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    as_pg "$BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    opts="-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=256MB"
    if [ "$mode" = bench ]; then
      opts="$opts -c fsync=on -c synchronous_commit=on"
    else
      opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    as_pg "$BIN/pg_ctl" -D "$dir/data" -o "$opts" -l "$dir/server.log" -w -t 60 start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://postgres@127.0.0.1:$port/postgres" | tee "$dir/url"
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR [bench]" >&2; exit 2 ;;
esac
