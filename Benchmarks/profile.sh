#!/usr/bin/env bash
# Instructions per proxied request, and where they go: the release gateway under
# `valgrind --tool=callgrind`, serving a fixed number of /proxy requests to an nginx upstream
# (the same 192-byte answer and the same `http` connection as `make bench`).
#
#   Benchmarks/profile.sh [REQUESTS] [CONNECTIONS]     (defaults 2000 and 16)
#
# After start-up and PROFILE_WARMUP requests (default 300: connections made, handles pooled,
# lazy runtime metadata filled in) the counters are zeroed (`callgrind_control --zero`), then
# Benchmarks/Profile/fixed-load.c sends REQUESTS requests over CONNECTIONS keep-alive
# connections and the counters are dumped (`callgrind_control --dump`). That dump holds every
# thread of the process (the event loops, the curl thread, the task pool) for exactly those
# requests, so its total over REQUESTS is the instructions per proxied request. Instruction
# counts do not depend on the machine's load, so before/after comparisons need no quiet machine.
#
# Prints the figure, then callgrind_annotate's top functions by own cost and by inclusive cost
# (names demangled). Keeps the profile in .build/profile/callgrind.out (for callgrind_annotate or
# kcachegrind; PROFILE_KEEP=0 to drop it). Knobs: PROFILE_SKIP_BUILD=1 (use the existing release binary),
# PROFILE_BINARY=path (profile that gatehouse binary instead, e.g. an older commit's, built elsewhere),
# PROFILE_WARMUP, PROFILE_TOP (functions listed, default 30), PROFILE_PORT (default 19201;
# the gateway uses PORT+1). To profile another path: PROFILE_CONNECTION_EXTRA (YAML lines added
# under the connection, indented four spaces) and PROFILE_STATUS (the status every measured
# answer must have, default 200), e.g. the rate-limit refusal:
#   PROFILE_CONNECTION_EXTRA='    rate_limit: { requests_per_second: 0.001, burst: 1 }' PROFILE_STATUS=429
#
# valgrind 3.19 (Debian 12) needs one shim to run any Swift program with an async main:
# Benchmarks/Profile/valgrind-sigsuspend.c (preloaded; the reason is in that file).
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS="${1:-2000}"
CONNECTIONS="${2:-16}"
WARMUP="${PROFILE_WARMUP:-300}"
TOP="${PROFILE_TOP:-30}"
UP_PORT="${PROFILE_PORT:-19201}"
GH_PORT=$((UP_PORT + 1))
STATUS="${PROFILE_STATUS:-200}"
case "$REQUESTS$CONNECTIONS$WARMUP$TOP$STATUS" in *[!0-9]*) echo "REQUESTS, CONNECTIONS, PROFILE_WARMUP and PROFILE_TOP are numbers" >&2; exit 2;; esac
. Benchmarks/lib.sh
bench_workdir profile
for tool in valgrind callgrind_control callgrind_annotate cc; do bench_need "$tool" "apt-get install valgrind gcc"; done
bench_nginx
GH_PID=""
bench_extra_cleanup() { [ -n "$GH_PID" ] && kill "$GH_PID" 2>/dev/null || true; }

if [ -n "${PROFILE_BINARY:-}" ]; then
  BIN="$PROFILE_BINARY"
elif [ -n "${PROFILE_SKIP_BUILD:-}" ]; then
  BIN="$(swift build -c release --show-bin-path)/gatehouse"
else
  bench_release_binary
fi
[ -x "$BIN" ] || { echo "no release binary at $BIN" >&2; exit 1; }
# valgrind 3.19's DWARF reader gives up on the release binary's DWARF 5 debug information
# ("debuginfo reader: ensure_valid failed ... Possibly corrupted debuginfo file. I can't
# recover"), so the copy it runs has its .debug_* sections removed; functions are named from
# the symbol table, which stays.
command -v objcopy >/dev/null || { echo "objcopy is missing: apt-get install binutils" >&2; exit 1; }
objcopy --strip-debug "$BIN" "$work/gatehouse"
cc -shared -fPIC -O2 -o "$work/valgrind-sigsuspend.so" Benchmarks/Profile/valgrind-sigsuspend.c
cc -O2 -o "$work/fixed-load" Benchmarks/Profile/fixed-load.c -lcurl \
  || { echo "fixed-load does not compile (libcurl4-openssl-dev?)" >&2; exit 1; }

bench_upstream upstream "$UP_PORT" "$BENCH_BODY" 1 1024
bench_client bench bench
bench_gateway_yaml "$GH_PORT" bench "$HASH" bench "http://127.0.0.1:$UP_PORT" env:BENCH_TOKEN "" \
  "${PROFILE_CONNECTION_EXTRA:-}" > "$work/gatehouse.yaml"

echo "Starting the gateway under callgrind..." >&2
BENCH_TOKEN=bench-upstream-token LD_PRELOAD="$work/valgrind-sigsuspend.so" \
  valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" --dump-instr=no \
    --fair-sched=try --log-file="$work/logs/valgrind.log" \
    "$work/gatehouse" serve --config "$work/gatehouse.yaml" 2>"$work/logs/gatehouse.log" &
