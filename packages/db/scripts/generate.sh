#!/bin/bash
# Generates the SQLite and PostgreSQL Prisma clients into src/generated/
# (offline: the configs select the wasm engine, see prisma.*.config.ts).
#   generate.sh               fail (exit 1) if either client cannot be generated
#   generate.sh --postinstall as npm postinstall: a failing postinstall makes
#                             npm roll back the whole node_modules, so outside
#                             CI it only warns; under CI=true it fails.
set -eu
set -o pipefail
cd "$(dirname "$0")/.."

mode=${1:-}
export CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1

if ! command -v prisma >/dev/null; then
    PATH="$PWD/node_modules/.bin:$PWD/../../node_modules/.bin:$PATH"
fi

logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

# Both at once: each is ~3 s of mostly start-up.
pids=()
for provider in sqlite pg; do
    prisma generate --config "prisma.$provider.config.ts" >"$logdir/$provider.log" 2>&1 &
    pids+=("$!")
done

failed=()
i=0
for provider in sqlite pg; do
    if ! wait "${pids[$i]}"; then
        failed+=("$provider")
    fi
    i=$((i + 1))
done

if [ "${#failed[@]}" -eq 0 ]; then
    echo "@kiln/db: generated Prisma clients (sqlite, pg) in src/generated/"
    exit 0
fi

for provider in "${failed[@]}"; do
    {
        echo "================================================================"
        echo "@kiln/db: prisma generate failed for $provider (packages/db/prisma.$provider.config.ts)"
        echo "----------------------------------------------------------------"
        cat "$logdir/$provider.log"
    } >&2
done
{
    echo "================================================================"
    echo "@kiln/db: the database clients are missing or stale; @kiln/db/client may fail"
    echo "will fail. Fix the error above, then run: npm run -w @kiln/db generate"
    echo "================================================================"
} >&2

if [ "$mode" = "--postinstall" ] && [ "${CI:-}" != "true" ]; then
    exit 0
fi
exit 1
