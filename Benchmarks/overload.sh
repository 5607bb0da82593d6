#!/usr/bin/env bash
# The overload run of `make bench` (issue 12): what the gateway does at about 3x the rate it
# sustains, and with 500 slow-header clients.
#  0. Placement: on a machine with two or more cores the gateway runs on CPU 0 and everything
#     else (the upstream nginx, wrk, the load generator, slowhttptest) on CPU 1, so the load the
#     generator offers does not take the CPU the gateway is measured with. The generator
#     (Benchmarks/overload-load.c) speaks HTTP/1.1 on plain sockets and epoll and reports its
#     own CPU per request.
#  1. Capacity: the open-loop generator offered twice what wrk (64 connections) gets from
#     /proxy with no limit; what the gateway completes per second beside it is its capacity C
#     here. The base rate B is C / OVERLOAD_BASE_DIVISOR (default 2: a rate it keeps up with;
#     docs/performance.md, round six, has the figures at C / 3 and C / 4 too).
#  2. A gateway whose connection has rate_limit B (burst B/10) is driven open-loop (requests
#     started at a fixed rate whatever the answers take) at B, then at 3 x B: p50/p99 of admitted
#     (2xx) and refused (429/503) answers, counts, and the gateway's RSS. Goal: admitted p99 at
#     3 x B within 2x of the p99 at B, refusals fast.
#  3. slowhttptest (slowloris, 500 connections dripping headers) against a gateway with
#     request_head_timeout_seconds 5, while wrk (16 connections) measures normal callers; the
#     same wrk run without the slow clients is the reference.
# Usage: Benchmarks/overload.sh BINARY [SECONDS]. Prints a Markdown section.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$1"
SECONDS_PER_RUN="${2:-10}"
UP_PORT=19111 GH_PORT=19112 GH_LIMITED_PORT=19113 GH_SLOW_PORT=19114
. Benchmarks/lib.sh
bench_workdir overload
bench_extra_cleanup() { pkill -f "slowhttptest.*$GH_SLOW_PORT" 2>/dev/null || true; }
cc -O2 -o "$work/overload-load" Benchmarks/overload-load.c
if [ "$(nproc)" -ge 2 ]; then
  ON_GATEWAY=(taskset -c 0) ON_LOAD=(taskset -c 1) placement="the gateway on CPU 0; upstream, wrk, generator and slowhttptest on CPU 1"
else
  ON_GATEWAY=() ON_LOAD=() placement="one core: the gateway shares it with the load"
fi
LOAD=("${ON_LOAD[@]}" "$work/overload-load")
WRK=("${ON_LOAD[@]}" wrk -t1)

bench_upstream upstream "$UP_PORT" '{"ok":true}' 1 8192 "${ON_LOAD[@]}"
bench_client bench bench
start_gateway() {  # port extra-connection-yaml extra-server-yaml; sets LAST_PID
  BENCH_LOG_LEVEL=warning bench_gateway_yaml "$1" bench "$HASH" bench "http://127.0.0.1:$UP_PORT" env:BENCH_TOKEN \
    ", max_connections: 8192$3" "$2" > "$work/gh-$1.yaml"
  BENCH_TOKEN=bench-upstream-token "${ON_GATEWAY[@]}" "$BIN" serve --config "$work/gh-$1.yaml" >"$work/logs/gh-$1.out" 2>"$work/logs/gh-$1.log" & LAST_PID=$!
  pids+=($LAST_PID)
  bench_wait_healthy "$1"
}
# Busy ticks of CPU N from /proc/stat (everything but idle and iowait): whether the CPU the
# load runs on had room, or the generator's own lateness is in the latencies.
cpu_busy_ticks() { awk -v cpu="cpu$1" '$1 == cpu { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
LOAD_CPU=1; [ "$(nproc)" -ge 2 ] || LOAD_CPU=0
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }

