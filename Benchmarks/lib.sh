# Start-up shared by the benchmark scripts (sourced, never run): a work directory whose
# processes are stopped on exit, tool checks, the release binary, the nginx upstream with its
# fixed answer, a bench client key and the gateway's `http` connection, and waiting for health.
#
#   . "$(dirname "$0")/lib.sh"
#   bench_workdir profile              # $work, $pids; on exit: stop them and nginx, remove $work
#   bench_need wrk "apt-get install wrk"
#   bench_release_binary               # builds (unless BENCH_BINARY is set), sets $BIN
#   bench_upstream upstream 19101 "$BENCH_BODY" 1   # nginx on 19101 answering the body
#   bench_client bench bench           # sets $KEY and $HASH for client "bench" on connection "bench"
#   bench_gateway_yaml "$GH_PORT" bench "$HASH" bench "http://127.0.0.1:$UP_PORT" env:BENCH_TOKEN > gh.yaml
#   bench_wait_healthy "$GH_PORT"
#
# Every function fails with a message on stderr and exit status 1; none leaves a process behind.

export PATH=/opt/swift/usr/bin:$PATH

# The fixed answer of the upstream nginx (about 200 bytes of JSON) for run.sh and profile.sh.
BENCH_BODY='{"id":12345,"name":"Gatehouse benchmark","status":"ok","items":[1,2,3,4,5],"note":"a fixed JSON body of about two hundred bytes, served by the upstream for every request","padding":"xxxxxxxx"}'

# bench_workdir NAME [keep]: makes $work (/tmp/gatehouse-NAME.XXXXXX) and $pids; on exit every
# pid in $pids and every nginx whose pid file is $work/*.pid is stopped, then $work removed
# (kept when the second argument or BENCH_KEEP_WORK is `keep`, for the logs). A script's own `bench_extra_cleanup`
# function, when defined, runs in between.
bench_workdir() {
  work="$(mktemp -d "/tmp/gatehouse-$1.XXXXXX")"
  BENCH_KEEP_WORK="${2:-${BENCH_KEEP_WORK:-}}"
  pids=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  local pid file
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for file in "$work"/*.pid; do [ -f "$file" ] && kill "$(cat "$file")" 2>/dev/null || true; done
  if declare -F bench_extra_cleanup >/dev/null; then bench_extra_cleanup; fi
  wait 2>/dev/null || true
  [ "$BENCH_KEEP_WORK" = keep ] || rm -rf "$work"
}

# bench_need TOOL HINT: fails with HINT when TOOL is not on the PATH.
bench_need() {
  command -v "$1" >/dev/null || { echo "$1 is missing: $2" >&2; exit 1; }
}

# bench_nginx: sets $NGINX to Debian's nginx binary.
bench_nginx() {
  NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
  [ -x "$NGINX" ] || { echo "nginx is missing: apt-get install nginx-light" >&2; exit 1; }
}

# bench_release_binary [PRODUCT...]: builds the release gateway (and the products named) and
# sets $BIN; with BENCH_BINARY set, uses that binary and builds nothing.
bench_release_binary() {
  if [ -n "${BENCH_BINARY:-}" ]; then
    BIN="$BENCH_BINARY"
  else
    local product
    echo "Building the release binary..." >&2
    for product in gatehouse "$@"; do
      swift build -c release --product "$product" >> "$work/build.log" 2>&1 \
        || { tail -20 "$work/build.log" >&2; exit 1; }
    done
    BIN="$(swift build -c release --show-bin-path)/gatehouse"
  fi
  [ -x "$BIN" ] || { echo "no gatehouse binary at $BIN" >&2; exit 1; }
}

# bench_upstream NAME PORT BODY [WORKERS] [CONNECTIONS] [COMMAND PREFIX...]: an nginx answering
# BODY as JSON to every request on 127.0.0.1:PORT, keep-alive unbounded, no access log; its
# configuration is $work/NAME.conf, its pid file $work/NAME.pid (stopped on exit). The prefix
# (e.g. `taskset -c 1`) runs nginx under it.
bench_upstream() {
  local name="$1" port="$2" body="$3" workers="${4:-1}" connections="${5:-4096}"
  shift $(( $# < 5 ? $# : 5 ))
  bench_nginx
  mkdir -p "$work/logs"
  cat > "$work/$name.conf" <<NGX
worker_processes $workers;
pid $work/$name.pid;
error_log $work/logs/$name-error.log warn;
events { worker_connections $connections; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port;
    location / { default_type application/json; return 200 '$body'; }
  }
}
NGX
  "$@" "$NGINX" -c "$work/$name.conf" -p "$work" -e "$work/logs/$name-error.log"
}

# bench_client NAME CONNECTION: a new client key for CONNECTION; sets $KEY (for callers) and
# $HASH (its SHA-256, for the configuration).
bench_client() {
  local both
  both="$("$BIN" clients add "$1" --connections "$2")"
  KEY="$(echo "$both" | grep -o 'gh_[A-Za-z0-9_-]*' | head -1)"
  HASH="$(echo "$both" | grep -o '[0-9a-f]\{64\}' | head -1)"
  [ -n "$KEY" ] && [ -n "$HASH" ] || { echo "gatehouse clients add printed no key" >&2; exit 1; }
}

# bench_gateway_yaml PORT CLIENT HASH CONNECTION BASE_URL TOKEN [SERVER EXTRA] [CONNECTION EXTRA]:
# prints a configuration with one client and one `http` connection sending
# `Authorization: Bearer {token}` (TOKEN is a secret reference such as env:NAME). SERVER EXTRA
# is appended inside `server: { ... }` (", key: value"), CONNECTION EXTRA as lines under the
# connection (indented four spaces).
bench_gateway_yaml() {
  cat <<YAML
server: { host: 127.0.0.1, port: $1, log_level: ${BENCH_LOG_LEVEL:-info}${7:-} }
clients:
  $2: { key_sha256: "$3", connections: [$4] }
connections:
  $4:
    adapter: http
    base_url: $5
    credentials: { token: $6 }
    options: { template: "Bearer {token}" }
${8:-}
YAML
}

# bench_cpu_ticks PID...: utime+stime (clock ticks, BENCH_TICK per second) summed over the pids.
BENCH_TICK="$(getconf CLK_TCK)"
bench_cpu_ticks() {
  local total=0 pid
  for pid in "$@"; do
    # Fields after the ")" of the command name: utime and stime are the 12th and 13th.
    total=$((total + $(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat")))
  done
  echo "$total"
}

# bench_wait_healthy PORT [TRIES]: waits until the gateway on PORT answers /healthz (TRIES x
# 0.1 s, default 100); fails otherwise.
bench_wait_healthy() {
  local tries="${2:-100}"
  for _ in $(seq 1 "$tries"); do
    curl -sf "http://127.0.0.1:$1/healthz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the gateway on port $1 did not become healthy" >&2
  exit 1
}
