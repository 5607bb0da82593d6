#!/usr/bin/env bash
# make bench: wrk for a fixed duration at 1, 16, 64 and 256 connections against
#   (a) the upstream directly (nginx answering a fixed 200-byte JSON),
#   (b) nginx proxy_pass to that upstream, adding the same credential header (its own nginx
#       instance, so its CPU is the proxy hop's alone),
#   (c) Caddy reverse_proxy with header_up Authorization (the peer a user might pick instead),
#   (d) Gatehouse's proxy route (release build) to that upstream,
# and (e) the libcurl floor: Benchmarks/curl-floor.c, a bare libcurl multi client holding the
# same number of keep-alive transfers against the same upstream (the least a libcurl-based
# proxy spends on its client side).
# Before that, gatehouse-microbench measures the vault (cached reads, seal/open, durable puts)
# and the parsers on 200k siblings vs nested once (linear readers show a ratio near 1)
# against references in the same run.
# Prints req/s, p50, p99 and CPU µs per request (utime+stime from /proc before and after each
# run, divided by the requests wrk counted; for nginx the sum of its workers), the ratios
# Gatehouse/nginx, Gatehouse/Caddy and Gatehouse/floor, and the p50 latency each proxy adds over
# the direct path at 1 connection, and writes Benchmarks/results/latest.md. Every server runs
# on loopback and is stopped by PID.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${BENCH_DURATION:-10}"
CONNECTIONS="${BENCH_CONNECTIONS:-1 16 64 256}"
THREADS="${BENCH_THREADS:-2}"
OUTPUT="${BENCH_OUTPUT:-Benchmarks/results/latest.md}"
UP_PORT=19101 NGX_PORT=19102 GH_PORT=19103 CADDY_PORT=19104
. Benchmarks/lib.sh
bench_workdir bench keep

bench_need wrk "apt-get install wrk"
bench_need caddy "apt-get install caddy"
bench_need cc "apt-get install gcc"
bench_nginx

echo "Building the release binary and the libcurl floor..."
if [ -z "${BENCH_SKIP_MICRO:-}" ]; then bench_release_binary gatehouse-microbench; else bench_release_binary; fi
cc -O2 -o "$work/curl-floor" Benchmarks/curl-floor.c -lcurl 2>>"$work/build.log" \
  || { echo "curl-floor does not compile (libcurl4-openssl-dev?)" >&2; tail -5 "$work/build.log" >&2; exit 1; }

if [ -z "${BENCH_SKIP_MICRO:-}" ]; then
  echo "Vault micro-benchmarks..."
  "$(swift build -c release --show-bin-path)/gatehouse-microbench" | tee "$work/vault.md"
  echo "Vault propagation across processes..."
  { echo; Benchmarks/vault-propagation.sh "$BIN" 10; } | tee -a "$work/vault.md"
  echo "Vault propagation across instances on PostgreSQL..."
  { echo; Benchmarks/vault-propagation-postgres.sh "$BIN" 200; } | tee -a "$work/vault.md"
else
  : > "$work/vault.md"
fi

BODY="$BENCH_BODY"
TOKEN="bench-upstream-token"
mkdir -p "$work/logs" "$work/caddy-home"
# Two nginx instances: the upstream, and the proxy (whose workers' CPU is the proxy hop's).
bench_upstream upstream "$UP_PORT" "$BODY" auto
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

cat > "$work/Caddyfile" <<CADDY
{
	admin off
	auto_https off
	log default {
		output discard
	}
}
http://127.0.0.1:$CADDY_PORT {
	reverse_proxy 127.0.0.1:$UP_PORT {
		header_up Authorization "Bearer $TOKEN"
	}
}
CADDY
HOME="$work/caddy-home" XDG_DATA_HOME="$work/caddy-home" XDG_CONFIG_HOME="$work/caddy-home" \
  caddy run --config "$work/Caddyfile" --adapter caddyfile >"$work/logs/caddy.log" 2>&1 & CADDY_PID=$!; pids+=($CADDY_PID)