# 1. Capacity, no limits: wrk's saturated throughput S, then the open-loop client at 2 x S.
start_gateway $GH_PORT "" ""; GH=$LAST_PID
"${WRK[@]}" -c64 -d2s -H "Authorization: Bearer $KEY" "http://127.0.0.1:$GH_PORT/proxy/bench/item" >/dev/null
S="$("${WRK[@]}" -c64 -d"${SECONDS_PER_RUN}s" -H "Authorization: Bearer $KEY" "http://127.0.0.1:$GH_PORT/proxy/bench/item" | awk '/Requests\/sec/ {printf "%.0f", $2}')"
capacity_run="$("${LOAD[@]}" "http://127.0.0.1:$GH_PORT/proxy/bench/item" "Bearer $KEY" $(( S * 2 )) "$SECONDS_PER_RUN" 256)"
C="$(echo "$capacity_run" | awk -v s="$SECONDS_PER_RUN" '{ printf "%.0f", $4 / s }')"
kill "$GH"
DIVISOR="${OVERLOAD_BASE_DIVISOR:-2}"
case "$DIVISOR" in [1-9]) ;; *) echo "OVERLOAD_BASE_DIVISOR must be 1-9" >&2; exit 2 ;; esac
B=$(( C / DIVISOR ))
[ "$B" -ge 10 ] || { echo "capacity $C req/s is too low to measure" >&2; exit 1; }
BURST=$(( B / 10 > 0 ? B / 10 : 1 ))

# 2. Rate-limited gateway at B and at 3 x B (open loop).
start_gateway $GH_LIMITED_PORT "    rate_limit: { requests_per_second: $B, burst: $BURST }" ""; GHL=$LAST_PID
URL="http://127.0.0.1:$GH_LIMITED_PORT/proxy/bench/item"
"${LOAD[@]}" "$URL" "Bearer $KEY" "$B" 2 1024 >/dev/null   # warm-up
rss_before="$(rss_kib "$GHL")"
overflows() { nstat -az TcpExtListenOverflows 2>/dev/null | awk '$1 == "TcpExtListenOverflows" { print $2 }'; }
ticks0="$(bench_cpu_ticks "$GHL")"; wall0="$(date +%s%N)"; load0="$(cpu_busy_ticks $LOAD_CPU)"; ovf0="$(overflows)"
base="$("${LOAD[@]}" "$URL" "Bearer $KEY" "$B" "$SECONDS_PER_RUN" 1024)"
ticks1="$(bench_cpu_ticks "$GHL")"; wall1="$(date +%s%N)"; load1="$(cpu_busy_ticks $LOAD_CPU)"; ovf1="$(overflows)"
over="$("${LOAD[@]}" "$URL" "Bearer $KEY" $(( B * 3 )) "$SECONDS_PER_RUN" 2048)"
ticks2="$(bench_cpu_ticks "$GHL")"; wall2="$(date +%s%N)"; load2="$(cpu_busy_ticks $LOAD_CPU)"; ovf2="$(overflows)"
load_busy() {  # busy-ticks wall-ns -> % of the load's CPU
  awk -v t="$1" -v w="$2" -v hz="$BENCH_TICK" 'BEGIN { printf "%.0f", t / hz / (w / 1e9) * 100 }'
}
base_load="$(load_busy $(( load1 - load0 )) $(( wall1 - wall0 )))"
over_load="$(load_busy $(( load2 - load1 )) $(( wall2 - wall1 )))"
# The gateway's CPU over each run: share of one core (busy %) and µs per request answered.
gateway_cpu() {  # ticks wall-ns load-line -> "busy% µs/request"
  echo "$3" | awk -v t="$1" -v w="$2" -v hz="$BENCH_TICK" '{ answered = $4 + $5 + $6;
    printf "%.0f %.1f", t / hz / (w / 1e9) * 100, (answered > 0 ? t * 1e6 / hz / answered : 0) }'
}
base_cpu="$(gateway_cpu $(( ticks1 - ticks0 )) $(( wall1 - wall0 )) "$base")"
over_cpu="$(gateway_cpu $(( ticks2 - ticks1 )) $(( wall2 - wall1 )) "$over")"
rss_after="$(rss_kib "$GHL")"; hwm="$(hwm_kib "$GHL")"
alive="no"; kill -0 "$GHL" 2>/dev/null && curl -sf "http://127.0.0.1:$GH_LIMITED_PORT/healthz" >/dev/null && alive="yes"
kill "$GHL"

