#!/usr/bin/env bash
# make soak: does the gateway's memory stay flat under sustained load?
# Builds the release binary, starts nginx as the upstream and one release gateway, then drives
# three phases with wrk, each after its own warm-up:
#   proxy      GET /proxy/bench/item (streamed pass-through)
#   operation  POST /v1/bench/request {"path":"/item"} (buffered, JSON envelope)
#   rejected   GET /proxy/bench/item with an unknown key (401)
# Each phase runs until it has sent SOAK_REQUESTS requests (default 120000, so >= 360k in all).
# The gateway's VmRSS (/proc/PID/status) is sampled after the warm-up and after every wrk run;
# growth per request = (RSS at the end - RSS after warm-up) / requests. Goal: flat, < 16 B/req.
# Writes Benchmarks/results/soak.md. Everything started here is stopped by PID on exit.
# Knobs: SOAK_REQUESTS, SOAK_WARMUP_SECONDS (default 10), SOAK_CHUNK_SECONDS (default 10),
# SOAK_CONNECTIONS (default 64), SOAK_THREADS (default 2), SOAK_BINARY (skip the build, use this
# gatehouse binary), SOAK_OUTPUT (default Benchmarks/results/soak.md).
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS="${SOAK_REQUESTS:-120000}"
WARMUP="${SOAK_WARMUP_SECONDS:-10}"
CHUNK="${SOAK_CHUNK_SECONDS:-10}"
CONNECTIONS="${SOAK_CONNECTIONS:-64}"
THREADS="${SOAK_THREADS:-2}"
OUTPUT="${SOAK_OUTPUT:-Benchmarks/results/soak.md}"
UP_PORT="${SOAK_UPSTREAM_PORT:-19111}" GH_PORT="${SOAK_GATEWAY_PORT:-19113}"
work="$(mktemp -d /tmp/gatehouse-soak.XXXXXX)"
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

if [ -n "${SOAK_BINARY:-}" ]; then
  BIN="$SOAK_BINARY"
else
  echo "Building the release binary..."
  swift build -c release --product gatehouse > "$work/build.log" 2>&1 || { tail -20 "$work/build.log" >&2; exit 1; }
  BIN="$(swift build -c release --show-bin-path)/gatehouse"
fi

BODY='{"id":12345,"name":"Gatehouse soak","status":"ok","items":[1,2,3,4,5],"note":"a fixed JSON body of about two hundred bytes, served by the upstream for every request","padding":"xxxxxxxxxxxxxxx"}'
mkdir -p "$work/logs"
cat > "$work/nginx.conf" <<NGX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$UP_PORT;
    location / { default_type application/json; return 200 '$BODY'; }
  }
}
NGX
"$NGINX" -c "$work/nginx.conf" -p "$work" -e "$work/logs/error.log"

KEY_AND_HASH="$("$BIN" clients add soak --connections bench)"
KEY="$(echo "$KEY_AND_HASH" | grep -o 'gh_[A-Za-z0-9_-]*' | head -1)"
HASH="$(echo "$KEY_AND_HASH" | grep -o '[0-9a-f]\{64\}' | head -1)"
WRONG="gh_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
cat > "$work/gatehouse.yaml" <<YAML
server: { host: 127.0.0.1, port: $GH_PORT, log_level: info }
clients:
  soak: { key_sha256: "$HASH", connections: [bench] }
connections:
  bench:
    adapter: http
    base_url: http://127.0.0.1:$UP_PORT
    credentials: { token: env:SOAK_TOKEN }
    options: { template: "Bearer {token}" }
YAML
# The access log goes to /dev/null: a file would only measure the page cache.
SOAK_TOKEN="soak-upstream-token" "$BIN" serve --config "$work/gatehouse.yaml" 2>/dev/null & GH_PID=$!
pids+=("$GH_PID")
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$GH_PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -sf -H "Authorization: Bearer $KEY" "http://127.0.0.1:$GH_PORT/proxy/bench/item" | grep -q "Gatehouse soak" \
  || { echo "Gatehouse does not answer through the proxy route" >&2; exit 1; }

