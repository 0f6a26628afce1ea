#!/bin/bash
# Compares each provider's migrations with its schema (prisma migrate diff
# --from-migrations, replayed in a shadow database: SQLite in memory,
# PostgreSQL a throwaway database on the server of KILN_PG_URL or else
# KILN_TEST_DATABASE_URL).
#   diff-migrations.sh check [sqlite|pg|all]   exit 1 if a migration is missing (CI)
#   diff-migrations.sh create NAME [sqlite|pg|all]
#                                              write prisma/<p>/migrations/<ts>_NAME
# Run sync-schemas first: this reads the rendered schemas.
set -eu
set -o pipefail
cd "$(dirname "$0")/.."

action=${1:-}
if [ "$action" = create ]; then
    name=${2:-}
    which=${3:-all}
    if ! [[ "$name" =~ ^[a-z0-9_]+$ ]]; then
        echo "diff-migrations: NAME must be lower-case letters, digits and _ (got '$name')" >&2
        exit 2
    fi
elif [ "$action" = check ]; then
    which=${2:-all}
else
    echo "usage: diff-migrations.sh check [sqlite|pg|all] | create NAME [sqlite|pg|all]" >&2
    exit 2
fi
case "$which" in
    all) providers=(sqlite pg) ;;
    sqlite | pg) providers=("$which") ;;
    *) echo "diff-migrations: unknown provider '$which'" >&2; exit 2 ;;
esac

export CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1
# The PostgreSQL shadow database is created through this server; any existing
# database will do (the test server's, in CI).
if [ -z "${KILN_PG_URL:-}" ] && [ -n "${KILN_TEST_DATABASE_URL:-}" ]; then
    export KILN_PG_URL=$KILN_TEST_DATABASE_URL
fi
PATH="$PWD/node_modules/.bin:$PWD/../../node_modules/.bin:$PATH"
# The SQLite diff replays into an in-memory shadow database, but the adapter
# still opens the main one: point it at a scratch file, not data/kiln.db.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export KILN_SQLITE_URL=${KILN_SQLITE_URL:-file:$scratch/diff.db}
stamp=$(date -u +%Y%m%d%H%M%S)
status=0
for p in "${providers[@]}"; do
    out=$(mktemp)
    prisma migrate diff --config "prisma.$p.config.ts" \
        --from-migrations "../../prisma/$p/migrations" \
        --to-schema-datamodel "../../prisma/$p/schema.prisma" --script >"$out"
    if grep -q '^-- This is an empty migration' "$out"; then
        echo "diff-migrations: $p migrations match prisma/$p/schema.prisma"
    elif [ "$action" = check ]; then
        echo "diff-migrations: prisma/$p/migrations lag prisma/$p/schema.prisma; run" \
            "\`npm run -w @kiln/db migration:create -- NAME\`. Missing SQL:" >&2
        cat "$out" >&2
        status=1
    else
        dir="../../prisma/$p/migrations/${stamp}_${name}"
        mkdir -p "$dir"
        cp "$out" "$dir/migration.sql"
        echo "diff-migrations: wrote prisma/$p/migrations/${stamp}_${name}/migration.sql"
    fi
    rm -f "$out"
done
exit "$status"
