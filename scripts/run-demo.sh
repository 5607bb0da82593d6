#!/usr/bin/env bash
# `make run`: starts the demo upstreams on loopback, prints curl commands, serves the demo config.
#
# Ports and the state directory can be moved (the browser tests run the demo on free ports):
# GATEHOUSE_PORT (8080), GATEHOUSE_ADMIN_PORT (8081), GATEHOUSE_DEMO_ECHO_PORT (9100),
# GATEHOUSE_DEMO_KEYFAX_PORT (9101), GATEHOUSE_DEMO_K2_PORT (9102), GATEHOUSE_DEMO_CHECKFRONT_PORT
# (9103), GATEHOUSE_DEMO_OKIT_PORT (9104), GATEHOUSE_DEMO_DIR (.gatehouse); GATEHOUSE_BINARY
# names a built gatehouse instead of this checkout's debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${GATEHOUSE_BINARY:-$(swift build --show-bin-path)/gatehouse}"
PORT="${GATEHOUSE_PORT:-8080}"
ADMIN_PORT="${GATEHOUSE_ADMIN_PORT:-8081}"
ECHO_PORT="${GATEHOUSE_DEMO_ECHO_PORT:-9100}"
KEYFAX_PORT="${GATEHOUSE_DEMO_KEYFAX_PORT:-9101}"
K2_PORT="${GATEHOUSE_DEMO_K2_PORT:-9102}"
CHECKFRONT_PORT="${GATEHOUSE_DEMO_CHECKFRONT_PORT:-9103}"
OKIT_PORT="${GATEHOUSE_DEMO_OKIT_PORT:-9104}"
STATE="${GATEHOUSE_DEMO_DIR:-.gatehouse}"
CONFIG="${CONFIG:-Config/gatehouse.yaml}"
# Demo-only values: the upstream token lives in this process's environment, never in config.
export GATEHOUSE_DEMO_UPSTREAM_TOKEN="${GATEHOUSE_DEMO_UPSTREAM_TOKEN:-demo-upstream-token-$(date +%s)}"
DEMO_KEY='gh_DEMO-ONLY-loopback-key-never-use-in-production'
export GATEHOUSE_ADMIN_TOKEN="${GATEHOUSE_ADMIN_TOKEN:-demo-admin-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}"

# The demo vault: a master key file (0600) and the vault are created once, under $STATE.
mkdir -p "$STATE" && chmod 700 "$STATE"
KEYFAX_CONFIG=()
if [ "$STATE:$PORT:$ECHO_PORT:$KEYFAX_PORT:$K2_PORT:$CHECKFRONT_PORT:$OKIT_PORT" != ".gatehouse:8080:9100:9101:9102:9103:9104" ]; then
  # Moved: the demo configuration with its ports and vault file rewritten, and the Keyfax
  # simulator's web hook pointed at this gateway.
  sed -e "s#127.0.0.1:8080#127.0.0.1:$PORT#g; s#127.0.0.1:9100#127.0.0.1:$ECHO_PORT#g" \
      -e "s#127.0.0.1:9101#127.0.0.1:$KEYFAX_PORT#g; s#127.0.0.1:9102#127.0.0.1:$K2_PORT#g" \
      -e "s#127.0.0.1:9103#127.0.0.1:$CHECKFRONT_PORT#g; s#127.0.0.1:9104#127.0.0.1:$OKIT_PORT#g" \
      -e "s#path: .gatehouse/vault.db#path: $STATE/vault.db#" "$CONFIG" > "$STATE/gatehouse.yaml"
  CONFIG="$STATE/gatehouse.yaml"
  cat > "$STATE/keyfax-simulator.yaml" <<EOT
company: OL3_Dev
hosts:
  Dev: { web_hook_url: "http://127.0.0.1:$PORT/hooks/keyfax-demo/keyfax-keys/DEMO-ONLY-keyfax-hook-secret-0123456789" }
EOT
  KEYFAX_CONFIG=(--config "$STATE/keyfax-simulator.yaml")
fi
[ -f "$STATE/master.key" ] || "$BIN" vault generate-key --out "$STATE/master.key"
export GATEHOUSE_MASTER_KEY="$(cat "$STATE/master.key")"
[ -f "$STATE/vault.db" ] || "$BIN" vault init --config "$CONFIG"
"$BIN" vault list --config "$CONFIG" | grep -q '^echo-demo/token ' \
  || printf 'demo-vault-token-%s' "$(date +%s)" | "$BIN" vault put echo-demo/token --config "$CONFIG"
