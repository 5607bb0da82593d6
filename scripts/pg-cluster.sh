#!/usr/bin/env bash
# A throwaway PostgreSQL cluster in a directory, for the tests and benchmarks:
#   pg-cluster.sh init DIR      initdb in DIR/data on a free loopback port, start it, print its URL
#   pg-cluster.sh stop DIR      stop the server (fast), keeping the data
#   pg-cluster.sh start DIR     start it again on the same port
#   pg-cluster.sh destroy DIR   stop it (immediate) and remove DIR
# PostgreSQL comes from Debian (installed when missing). As root, the server runs as the
# `postgres` system user (initdb refuses root; the user is created when missing). Password
# (SCRAM) authentication on 127.0.0.1 only; fsync off, since nothing here outlives the run.
set -euo pipefail
# The server outlives this script: it must not inherit the caller's descriptors beyond stdio
# (Foundation's Process, for one, waits for a pipe it passes on to close).
for fd in /proc/$$/fd/*; do
  fd="${fd##*/}"
  [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-" 2>/dev/null || true
done
here="$(cd "$(dirname "$0")" && pwd)"
verb="${1:?usage: pg-cluster.sh init|start|stop|destroy DIR}"
dir="${2:?usage: pg-cluster.sh init|start|stop|destroy DIR}"

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
  "$here/install-deps.sh" postgresql >&2
fi
BIN="$(pg_bin)"
[ -x "$BIN/initdb" ] || { echo "pg-cluster: no initdb under /usr/lib/postgresql after installing" >&2; exit 1; }
as_server=()
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  as_server=(runuser -u postgres --)
fi

start() {
  "${as_server[@]}" "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $(cat "$dir/port") -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=500" start >/dev/null \
    || { cat "$dir/server.log" >&2; exit 1; }
}

case "$verb" in
  init)
    mkdir -p "$dir"
    chmod 755 "$dir"
    [ ${#as_server[@]} -gt 0 ] && chown postgres "$dir"
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' > "$dir/port"
    password="$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')"
    ( umask 077; printf '%s\n' "$password" > "$dir/pwfile" )
    [ ${#as_server[@]} -gt 0 ] && chown postgres "$dir/pwfile"
    "${as_server[@]}" "$BIN/initdb" -D "$dir/data" -U gatehouse --pwfile="$dir/pwfile" --auth=scram-sha-256 -E UTF8 --no-sync \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    start
    echo "postgres://gatehouse:$password@127.0.0.1:$(cat "$dir/port")/postgres?sslmode=disable"
    ;;
  start) start ;;
  stop) "${as_server[@]}" "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null ;;
  destroy)
    [ -d "$dir/data" ] && { "${as_server[@]}" "$BIN/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; }
    rm -rf "$dir"
    ;;
  *) echo "usage: pg-cluster.sh init|start|stop|destroy DIR" >&2; exit 2 ;;
esac
