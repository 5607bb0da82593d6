#!/usr/bin/env bash
# Runs "$@" beside a throwaway PostgreSQL cluster (scripts/pg-cluster.sh: a temporary directory,
# a free loopback port, installed from Debian when missing) and removes it afterwards, even when
# "$@" fails or is interrupted. Exported to "$@":
#   GATEHOUSE_TEST_PG_URL      postgres://gatehouse:PASSWORD@127.0.0.1:PORT/postgres?sslmode=disable
#   GATEHOUSE_TEST_PG_DATA     its data directory (the tests look for plaintext at rest in it)
#   GATEHOUSE_TEST_PG_CLUSTER  scripts/pg-cluster.sh, for tests that need a cluster of their own
#                              (the outage tests stop and start theirs)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d /tmp/gatehouse-pg.XXXXXX)"
root="$(cd "$here/.." && pwd)"
# A test process that dies by a signal (a crash) cannot end what it started: its gateways,
# simulators, nginx and tinyproxy servers and private clusters live on, orphaned (parent 1). End
# every orphan that runs from one of the suite's temporary directories or is this checkout's
# simulator; a suite running beside this one keeps its own (their parent is alive).
reap_orphans() {
  local pids
  pids="$(ps -eo pid=,ppid=,args= | awk -v sim="$root/.build/" '$2 == 1 && (index($0, "/gatehouse-test-") || (index($0, sim) && index($0, " simulate "))) { print $1 }')"
  [ -n "$pids" ] || return 0
  echo "with-postgres: ending $(echo $pids | wc -w) orphaned test processes (the test process died before ending them)" >&2
  kill -TERM $pids 2>/dev/null || true
  sleep 2
  kill -KILL $pids 2>/dev/null || true
}
cleanup() {
  status=$?
  reap_orphans
  "$here/pg-cluster.sh" destroy "$work" || true
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
GATEHOUSE_TEST_PG_URL="$("$here/pg-cluster.sh" init "$work")"
export GATEHOUSE_TEST_PG_URL
export GATEHOUSE_TEST_PG_DATA="$work/data"
export GATEHOUSE_TEST_PG_CLUSTER="$here/pg-cluster.sh"
echo "with-postgres: PostgreSQL on 127.0.0.1:$(cat "$work/port") (data in $work)"
"$@"
