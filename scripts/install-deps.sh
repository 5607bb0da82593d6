#!/usr/bin/env bash
# Installs the Debian packages named as arguments when they are missing.
# As root it runs apt-get itself; otherwise it uses sudo when available, or prints the command.
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
# Several suites or benches may install at once: one apt-get at a time (dpkg takes its own lock and fails fast).
cmd="flock /tmp/gatehouse-apt.lock sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}'"
echo "Installing missing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sh -c "$cmd"
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo sh -c "$cmd"
else
  echo "Cannot install them without root. Run:" >&2
  echo "  sudo sh -c \"$cmd\"" >&2
  exit 1
fi
