#!/usr/bin/env bash
# Makes sure PostgreSQL answers on 127.0.0.1:5432, starting the local cluster if it is down,
# and drops test databases left behind by interrupted runs.
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
stale=$(psql -h "$HOST" -U postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'nba\_test\_%'" 2>/dev/null || true)
for db in $stale; do
  psql -h "$HOST" -U postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
done
