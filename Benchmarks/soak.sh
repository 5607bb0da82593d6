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
. Benchmarks/lib.sh
bench_workdir soak keep
bench_need wrk "apt-get install wrk"
BENCH_BINARY="${SOAK_BINARY:-}" bench_release_binary

BODY='{"id":12345,"name":"Gatehouse soak","status":"ok","items":[1,2,3,4,5],"note":"a fixed JSON body of about two hundred bytes, served by the upstream for every request","padding":"xxxxxxxxxxxxxxx"}'
bench_upstream nginx "$UP_PORT" "$BODY" 1
bench_client soak bench
WRONG="gh_$(head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')"
bench_gateway_yaml "$GH_PORT" soak "$HASH" bench "http://127.0.0.1:$UP_PORT" env:SOAK_TOKEN > "$work/gatehouse.yaml"
# The access log goes to /dev/null: a file would only measure the page cache.
SOAK_TOKEN="soak-upstream-token" "$BIN" serve --config "$work/gatehouse.yaml" 2>/dev/null & GH_PID=$!
pids+=("$GH_PID")
bench_wait_healthy "$GH_PORT"
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
