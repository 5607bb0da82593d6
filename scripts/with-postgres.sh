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
cleanup() {
  status=$?
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
