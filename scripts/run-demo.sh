#!/usr/bin/env bash
# `make run`: starts the demo upstreams on loopback, prints curl commands, serves the demo config.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(swift build --show-bin-path)/gatehouse"
CONFIG="${CONFIG:-Config/gatehouse.yaml}"
# Demo-only values: the upstream token lives in this process's environment, never in config.
export GATEHOUSE_DEMO_UPSTREAM_TOKEN="${GATEHOUSE_DEMO_UPSTREAM_TOKEN:-demo-upstream-token-$(date +%s)}"
DEMO_KEY='gh_DEMO-ONLY-loopback-key-never-use-in-production'

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$BIN" simulate echo --port 9100 & pids+=($!)
"$BIN" simulate okit --port 9104 & pids+=($!)

"$BIN" check-config --config "$CONFIG"
cat <<EOT

Gatehouse demo on http://127.0.0.1:8080 (Ctrl-C stops everything). Try, in another terminal:

  # Proxy: the echo upstream shows the Authorization header Gatehouse added; your key is not forwarded.
  curl -s -H "Authorization: Bearer $DEMO_KEY" 'http://127.0.0.1:8080/proxy/echo-demo/orders?limit=2'

  # The same upstream, credential sent as X-Api-Key:
  curl -s -H "Authorization: Bearer $DEMO_KEY" -X POST -d '{"id":1}' -H 'Content-Type: application/json' \\
       http://127.0.0.1:8080/proxy/echo-apikey-demo/orders

  # Operation: the uniform envelope {"data", "meta"}:
  curl -s -H "Authorization: Bearer $DEMO_KEY" -X POST -H 'Content-Type: application/json' \\
       -d '{"method":"GET","path":"/orders/42","query":{"expand":"lines"}}' http://127.0.0.1:8080/v1/echo-demo/request

  # Refusals in the uniform error body: no key (401), a connection not granted (403/404):
  curl -s http://127.0.0.1:8080/proxy/echo-demo/orders
  curl -s -H "Authorization: Bearer $DEMO_KEY" http://127.0.0.1:8080/proxy/nope/x

  # OKIT: client BlaBla sends an SMS with its OKIT token (no gateway key); Gatehouse asks the OKIT
  # validator (application SMSAPP, from config) and forwards only if the token is valid:
  curl -s -H 'Authorization: Bearer DEMO-ONLY-okit-token-BlaBla' -H 'X-Client-Prefix: BlaBla' \\
       -H 'Content-Type: application/json' -d '{"to":"+4917012345678","text":"Hello"}' http://127.0.0.1:8080/proxy/sms-demo

  # A token OKIT does not vouch for (here: one issued for another application) is 401; nothing is sent:
  curl -s -H 'Authorization: Bearer DEMO-ONLY-okit-token-BlaBla-mail' -H 'X-Client-Prefix: BlaBla' \\
       -H 'Content-Type: application/json' -d '{"to":"+4917012345678","text":"Hello"}' http://127.0.0.1:8080/proxy/sms-demo

  # Ask the validator yourself (gateway key): {"data": {"valid", "message"}, "meta"}:
  curl -s -H "Authorization: Bearer $DEMO_KEY" -H 'Content-Type: application/json' \\
       -d '{"token":"DEMO-ONLY-okit-token-BlaBla","client_prefix":"BlaBla"}' http://127.0.0.1:8080/v1/okit-demo/token.validate

  # Health and metrics:
  curl -s http://127.0.0.1:8080/readyz; curl -s http://127.0.0.1:8080/metrics | head

EOT
"$BIN" serve --config "$CONFIG" & pids+=($!)
wait "${pids[-1]}"