# Checkfront demo credentials: the simulator's token pair and OAuth2 consumer key/secret.
for pair in checkfront-demo/api_key=DEMO-ONLY-checkfront-api-key checkfront-demo/api_secret=DEMO-ONLY-checkfront-api-secret \
            checkfront-oauth-demo/client_id=DEMO-ONLY-checkfront-consumer-key \
            checkfront-oauth-demo/client_secret=DEMO-ONLY-checkfront-consumer-secret \
            keyfax-demo/hook_secret=DEMO-ONLY-keyfax-hook-secret-0123456789; do
  "$BIN" vault list --config "$CONFIG" | grep -q "^${pair%%=*} " || printf '%s' "${pair#*=}" | "$BIN" vault put "${pair%%=*}" --config "$CONFIG"
done
# The K2 simulator's demo API user (K2.INI AS3USER/AS3PASSWORD): AN1 / ANPassword.
"$BIN" vault list --config "$CONFIG" | grep -q '^k2-demo/username ' \
  || printf 'AN1' | "$BIN" vault put k2-demo/username --config "$CONFIG"
"$BIN" vault list --config "$CONFIG" | grep -q '^k2-demo/password ' \
  || printf 'ANPassword' | "$BIN" vault put k2-demo/password --config "$CONFIG"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$BIN" simulate echo --port "$ECHO_PORT" & pids+=($!)
"$BIN" simulate okit --port "$OKIT_PORT" & pids+=($!)
"$BIN" simulate checkfront --port "$CHECKFRONT_PORT" & pids+=($!)
# The Keyfax simulator keeps its keys in memory: bootstrap keys for this run (stored in the vault).
"$BIN" simulate keyfax --port "$KEYFAX_PORT" "${KEYFAX_CONFIG[@]}" & pids+=($!)
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$KEYFAX_PORT/_sim/stats" && break; sleep 0.1; done
"$BIN" keyfax bootstrap keyfax-demo --config "$CONFIG" >/dev/null
"$BIN" simulate k2 --port "$K2_PORT" & pids+=($!)

"$BIN" check-config --config "$CONFIG"
cat <<EOT

Gatehouse demo (Ctrl-C stops everything):
  data plane      http://127.0.0.1:$PORT   /proxy, /v1, OAuth callbacks, web hooks, /readyz, /metrics
  admin listener  http://127.0.0.1:$ADMIN_PORT   the console, the admin API (/admin/v1/...) and /oauth/{c}/start
  admin token     $GATEHOUSE_ADMIN_TOKEN
  console         open http://127.0.0.1:$ADMIN_PORT/ in a browser and sign in with the admin token

