#!/usr/bin/env bash
# `make test`'s browser tests: the operator console in headless Chromium (Debian's chromium and
# chromium-driver) driven by Python selenium, against the demo (scripts/run-demo.sh) on free ports.
# Installs what is missing: the Debian packages, and selenium into a venv under .build/.
# Screenshots and page sources go to .build/browser-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN="${GATEHOUSE_BINARY:-$(swift build --show-bin-path)/gatehouse}"
scripts/install-deps.sh chromium chromium-driver
PYTHON="${PYTHON:-python3}"
command -v "$PYTHON" >/dev/null 2>&1 || { scripts/install-deps.sh python3 python3-venv; PYTHON=python3; }
VENV=.build/browser-venv
if ! "$VENV/bin/python" -c 'import selenium' >/dev/null 2>&1; then
  "$PYTHON" -m venv "$VENV" >/dev/null 2>&1 || { scripts/install-deps.sh python3-venv; rm -rf "$VENV"; "$PYTHON" -m venv "$VENV"; }
  "$VENV/bin/pip" install --quiet --disable-pip-version-check selenium
fi
exec "$VENV/bin/python" Tests/Browser/console_test.py --binary "$BIN" --artifacts .build/browser-artifacts "$@"