GH_PID=$!
URL="http://127.0.0.1:$GH_PORT/proxy/bench/item"
for _ in $(seq 1 600); do
  curl -sf "http://127.0.0.1:$GH_PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$GH_PID" 2>/dev/null || { echo "the gateway died under valgrind:" >&2; tail -n 30 "$work/logs/valgrind.log" "$work/logs/gatehouse.log" >&2; exit 1; }
  sleep 0.2
done
answer="$(curl -s -o "$work/answer" -w '%{http_code}' -H "Authorization: Bearer $KEY" "$URL" || true)"
if [ "$STATUS" = 200 ]; then grep -q Gatehouse "$work/answer" || answer="not the upstream's body"; fi
[ "$answer" = 200 ] || [ "$answer" = "$STATUS" ] \
  || { echo "the proxy route answered $answer, not $STATUS" >&2; tail -n 30 "$work/logs/valgrind.log" "$work/logs/gatehouse.log" >&2; exit 1; }

echo "Warm-up: $WARMUP requests over $CONNECTIONS connections..." >&2
"$work/fixed-load" "$URL" "$CONNECTIONS" "$WARMUP" "Authorization: Bearer $KEY" "$STATUS" >/dev/null
callgrind_control --zero "$GH_PID" >/dev/null 2>&1
echo "Measuring: $REQUESTS requests over $CONNECTIONS connections..." >&2
load="$("$work/fixed-load" "$URL" "$CONNECTIONS" "$REQUESTS" "Authorization: Bearer $KEY" "$STATUS")" \
  || { echo "the load failed: $load" >&2; exit 1; }
callgrind_control --dump=measured "$GH_PID" >/dev/null 2>&1
dump="$(ls "$work"/callgrind.out.* 2>/dev/null | head -1)"
for _ in $(seq 1 100); do [ -n "$dump" ] && [ -s "$dump" ] && break; sleep 0.1; dump="$(ls "$work"/callgrind.out.* 2>/dev/null | head -1)"; done
[ -s "$dump" ] || { echo "callgrind wrote no dump" >&2; exit 1; }
kill "$GH_PID" 2>/dev/null || true
wait "$GH_PID" 2>/dev/null || true
GH_PID=""

total="$(awk '/^summary:|^totals:/ {print $2; exit}' "$dump")"
# callgrind_annotate's function rows (after its header, without the totals line) as
# "instructions-per-request share function [object]", names demangled. In the own-cost list,
# callgrind_annotate also shows the threads' entry frames (clone, start_thread, the event
# loops' and the curl thread's run closures: entered before the counters were zeroed) with
# their whole thread's cost; those rows are dropped there (the inclusive list keeps them: they
# are the split between the event loops and the curl thread). Rows over 100% are recursion
# cycles of the async runtime (`swift_task_switch'2`), counted once per level; dropped too.
ENTRY_FRAMES='clone\.S:clone|:start_thread|ThreadOpsPosix\.run|setupThreadAndEventLoop|NIOThread\) -> \(\)|NSThreadStart|Thread\.main\(\)|CurlLoop\.init\(logger'
top() {
  local drop='^$'
  [ "$1" = --inclusive=no ] && drop="$ENTRY_FRAMES"
  callgrind_annotate "$@" --threshold=100 "$dump" 2>/dev/null \
    | awk '/^-+$/ {dash++; next} dash >= 3 && $1 ~ /^[0-9,]+$/ && !/PROGRAM TOTALS/' | demangle \
    | grep -v -E "$drop" | awk -v top="$TOP" 'NR <= top' \
    | awk -v n="$REQUESTS" '{ ir = $1; gsub(",", "", ir); match($0, /\( *[0-9.]+%\)/); share = substr($0, RSTART, RLENGTH); gsub(/[( )]/, "", share); if (share + 0 > 100) next; rest = substr($0, RSTART + RLENGTH); sub(/^ +/, "", rest); printf "%8.0f %7s  %s\n", ir / n, share, rest }'
}
demangle() { if command -v swift-demangle >/dev/null; then swift-demangle --simplified; else cat; fi; }
echo
echo "# Gatehouse /proxy under callgrind — $(date -u +%Y-%m-%dT%H:%MZ), ${PROFILE_BINARY:+binary $PROFILE_BINARY, }commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo
echo "$REQUESTS proxied requests (each answered $STATUS) over $CONNECTIONS keep-alive connections after $WARMUP of warm-up ($load)."
echo "Instructions (all threads) in that window: $total"
awk -v t="$total" -v n="$REQUESTS" 'BEGIN { printf "**Instructions per proxied request: %.0f**\n", t / n }'
echo
echo "## Top $TOP functions by own instructions (instructions per request, share of all)"
echo
top --inclusive=no
echo
echo "## Top $TOP functions by inclusive instructions (the function and what it calls)"
echo
top --inclusive=yes
if [ "${PROFILE_KEEP:-1}" != 0 ]; then
  mkdir -p .build/profile
  cp "$dump" .build/profile/callgrind.out
  echo
  echo "Profile kept in .build/profile/callgrind.out (callgrind_annotate or kcachegrind)."
fi