Try, in another terminal:

  # Proxy: the echo upstream shows the Authorization header Gatehouse added (the token comes from
  # the vault); your key is not forwarded.
  curl -s -H "Authorization: Bearer $DEMO_KEY" 'http://127.0.0.1:$PORT/proxy/echo-demo/orders?limit=2'

  # Change the vault secret while the gateway runs; the next requests carry it (within 2 s):
  echo new-token-1 | GATEHOUSE_MASTER_KEY="\$(cat $STATE/master.key)" $BIN vault put echo-demo/token --config $CONFIG
  # ... or through the admin API (applies at once; values go in, never out):
  curl -s -X PUT -H "Authorization: Bearer $GATEHOUSE_ADMIN_TOKEN" -d '{"value":"new-token-2"}' \\
       http://127.0.0.1:$ADMIN_PORT/admin/v1/secrets/echo-demo/token
  curl -s -H "Authorization: Bearer $GATEHOUSE_ADMIN_TOKEN" http://127.0.0.1:$ADMIN_PORT/admin/v1/secrets

  # The same upstream, credential sent as X-Api-Key:
  curl -s -H "Authorization: Bearer $DEMO_KEY" -X POST -d '{"id":1}' -H 'Content-Type: application/json' \\
       http://127.0.0.1:$PORT/proxy/echo-apikey-demo/orders

  # Operation: the uniform envelope {"data", "meta"}:
  curl -s -H "Authorization: Bearer $DEMO_KEY" -X POST -H 'Content-Type: application/json' \\
       -d '{"method":"GET","path":"/orders/42","query":{"expand":"lines"}}' http://127.0.0.1:$PORT/v1/echo-demo/request

  # Refusals in the uniform error body: no key (401), a connection not granted (403/404):
  curl -s http://127.0.0.1:$PORT/proxy/echo-demo/orders
  curl -s -H "Authorization: Bearer $DEMO_KEY" http://127.0.0.1:$PORT/proxy/nope/x

  # OKIT: client BlaBla sends an SMS with its OKIT token (no gateway key); Gatehouse asks the OKIT
  # validator (application SMSAPP, from config) and forwards only if the token is valid:
  curl -s -H 'Authorization: Bearer DEMO-ONLY-okit-token-BlaBla' -H 'X-Client-Prefix: BlaBla' \\
       -H 'Content-Type: application/json' -d '{"to":"+4917012345678","text":"Hello"}' http://127.0.0.1:$PORT/proxy/sms-demo

  # A token OKIT does not vouch for (here: one issued for another application) is 401; nothing is sent:
  curl -s -H 'Authorization: Bearer DEMO-ONLY-okit-token-BlaBla-mail' -H 'X-Client-Prefix: BlaBla' \\
       -H 'Content-Type: application/json' -d '{"to":"+4917012345678","text":"Hello"}' http://127.0.0.1:$PORT/proxy/sms-demo

  # Ask the validator yourself (gateway key): {"data": {"valid", "message"}, "meta"}:
  curl -s -H "Authorization: Bearer $DEMO_KEY" -H 'Content-Type: application/json' \\
       -d '{"token":"DEMO-ONLY-okit-token-BlaBla","client_prefix":"BlaBla"}' http://127.0.0.1:$PORT/v1/okit-demo/token.validate

  # Checkfront, token pair: the uniform envelope over Checkfront's API 3.0:
  curl -s -H "Authorization: Bearer $DEMO_KEY" -X POST -d '{}' http://127.0.0.1:$PORT/v1/checkfront-demo/item.list

  # Checkfront, OAuth2: open this in a browser (sends the admin token, so use curl for the first hop):
  curl -s -o /dev/null -w '%{redirect_url}\n' -H "Authorization: Bearer $GATEHOUSE_ADMIN_TOKEN" \
       http://127.0.0.1:$ADMIN_PORT/oauth/checkfront-oauth-demo/start
  #   ... open the printed URL, click Approve; the simulator sends the browser back to the callback.
  # Or get the URL from the admin API, then check the connection's health:
  curl -s -X POST -H "Authorization: Bearer $GATEHOUSE_ADMIN_TOKEN" http://127.0.0.1:$ADMIN_PORT/admin/v1/connections/checkfront-oauth-demo/authorize
  curl -s -H "Authorization: Bearer $GATEHOUSE_ADMIN_TOKEN" http://127.0.0.1:$ADMIN_PORT/admin/v1/connections
  curl -s -H "Authorization: Bearer $DEMO_KEY" -X POST -d '{"id":1}' http://127.0.0.1:$PORT/v1/checkfront-oauth-demo/booking.get

  # Keyfax: start a session, open its launchUrl (the simulator marks it launched), complete it, read results.
  curl -s -H "Authorization: Bearer $DEMO_KEY" -H 'Content-Type: application/json' \\
       -d '{"mode":{"value":"ROL"},"company":{"value":"OL3_Dev"}}' http://127.0.0.1:$PORT/v1/keyfax-demo/startup
  curl -s -X POST http://127.0.0.1:$KEYFAX_PORT/_sim/sessions/GUID/complete
  curl -s -H "Authorization: Bearer $DEMO_KEY" -H 'Content-Type: application/json' \\
       -d '{"company":"OL3_Dev","guid":"GUID"}' http://127.0.0.1:$PORT/v1/keyfax-demo/results
  # Rotate the Keyfax keys: the new pair arrives at /hooks/keyfax-demo/keyfax-keys/<secret>.
  curl -s -X POST -H "Authorization: Bearer $GATEHOUSE_ADMIN_TOKEN" http://127.0.0.1:$ADMIN_PORT/admin/v1/connections/keyfax-demo/keyfax/rotate
  # K2 (simulator on 9102; Gatehouse signs every request with the vault's AN1/ANPassword):
  curl -s -H "Authorization: Bearer $DEMO_KEY" -H 'Content-Type: application/json' \\
       -d '{"class":"Part","fields":["Name","City"],"page_size":3,"filter":[{"field":"Name","op":"LIKE","value":"Shell*","wildcards":true}]}' \\
       http://127.0.0.1:$PORT/v1/k2-demo/data.list
  curl -s -H "Authorization: Bearer $DEMO_KEY" -H 'Content-Type: application/json' \\
       -d '{"class":"Part","keys":[5],"fields":["Abbr","Name","TimeStamp"]}' http://127.0.0.1:$PORT/v1/k2-demo/data.get
  # Update: send the TimeStamp you read (a stale one is 409 conflict):
  curl -s -H "Authorization: Bearer $DEMO_KEY" -H 'Content-Type: application/json' \\
       -d '{"class":"Part","keys":[5],"fields":{"Name":"Renamed","TimeStamp":"<from data.get>"}}' http://127.0.0.1:$PORT/v1/k2-demo/data.update
  curl -s -H "Authorization: Bearer $DEMO_KEY" -H 'Content-Type: application/xml' -H 'Accept: application/xml' \\
       -d '<a><folder>Special</folder><name>ExampleWS</name><parameters><ParamText>aaa</ParamText><ParamCislo>123</ParamCislo></parameters></a>' \\
       http://127.0.0.1:$PORT/v1/k2-demo/formation.run

  # Health and metrics:
  curl -s http://127.0.0.1:$PORT/readyz; curl -s http://127.0.0.1:$PORT/metrics | head

EOT
"$BIN" serve --config "$CONFIG" --port "$PORT" --admin-port "$ADMIN_PORT" & pids+=($!)
wait "${pids[-1]}"
