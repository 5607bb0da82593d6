#!/usr/bin/env bash
# `make run`: starts the demo upstreams on loopback, prints curl commands, serves the demo config.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="$(swift build --show-bin-path)/gatehouse"
CONFIG="${CONFIG:-Config/gatehouse.yaml}"
# Demo-only values: the upstream token lives in this process's environment, never in config.
export GATEHOUSE_DEMO_UPSTREAM_TOKEN="${GATEHOUSE_DEMO_UPSTREAM_TOKEN:-demo-upstream-token-$(date +%s)}"
DEMO_KEY='gh_DEMO-ONLY-loopback-key-never-use-in-production'
export GATEHOUSE_ADMIN_TOKEN="${GATEHOUSE_ADMIN_TOKEN:-demo-admin-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')}"

# The demo vault: a master key file (0600) and the vault are created once, under .gatehouse/.
mkdir -p .gatehouse && chmod 700 .gatehouse
[ -f .gatehouse/master.key ] || "$BIN" vault generate-key --out .gatehouse/master.key
export GATEHOUSE_MASTER_KEY="$(cat .gatehouse/master.key)"
[ -f .gatehouse/vault.db ] || "$BIN" vault init --config "$CONFIG"
"$BIN" vault list --config "$CONFIG" | grep -q '^echo-demo/token ' \
  || printf 'demo-vault-token-%s' "$(date +%s)" | "$BIN" vault put echo-demo/token --config "$CONFIG"
# The K2 simulator's demo API user (K2.INI AS3USER/AS3PASSWORD): AN1 / ANPassword.
"$BIN" vault list --config "$CONFIG" | grep -q '^k2-demo/username ' \
  || printf 'AN1' | "$BIN" vault put k2-demo/username --config "$CONFIG"
"$BIN" vault list --config "$CONFIG" | grep -q '^k2-demo/password ' \
  || printf 'ANPassword' | "$BIN" vault put k2-demo/password --config "$CONFIG"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$BIN" simulate echo --port 9100 & pids+=($!)
"$BIN" simulate okit --port 9104 & pids+=($!)
"$BIN" simulate k2 --port 9102 & pids+=($!)

"$BIN" check-config --config "$CONFIG"
cat <<EOT

Gatehouse demo on http://127.0.0.1:8080 (Ctrl-C stops everything). Try, in another terminal:

  # Proxy: the echo upstream shows the Authorization header Gatehouse added (the token comes from
  # the vault); your key is not forwarded.
  curl -s -H "Authorization: Bearer $DEMO_KEY" 'http://127.0.0.1:8080/proxy/echo-demo/orders?limit=2'

  # Change the vault secret while the gateway runs; the next requests carry it (within 2 s):
  echo new-token-1 | GATEHOUSE_MASTER_KEY="\$(cat .gatehouse/master.key)" $BIN vault put echo-demo/token
  # ... or through the admin API (applies at once; values go in, never out):
  curl -s -X PUT -H "Authorization: Bearer $GATEHOUSE_ADMIN_TOKEN" -d '{"value":"new-token-2"}' \\
       http://127.0.0.1:8080/admin/v1/secrets/echo-demo/token
  curl -s -H "Authorization: Bearer $GATEHOUSE_ADMIN_TOKEN" http://127.0.0.1:8080/admin/v1/secrets

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

  # K2 (simulator on 9102; Gatehouse signs every request with the vault's AN1/ANPassword):
  curl -s -H "Authorization: Bearer $DEMO_KEY" -H 'Content-Type: application/json' \\
       -d '{"class":"Part","fields":["Name","City"],"page_size":3,"filter":[{"field":"Name","op":"LIKE","value":"Shell*","wildcards":true}]}' \\
       http://127.0.0.1:8080/v1/k2-demo/data.list
  curl -s -H "Authorization: Bearer $DEMO_KEY" -H 'Content-Type: application/json' \\
       -d '{"class":"Part","keys":[5],"fields":["Abbr","Name","TimeStamp"]}' http://127.0.0.1:8080/v1/k2-demo/data.get
  # Update: send the TimeStamp you read (a stale one is 409 conflict):
  curl -s -H "Authorization: Bearer $DEMO_KEY" -H 'Content-Type: application/json' \\
       -d '{"class":"Part","keys":[5],"fields":{"Name":"Renamed","TimeStamp":"<from data.get>"}}' http://127.0.0.1:8080/v1/k2-demo/data.update
  curl -s -H "Authorization: Bearer $DEMO_KEY" -H 'Content-Type: application/xml' -H 'Accept: application/xml' \\
       -d '<a><folder>Special</folder><name>ExampleWS</name><parameters><ParamText>aaa</ParamText><ParamCislo>123</ParamCislo></parameters></a>' \\
       http://127.0.0.1:8080/v1/k2-demo/formation.run

  # Health and metrics:
  curl -s http://127.0.0.1:8080/readyz; curl -s http://127.0.0.1:8080/metrics | head

EOT
"$BIN" serve --config "$CONFIG" & pids+=($!)
wait "${pids[-1]}"
