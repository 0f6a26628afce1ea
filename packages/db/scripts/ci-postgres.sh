#!/bin/bash
# Installs (if needed) and starts Debian's PostgreSQL 15 on 127.0.0.1:5432,
# sets the postgres user's password to "postgres", and prints the URL the
# @kiln/db tests take as KILN_TEST_DATABASE_URL. Idempotent; run as root.
#   export KILN_TEST_DATABASE_URL="$(packages/db/scripts/ci-postgres.sh)"
# Everything but the URL goes to stderr.
set -eu
set -o pipefail

PG_VERSION=${PG_VERSION:-15}
PG_PASSWORD=${PG_PASSWORD:-postgres}

if [ "$(id -u)" != 0 ]; then
    echo "ci-postgres: must run as root (apt-get, pg_ctlcluster)" >&2
    exit 1
fi

if ! command -v pg_ctlcluster >/dev/null || [ ! -d "/usr/lib/postgresql/${PG_VERSION}" ]; then
    echo "ci-postgres: installing postgresql" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q --no-install-recommends postgresql >&2
fi

if ! pg_lsclusters -h | awk -v v="$PG_VERSION" '$1 == v && $2 == "main"' | grep -q .; then
    pg_createcluster "$PG_VERSION" main >&2
fi

if ! pg_lsclusters -h | awk -v v="$PG_VERSION" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
    pg_ctlcluster "$PG_VERSION" main start >&2
fi

for _ in $(seq 1 30); do
    if su postgres -c "pg_isready -q -h 127.0.0.1 -p 5432"; then
        break
    fi
    sleep 0.5
done

su postgres -c "psql -q -v ON_ERROR_STOP=1 -c \"ALTER USER postgres PASSWORD '${PG_PASSWORD}'\"" >&2

echo "postgresql://postgres:${PG_PASSWORD}@127.0.0.1:5432/postgres"
