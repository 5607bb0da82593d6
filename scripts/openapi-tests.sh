#!/usr/bin/env bash
# `make test`'s OpenAPI checks: both documents validated with openapi-spec-validator and both APIs
# fuzzed with schemathesis, against the demo (scripts/run-demo.sh) on free ports
# (Tests/OpenAPI/openapi_test.py). Installs the pinned tools (Tests/OpenAPI/requirements.txt)
# into a venv under .build/ when missing. OPENAPI_EXAMPLES sets the examples per operation (15).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${GATEHOUSE_BINARY:-$(swift build --show-bin-path)/gatehouse}"
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null 2>&1 || { scripts/install-deps.sh python3 python3-venv; PYTHON=python3; }
VENV=.build/openapi-venv
REQUIREMENTS=Tests/OpenAPI/requirements.txt
if ! cmp -s "$REQUIREMENTS" "$VENV/requirements.txt" 2>/dev/null; then
  [ -x "$VENV/bin/pip" ] || "$PYTHON" -m venv "$VENV" >/dev/null 2>&1 || { scripts/install-deps.sh python3-venv; rm -rf "$VENV"; "$PYTHON" -m venv "$VENV"; }
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  cp "$REQUIREMENTS" "$VENV/requirements.txt"
fi
exec "$VENV/bin/python" Tests/OpenAPI/openapi_test.py --binary "$BIN" --venv-bin "$VENV/bin" --artifacts .build/openapi-artifacts "$@"
