#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432, starting the local cluster if it is down,
# and drops test databases that interrupted runs left behind over a day ago.
set -euo pipefail
HOST=${PGHOST:-127.0.0.1}
if ! pg_isready -h "$HOST" -p 5432 -q 2>/dev/null; then
  echo "PostgreSQL is not answering on $HOST:5432; starting the local cluster" >&2
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$version" ]; then
    echo "no PostgreSQL cluster under /etc/postgresql; install PostgreSQL 14+ (apt-get install postgresql)" >&2
    exit 1
  fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start
  for _ in $(seq 1 60); do
    pg_isready -h "$HOST" -p 5432 -q && break
    sleep 0.5
  done
  pg_isready -h "$HOST" -p 5432 -q || { echo "PostgreSQL did not start" >&2; exit 1; }
fi
# Test databases are named <tag>_<pid>_<unix nanoseconds>_<n> (nba_testkit::unique) and
# dropped by the test that made them; what an interrupted run left is removed here once it is
# a day old, so the tests of another checkout running at the same time keep theirs.
now=$(date +%s)
names=$(psql -h "$HOST" -U postgres -Atc \
  "SELECT datname FROM pg_database WHERE datname ~ '_[0-9]+_[0-9]{19}_[0-9]+$'" 2>/dev/null || true)
for db in $names; do
  nanos=$(echo "$db" | sed -E 's/.*_([0-9]{19})_[0-9]+$/\1/')
  if [ $(( now - nanos / 1000000000 )) -gt 86400 ]; then
    psql -h "$HOST" -U postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
done
