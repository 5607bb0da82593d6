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
# the gateway uses PORT+1).
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
case "$REQUESTS$CONNECTIONS$WARMUP$TOP" in *[!0-9]*) echo "REQUESTS, CONNECTIONS, PROFILE_WARMUP and PROFILE_TOP are numbers" >&2; exit 2;; esac
export PATH=/opt/swift/usr/bin:$PATH

for tool in valgrind callgrind_control callgrind_annotate cc; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install valgrind gcc" >&2; exit 1; }
done
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { echo "nginx is missing: apt-get install nginx-light" >&2; exit 1; }

work="$(mktemp -d /tmp/gatehouse-profile.XXXXXX)"
GH_PID=""
cleanup() {
  [ -n "$GH_PID" ] && kill "$GH_PID" 2>/dev/null || true
  [ -f "$work/upstream.pid" ] && kill "$(cat "$work/upstream.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${PROFILE_BINARY:-}" ]; then
  BIN="$PROFILE_BINARY"
elif [ -z "${PROFILE_SKIP_BUILD:-}" ]; then
  echo "Building the release binary..." >&2
  swift build -c release --product gatehouse > "$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; exit 1; }
fi
[ -n "${PROFILE_BINARY:-}" ] || BIN="$(swift build -c release --show-bin-path)/gatehouse"
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

BODY='{"id":12345,"name":"Gatehouse benchmark","status":"ok","items":[1,2,3,4,5],"note":"a fixed JSON body of about two hundred bytes, served by the upstream for every request","padding":"xxxxxxxx"}'
mkdir -p "$work/logs"
cat > "$work/upstream.conf" <<NGX
worker_processes 1;
pid $work/upstream.pid;
error_log $work/logs/upstream-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$UP_PORT;
    location / { default_type application/json; return 200 '$BODY'; }
  }
}
NGX
"$NGINX" -c "$work/upstream.conf" -p "$work" -e "$work/logs/upstream-error.log"

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

echo "Starting the gateway under callgrind..." >&2
BENCH_TOKEN=bench-upstream-token LD_PRELOAD="$work/valgrind-sigsuspend.so" \
  valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" --dump-instr=no \
    --fair-sched=try --log-file="$work/logs/valgrind.log" \
    "$work/gatehouse" serve --config "$work/gatehouse.yaml" 2>"$work/logs/gatehouse.log" &
GH_PID=$!
URL="http://127.0.0.1:$GH_PORT/proxy/bench/item"
for _ in $(seq 1 600); do
  curl -sf -H "Authorization: Bearer $KEY" "$URL" 2>/dev/null | grep -q Gatehouse && break
  kill -0 "$GH_PID" 2>/dev/null || { echo "the gateway died under valgrind:" >&2; tail -n 30 "$work/logs/valgrind.log" "$work/logs/gatehouse.log" >&2; exit 1; }
  sleep 0.2
done
curl -sf -H "Authorization: Bearer $KEY" "$URL" | grep -q Gatehouse \
  || { echo "the gateway does not answer through the proxy route" >&2; tail -n 30 "$work/logs/valgrind.log" "$work/logs/gatehouse.log" >&2; exit 1; }

echo "Warm-up: $WARMUP requests over $CONNECTIONS connections..." >&2
"$work/fixed-load" "$URL" "$CONNECTIONS" "$WARMUP" "Authorization: Bearer $KEY" >/dev/null
callgrind_control --zero "$GH_PID" >/dev/null 2>&1
echo "Measuring: $REQUESTS requests over $CONNECTIONS connections..." >&2
load="$("$work/fixed-load" "$URL" "$CONNECTIONS" "$REQUESTS" "Authorization: Bearer $KEY")" \
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
echo "$REQUESTS proxied requests over $CONNECTIONS keep-alive connections after $WARMUP of warm-up ($load)."
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
