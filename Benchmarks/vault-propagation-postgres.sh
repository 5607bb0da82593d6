#!/usr/bin/env bash
# Cross-instance propagation on PostgreSQL (part of `make bench`): two gateway instances on one
# database; a secret put through instance A's admin API, then instance B's proxy polled until its
# upstream call carries the new value. LISTEN/NOTIFY carries the change (the 10 s poll is only
# the fallback). Run beside a throwaway cluster: scripts/with-postgres.sh provides it.
# Usage: Benchmarks/vault-propagation-postgres.sh BINARY [ROUNDS]; prints a markdown table.
# ROUNDS (default 200) must be at least 100: below that the nearest-rank p99 is the maximum.
set -euo pipefail
BIN="${1:?the gatehouse binary}"
ROUNDS="${2:-200}"
if [ "$ROUNDS" -lt 100 ]; then
  echo "vault-propagation-postgres.sh: ROUNDS must be at least 100 (below that p99 is simply the max)" >&2
  exit 2
fi
if [ -z "${GATEHOUSE_TEST_PG_URL:-}" ]; then
  exec "$(dirname "$0")/../scripts/with-postgres.sh" "$0" "$@"
fi
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ECHO_PORT="$(free_port)" A_PORT="$(free_port)" B_PORT="$(free_port)" A_ADMIN_PORT="$(free_port)" B_ADMIN_PORT="$(free_port)"
. "$(dirname "$0")/lib.sh"
bench_workdir pg-bench

db="bench_$(date +%s%N)"
python3 - "$GATEHOUSE_TEST_PG_URL" "$db" <<'PY'
import sys, subprocess, urllib.parse
url = urllib.parse.urlsplit(sys.argv[1])
env = {"PGPASSWORD": urllib.parse.unquote(url.password or "")}
subprocess.run(["psql", "-q", "-h", url.hostname, "-p", str(url.port), "-U", url.username, "-d", "postgres",
                "-c", f"CREATE DATABASE {sys.argv[2]}"], check=True, env=env)
PY
export GATEHOUSE_PG_URL="$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$GATEHOUSE_TEST_PG_URL" "$db")"

bench_client bench vaulted
ADMIN="admin-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$BIN" vault generate-key --out "$work/master.key" >/dev/null
export GATEHOUSE_MASTER_KEY="$(cat "$work/master.key")"
config() {
  cat <<YAML
server: { host: 127.0.0.1, port: $1, log_level: warning }
vault: { backend: postgres, url: env:GATEHOUSE_PG_URL, master_key: env:GATEHOUSE_MASTER_KEY }
admin: { token: vault:admin/token, port: $2 }
clients:
  bench: { key_sha256: "$HASH", connections: [vaulted] }
connections:
  vaulted:
    adapter: http
    base_url: http://127.0.0.1:$ECHO_PORT
    credentials: { token: vault:bench/token }
    options: { template: "Bearer {token}" }
YAML
}
config "$A_PORT" "$A_ADMIN_PORT" > "$work/a.yaml"
config "$B_PORT" "$B_ADMIN_PORT" > "$work/b.yaml"
"$BIN" vault init --config "$work/a.yaml" >/dev/null
printf '%s' "$ADMIN" | "$BIN" vault put admin/token --config "$work/a.yaml" >/dev/null
printf 'round-0' | "$BIN" vault put bench/token --config "$work/a.yaml" >/dev/null
"$BIN" simulate echo --port "$ECHO_PORT" 2>"$work/echo.log" & pids+=($!)
"$BIN" serve --config "$work/a.yaml" 2>"$work/a.log" & pids+=($!)
"$BIN" serve --config "$work/b.yaml" 2>"$work/b.log" & pids+=($!)
for port in "$A_PORT" "$B_PORT"; do bench_wait_healthy "$port" 200; done
ADMIN_A="$A_ADMIN_PORT"   # the admin API is on its own listener

python3 - "$ROUNDS" "$ADMIN_A" "$B_PORT" "$KEY" "$ADMIN" <<'PY'
import http.client, json, math, sys, time
rounds, admin_port, b_port, key, admin = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
a = http.client.HTTPConnection("127.0.0.1", admin_port, timeout=30)
b = http.client.HTTPConnection("127.0.0.1", b_port, timeout=30)
delays = []
for n in range(1, rounds + 1):
    value = f"round-{n}"
    a.request("PUT", "/admin/v1/secrets/bench/token", body=json.dumps({"value": value}),
              headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json"})
    answer = a.getresponse(); answer.read()
    assert answer.status == 200, answer.status
    put_at = time.monotonic()
    while True:
        b.request("GET", "/proxy/vaulted/x", headers={"Authorization": f"Bearer {key}"})
        body = b.getresponse().read().decode()
        if f"Bearer {value}\"" in body:
            break
        if time.monotonic() - put_at > 30:
            sys.exit(f"round {n}: not applied on B within 30 s")
    delays.append((time.monotonic() - put_at) * 1000)
    time.sleep(0.05)
delays.sort()
# Nearest rank: the smallest value with at least 99 % of the rounds at or below it (the 99th of
# 100, the 198th of 200), so with 100 rounds or more it is not the maximum.
median = delays[(len(delays) - 1) // 2]
p99 = delays[math.ceil(0.99 * len(delays)) - 1]
print("| put on instance A → next upstream call through instance B | rounds | median ms | p99 ms | max ms |")
print("|---|---|---|---|---|")
print(f"| admin API put, PostgreSQL LISTEN/NOTIFY (poll fallback 10 s) | {rounds} | {median:.1f} | {p99:.1f} | {delays[-1]:.1f} |")
PY