# 3. Slow-header clients.
start_gateway $GH_SLOW_PORT "" ", request_head_timeout_seconds: 5"; GHS=$LAST_PID
SLOW_URL="http://127.0.0.1:$GH_SLOW_PORT/proxy/bench/item"
"${WRK[@]}" -c16 -d2s -H "Authorization: Bearer $KEY" "$SLOW_URL" >/dev/null
quiet="$("${WRK[@]}" -c16 -d"${SECONDS_PER_RUN}s" --latency -H "Authorization: Bearer $KEY" "$SLOW_URL")"
slow_status="slowhttptest not installed"
if command -v slowhttptest >/dev/null; then
  "${ON_LOAD[@]}" slowhttptest -H -c 500 -r 250 -i 2 -x 24 -p 5 -l $(( SECONDS_PER_RUN + 20 )) -u "http://127.0.0.1:$GH_SLOW_PORT/healthz" \
    -g -o "$work/slow" >"$work/logs/slow.log" 2>&1 & SLOW_PID=$!; pids+=($SLOW_PID)
  sleep 3
  open_during="$(ss -Htn state established "( sport = :$GH_SLOW_PORT )" | wc -l)"
  loaded="$("${WRK[@]}" -c16 -d"${SECONDS_PER_RUN}s" --latency -H "Authorization: Bearer $KEY" "$SLOW_URL")"
  sleep 6   # past the head timeout of the last slow connection opened
  open_after="$(ss -Htn state established "( sport = :$GH_SLOW_PORT )" | wc -l)"
  kill "$SLOW_PID" 2>/dev/null || true
  closed="$(awk -F, 'NR>1 {c=$2} END {print c+0}' "$work/slow.csv" 2>/dev/null || echo "?")"
  slow_status="ran"
fi
kill "$GHS"

wrk_field() { echo "$1" | awk -v f="$2" '$1==f {print $2}'; }
fields() { echo "$1 $2 $3 $4" | awk '{ printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16 }'; }
echo "## Overload (Benchmarks/overload.sh)"
echo
echo "Placement: $placement."
echo
echo "Saturated throughput of /proxy with no limit: wrk (64 connections) $S req/s; beside the open-loop client"
echo "(Benchmarks/overload-load.c) offered 2 x that, the gateway completed $C req/s (its capacity C here)."
echo "Base rate B = C / $DIVISOR = $B req/s; the connection's rate_limit is B (burst $BURST). Open-loop load,"
echo "${SECONDS_PER_RUN} s per rate, latency from each request's scheduled start, in ms."
echo
echo "| offered req/s | sent | admitted | refused | other | skipped | admitted p50 | admitted p99 | refused p50 | refused p99 | generator CPU µs/req | gateway busy % of a core | gateway CPU µs/answer | load CPU busy % | listen-queue overflows |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
echo "$(fields "$base" "$base_cpu" "$base_load" "$(( ${ovf1:-0} - ${ovf0:-0} ))")"
echo "$(fields "$over" "$over_cpu" "$over_load" "$(( ${ovf2:-0} - ${ovf1:-0} ))")"
echo
awk -v a="$(echo "$base" | cut -d' ' -f9)" -v b="$(echo "$over" | cut -d' ' -f9)" \
  'BEGIN { printf "Admitted p99 at 3 x B over the p99 at B: **%s** (goal ≤ 2).\n", (a > 0 ? sprintf("%.2f", b / a) : "-") }'
echo "Gateway RSS: $rss_before KiB before, $rss_after KiB after, peak $hwm KiB; still serving afterwards: $alive."
echo
echo "Slow clients (slowhttptest -H, 500 connections dripping a header line every 2 s; request_head_timeout_seconds 5):"
if [ "$slow_status" = "ran" ]; then
  echo
  echo "| normal callers (wrk, 16 connections) | req/s | p50 | p99 |"
  echo "|---|---|---|---|"
  echo "| alone | $(echo "$quiet" | awk '/Requests\/sec/ {print $2}') | $(wrk_field "$quiet" 50%) | $(wrk_field "$quiet" 99%) |"
  echo "| beside 500 slow clients | $(echo "$loaded" | awk '/Requests\/sec/ {print $2}') | $(wrk_field "$loaded" 50%) | $(wrk_field "$loaded" 99%) |"
  echo
  echo "Established connections to the gateway 3 s into the attack: $open_during; 6 s after the measurement: $open_after"
  echo "(slowhttptest counted $closed closed)."
else
  echo "$slow_status."
fi