bench_client bench bench
bench_gateway_yaml "$GH_PORT" bench "$HASH" bench "http://127.0.0.1:$UP_PORT" env:BENCH_TOKEN > "$work/gatehouse.yaml"
BENCH_TOKEN="$TOKEN" "$BIN" serve --config "$work/gatehouse.yaml" 2>"$work/logs/gatehouse.log" & GH_PID=$!; pids+=($GH_PID)
bench_wait_healthy "$GH_PORT"
curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$GH_PORT/proxy/bench/item" | grep -q Gatehouse \
  || { echo "Gatehouse does not answer through the proxy route" >&2; tail "$work/logs/gatehouse.log" >&2; exit 1; }
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$CADDY_PORT/item" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$CADDY_PORT/item" | grep -q Gatehouse \
  || { echo "Caddy does not answer through reverse_proxy" >&2; tail "$work/logs/caddy.log" >&2; exit 1; }

to_ms() {  # wrk latency like 1.23ms / 850.00us / 1.02s -> milliseconds
  awk -v v="$1" 'BEGIN { n=v; sub(/[a-z]+$/,"",n); u=v; sub(/^[0-9.]+/,"",u);
    if (u=="us") n/=1000; else if (u=="s") n*=1000; printf "%.3f", n }'
}
workers() {  # the worker processes of the nginx whose master's pid file is $1
  pgrep -P "$(cat "$1")" | tr '\n' ' '
}
TICK="$BENCH_TICK"
run() {  # name url connections "pids" [auth]
  local out before after threads=$THREADS
  [ "$3" -lt "$threads" ] && threads=$3
  # shellcheck disable=SC2086
  before="$(bench_cpu_ticks $4)"
  out="$(wrk -t"$threads" -c"$3" -d"${DURATION}s" --latency ${5:+-H "Authorization: Bearer $5"} "$2")"
  # shellcheck disable=SC2086
  after="$(bench_cpu_ticks $4)"
  local rps p50 p99 errors requests cpu
  rps="$(echo "$out" | awk '/Requests\/sec/ {print $2}')"
  requests="$(echo "$out" | awk '/requests in/ {print $1}')"
  p50="$(to_ms "$(echo "$out" | awk '$1=="50%" {print $2}')")"
  p99="$(to_ms "$(echo "$out" | awk '$1=="99%" {print $2}')")"
  cpu="$(awk -v t="$((after - before))" -v hz="$TICK" -v n="$requests" 'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }')"
  errors="$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')"
  echo "$1 $3 $rps $p50 $p99 $cpu ${errors:-none}"
}

echo "Warming up..."
wrk -t"$THREADS" -c64 -d2s -H "Authorization: Bearer $KEY" "http://127.0.0.1:$GH_PORT/proxy/bench/item" >/dev/null
wrk -t"$THREADS" -c64 -d2s "http://127.0.0.1:$NGX_PORT/item" >/dev/null
wrk -t"$THREADS" -c64 -d2s "http://127.0.0.1:$CADDY_PORT/item" >/dev/null

UP_WORKERS="$(workers "$work/upstream.pid")"
NGX_WORKERS="$(workers "$work/nginx.pid")"
results="$work/results.txt"
: > "$results"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
for c in $CONNECTIONS; do
  run direct "http://127.0.0.1:$UP_PORT/item" "$c" "$UP_WORKERS" | tee -a "$results"
  run nginx "http://127.0.0.1:$NGX_PORT/item" "$c" "$NGX_WORKERS" | tee -a "$results"
  run caddy "http://127.0.0.1:$CADDY_PORT/item" "$c" "$CADDY_PID" | tee -a "$results"
  run gatehouse "http://127.0.0.1:$GH_PORT/proxy/bench/item" "$c" "$GH_PID" "$KEY" | tee -a "$results"
  # The floor warms up for 1 s itself, then measures for the same duration.
  "$work/curl-floor" "http://127.0.0.1:$UP_PORT/item" "$c" "$DURATION" | awk '{ print $1, $2, $3, "-", "-", $4, "none" }' | tee -a "$results"
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

