#!/usr/bin/env bash
# Vault propagation (part of `make bench`): how long a `gatehouse vault put` from another process
# takes to reach the running gateway's next upstream call. The design bound is 2 s (the watcher
# polls the store every second); the end-to-end test only polls with a generous deadline.
# Usage: Benchmarks/vault-propagation.sh BINARY [ROUNDS]; prints a markdown table.
set -euo pipefail
BIN="${1:?the gatehouse binary}"
ROUNDS="${2:-10}"
ECHO_PORT="${VAULT_BENCH_ECHO_PORT:-19121}" GH_PORT="${VAULT_BENCH_GATEWAY_PORT:-19123}"
. "$(dirname "$0")/lib.sh"
bench_workdir vault-bench
bench_client bench vaulted
"$BIN" vault generate-key --out "$work/master.key" >/dev/null
export GATEHOUSE_MASTER_KEY="$(cat "$work/master.key")"
cat > "$work/gatehouse.yaml" <<YAML
server: { host: 127.0.0.1, port: $GH_PORT, log_level: warning }
vault: { path: $work/vault.db, master_key: env:GATEHOUSE_MASTER_KEY }
clients:
  bench: { key_sha256: "$HASH", connections: [vaulted] }
connections:
  vaulted:
    adapter: http
    base_url: http://127.0.0.1:$ECHO_PORT
    credentials: { token: vault:bench/token }
    options: { template: "Bearer {token}" }
YAML
"$BIN" vault init --config "$work/gatehouse.yaml" >/dev/null
printf 'round-0' | "$BIN" vault put bench/token --config "$work/gatehouse.yaml" >/dev/null
"$BIN" simulate echo --port "$ECHO_PORT" 2>"$work/echo.log" & pids+=($!)
"$BIN" serve --config "$work/gatehouse.yaml" 2>"$work/gateway.log" & pids+=($!)
bench_wait_healthy "$GH_PORT"

now_ms() { date +%s%3N; }
delays=()
for round in $(seq 1 "$ROUNDS"); do
  printf 'round-%s' "$round" | "$BIN" vault put bench/token --config "$work/gatehouse.yaml" >/dev/null
  put_at=$(now_ms)
  until curl -s -H "Authorization: Bearer $KEY" "http://127.0.0.1:$GH_PORT/proxy/vaulted/x" | grep -q "Bearer round-$round\""; do
    [ $(( $(now_ms) - put_at )) -gt 30000 ] && { echo "round $round: not applied within 30 s" >&2; exit 1; }
    sleep 0.01
  done
  delays+=($(( $(now_ms) - put_at )))
done
sorted=$(printf '%s\n' "${delays[@]}" | sort -n)
median=$(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
max=$(echo "$sorted" | tail -1)
echo "| vault put from another process → next upstream call | rounds | median ms | max ms | design bound |"
echo "|---|---|---|---|---|"
echo "| \`gatehouse vault put\` (SQLite, watcher polling every 1 s) | $ROUNDS | $median | $max | 2000 ms |"
