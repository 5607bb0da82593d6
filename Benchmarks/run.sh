#!/usr/bin/env bash
# make bench: wrk for a fixed duration at 16, 64 and 256 connections against
#   (a) the upstream directly (nginx answering a fixed 200-byte JSON),
#   (b) nginx proxy_pass to that upstream, adding the same credential header,
#   (c) Gatehouse's proxy route (release build) to that upstream.
# Before that, gatehouse-microbench measures the vault (cached reads, seal/open, durable puts)
# and the parsers on 200k siblings vs nested once (linear readers show a ratio near 1)
# against references in the same run.
# Prints req/s, p50, p99 and the ratios Gatehouse/nginx and Gatehouse/direct, and writes
# Benchmarks/results/latest.md. Every server runs on loopback and is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${BENCH_DURATION:-10}"
CONNECTIONS="${BENCH_CONNECTIONS:-16 64 256}"
THREADS="${BENCH_THREADS:-2}"
UP_PORT=19101 NGX_PORT=19102 GH_PORT=19103
work="$(mktemp -d /tmp/gatehouse-bench.XXXXXX)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { echo "nginx is missing: apt-get install nginx-light" >&2; exit 1; }

echo "Building the release binary..."
swift build -c release --product gatehouse > "$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; exit 1; }
swift build -c release --product gatehouse-microbench >> "$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; exit 1; }
BIN="$(swift build -c release --show-bin-path)/gatehouse"

echo "Vault micro-benchmarks..."
"$(swift build -c release --show-bin-path)/gatehouse-microbench" | tee "$work/vault.md"

BODY='{"id":12345,"name":"Gatehouse benchmark","status":"ok","items":[1,2,3,4,5],"note":"a fixed JSON body of about two hundred bytes, served by the upstream for every request","padding":"xxxxxxxx"}'
TOKEN="bench-upstream-token"
mkdir -p "$work/logs"
cat > "$work/nginx.conf" <<NGX
worker_processes auto;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log $work/logs/access.log;
  keepalive_requests 1000000;
  upstream origin { server 127.0.0.1:$UP_PORT; keepalive 256; }
  server {
    listen 127.0.0.1:$UP_PORT;
    location / { default_type application/json; return 200 '$BODY'; }
  }
  server {
    listen 127.0.0.1:$NGX_PORT;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "Bearer $TOKEN";
    }
  }
}
NGX
"$NGINX" -c "$work/nginx.conf" -p "$work" -e "$work/logs/error.log"

KEY_AND_HASH="$("$BIN" clients add bench --connections bench)"
KEY="$(echo "$KEY_AND_HASH" | grep -o 'gh_[A-Za-z0-9_-]*' | head -1)"
HASH="$(echo "$KEY_AND_HASH" | grep -o '[0-9a-f]\{64\}' | head -1)"
cat > "$work/gatehouse.yaml" <<YAML
server: { host: 127.0.0.1, port: $GH_PORT, log_level: info }
clients:
  bench: { key_sha256: "$HASH", connections: [bench] }
connections:
  bench:
    adapter: http
    base_url: http://127.0.0.1:$UP_PORT
    credentials: { token: env:BENCH_TOKEN }
    options: { template: "Bearer {token}" }
YAML
BENCH_TOKEN="$TOKEN" "$BIN" serve --config "$work/gatehouse.yaml" 2>"$work/logs/gatehouse.log" & pids+=($!)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$GH_PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$GH_PORT/proxy/bench/item" | grep -q Gatehouse \
  || { echo "Gatehouse does not answer through the proxy route" >&2; tail "$work/logs/gatehouse.log" >&2; exit 1; }

to_ms() {  # wrk latency like 1.23ms / 850.00us / 1.02s -> milliseconds
  awk -v v="$1" 'BEGIN { n=v; sub(/[a-z]+$/,"",n); u=v; sub(/^[0-9.]+/,"",u);
    if (u=="us") n/=1000; else if (u=="s") n*=1000; printf "%.2f", n }'
}
run() {  # name url connections [auth]
  local out
  out="$(wrk -t"$THREADS" -c"$3" -d"${DURATION}s" --latency ${4:+-H "Authorization: Bearer $4"} "$2")"
  local rps p50 p99 errors
  rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
  p50="$(to_ms "$(echo "$out" | awk '$1=="50%" {print $2}')")"
  p99="$(to_ms "$(echo "$out" | awk '$1=="99%" {print $2}')")"
  errors="$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')"
  echo "$1 $3 $rps $p50 $p99 ${errors:-none}"
}

echo "Warming up..."
wrk -t"$THREADS" -c64 -d2s -H "Authorization: Bearer $KEY" "http://127.0.0.1:$GH_PORT/proxy/bench/item" >/dev/null
wrk -t"$THREADS" -c64 -d2s "http://127.0.0.1:$NGX_PORT/item" >/dev/null

results="$work/results.txt"
: > "$results"
for c in $CONNECTIONS; do
  run direct "http://127.0.0.1:$UP_PORT/item" "$c" | tee -a "$results"
  run nginx "http://127.0.0.1:$NGX_PORT/item" "$c" | tee -a "$results"
  run gatehouse "http://127.0.0.1:$GH_PORT/proxy/bench/item" "$c" "$KEY" | tee -a "$results"
done

{
  echo "# make bench — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); wrk -t$THREADS, ${DURATION}s per run, on the same cores."
  echo "Upstream: nginx answering a fixed ${#BODY}-byte JSON. nginx proxy: proxy_pass with keepalive and a static"
  echo "Authorization header. Gatehouse: release build, http adapter, the same header from env:, access log on."
  echo
  echo "| connections | target | req/s | p50 ms | p99 ms | errors |"
  echo "|---|---|---|---|---|---|"
  while read -r name c rps p50 p99 errors; do echo "| $c | $name | $rps | $p50 | $p99 | $errors |"; done < "$results"
  echo
  echo "| connections | Gatehouse/nginx req/s | Gatehouse/direct req/s | Gatehouse/nginx p99 |"
  echo "|---|---|---|---|"
  for c in $CONNECTIONS; do
    awk -v c="$c" '$2==c {rps[$1]=$3; p99[$1]=$5}
      END { printf "| %s | %.2f | %.2f | %.2f |\n", c, rps["gatehouse"]/rps["nginx"], rps["gatehouse"]/rps["direct"], p99["gatehouse"]/p99["nginx"] }' "$results"
  done
  echo
  echo "Goal (issue 2): at 64 connections Gatehouse ≥ 0.8× nginx req/s, p99 ≤ 2× nginx."
  echo
  echo "## Vault and parser shapes (gatehouse-microbench, release, one thread)"
  echo
  cat "$work/vault.md"
} > Benchmarks/results/latest.md
echo
cat Benchmarks/results/latest.md