{
  echo "# make bench — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); wrk -t$THREADS (fewer at 1 connection), ${DURATION}s per run, on the same cores."
  echo "Load average (1/5/15 min) before the wrk runs: $load_before; after: $load_after."
  echo "Upstream: nginx answering a fixed ${#BODY}-byte JSON. nginx proxy: its own instance, proxy_pass with keepalive"
  echo "and a static Authorization header, access log on. Caddy $(caddy version | cut -d' ' -f1): reverse_proxy with"
  echo "header_up Authorization, logs off. Gatehouse: release build, http adapter, the same header from env:, access log on."
  echo "libcurl floor: Benchmarks/curl-floor.c, a bare libcurl multi client with N keep-alive transfers, same upstream."
  echo "CPU µs/request: utime+stime of the target (nginx: its workers; floor: the client itself) over the run,"
  echo "divided by the requests served (clock-tick resolution, $TICK Hz)."
  echo
  echo "| connections | target | req/s | p50 ms | p99 ms | CPU µs/request | errors |"
  echo "|---|---|---|---|---|---|---|"
  while read -r name c rps p50 p99 cpu errors; do echo "| $c | $name | $rps | $p50 | $p99 | $cpu | $errors |"; done < "$results"
  echo
  echo "Ratios (Gatehouse over the other, same run):"
  echo
  echo "| connections | req/s vs nginx | req/s vs Caddy | req/s vs floor | req/s vs direct | p99 vs nginx | p99 vs Caddy | CPU/req vs nginx | CPU/req vs Caddy | CPU/req vs floor |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for c in $CONNECTIONS; do
    awk -v c="$c" '$2==c {rps[$1]=$3; p99[$1]=$5; cpu[$1]=$6}
      function r(a, b) { return (b + 0) > 0 ? sprintf("%.2f", a / b) : "-" }
      END { printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", c,
        r(rps["gatehouse"], rps["nginx"]), r(rps["gatehouse"], rps["caddy"]), r(rps["gatehouse"], rps["floor"]),
        r(rps["gatehouse"], rps["direct"]), r(p99["gatehouse"], p99["nginx"]), r(p99["gatehouse"], p99["caddy"]),
        r(cpu["gatehouse"], cpu["nginx"]), r(cpu["gatehouse"], cpu["caddy"]), r(cpu["gatehouse"], cpu["floor"]) }' "$results"
  done
  if grep -q '^direct 1 ' "$results"; then
    echo
    echo "p50 latency added over the direct path at 1 connection:"
    echo
    echo "| proxy | added p50 ms | vs nginx |"
    echo "|---|---|---|"
    awk '$2==1 {p50[$1]=$4}
      END { n = p50["nginx"] - p50["direct"];
        split("nginx caddy gatehouse", names, " ");
        for (i = 1; i <= 3; i++) { a = p50[names[i]] - p50["direct"];
          printf "| %s | %.3f | %s |\n", names[i], a, (n > 0 ? sprintf("%.2f", a / n) : "-") } }' "$results"
  fi
  echo
  echo "Goal (issue 20): at 64 connections Gatehouse ≥ 0.6× nginx req/s, p99 ≤ 2× nginx, CPU per request"
  echo "≤ 1.5× the libcurl floor's; at 1 connection the p50 added over direct ≤ 2× nginx's."
  if [ -s "$work/vault.md" ]; then
    echo
    echo "## Vault and parser shapes (gatehouse-microbench, release, one thread)"
    echo
    cat "$work/vault.md"
  fi
} > "$OUTPUT"
if [ -z "${BENCH_SKIP_OVERLOAD:-}" ]; then
  echo "Overload and slow clients..."
  { echo; Benchmarks/overload.sh "$BIN" "$DURATION"; } >> "$OUTPUT"
fi
echo
cat "$OUTPUT"