cat > "$work/operation.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"path":"/item"}'
wrk.headers["Content-Type"] = "application/json"
LUA

rss() { awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$GH_PID/status"; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
URL="http://127.0.0.1:$GH_PORT"
# wrk_run seconds auth url [script] -> "requests non2xx errors"
wrk_run() {
  local out
  out="$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$1s" -H "Authorization: Bearer $2" ${4:+-s "$4"} "$3")"
  local requests non2xx errors
  requests="$(echo "$out" | awk '/requests in/ {print $1}')"
  non2xx="$(echo "$out" | awk '/Non-2xx/ {print $NF}')"
  errors="$(echo "$out" | awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}')"
  echo "${requests:-0} ${non2xx:-0} ${errors:-0}"
}

results="$work/results.txt"
: > "$results"
phase() {  # name auth url [script]
  local name="$1" auth="$2" url="$3" script="${4:-}"
  echo "Phase $name: warm-up ${WARMUP}s..."
  wrk_run "$WARMUP" "$auth" "$url" "$script" > /dev/null
  sleep 1
  local start total=0 non2xx=0 errors=0 samples
  start="$(rss)"
  samples="$(mib "$start")"
  while [ "$total" -lt "$REQUESTS" ]; do
    read -r n bad err < <(wrk_run "$CHUNK" "$auth" "$url" "$script")
    total=$((total + n)) non2xx=$((non2xx + bad)) errors=$((errors + err))
    samples="$samples $(mib "$(rss)")"
    echo "  $name: $total requests, RSS $(mib "$(rss)") MiB"
  done
  sleep 1
  local end
  end="$(rss)"
  echo "$name $total $start $end $non2xx $errors $samples" >> "$results"
}

phase proxy "$KEY" "$URL/proxy/bench/item"
phase operation "$KEY" "$URL/v1/bench/request" "$work/operation.lua"
phase rejected "$WRONG" "$URL/proxy/bench/item"
peak="$(awk '/^VmHWM:/ {print $2 * 1024}' "/proc/$GH_PID/status")"

{
  echo "# make soak — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores (shared), wrk -t$THREADS -c$CONNECTIONS on the same cores. Upstream: nginx, one"
  echo "worker, a fixed ${#BODY}-byte JSON. Gateway: release build, http adapter, access log on (to /dev/null)."
  echo "Each phase: ${WARMUP}s warm-up, then wrk runs of ${CHUNK}s until at least $REQUESTS requests; RSS is"
  echo "VmRSS of the gateway after the warm-up and at the end of the phase."
  echo
  echo "| phase | requests | non-2xx | socket errors | RSS after warm-up | RSS at end | growth | bytes/request |"
  echo "|---|---|---|---|---|---|---|---|"
  while read -r name total start end non2xx errors samples; do
    awk -v n="$name" -v t="$total" -v s="$start" -v e="$end" -v b="$non2xx" -v x="$errors" 'BEGIN {
      printf "| %s | %d | %d | %d | %.1f MiB | %.1f MiB | %+.1f MiB | %.2f |\n", n, t, b, x, s/1048576, e/1048576, (e-s)/1048576, (e-s)/t }'
  done < "$results"
  echo
  echo "RSS samples (MiB, after the warm-up, then after each wrk run):"
  echo
  while read -r name total start end non2xx errors samples; do echo "- $name: $samples"; done < "$results"
  echo
  echo "Peak RSS (VmHWM): $(awk -v p="$peak" 'BEGIN { printf "%.1f MiB", p/1048576 }'). Total requests:"
  echo "$(awk '{s += $2} END {print s}' "$results"). Goal (issue 11): flat, under 16 bytes/request in every phase."
  echo "The rejected phase expects every answer to be non-2xx (401)."
} > "$OUTPUT"
echo
cat "$OUTPUT"
