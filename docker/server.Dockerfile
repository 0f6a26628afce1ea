# syntax=docker/dockerfile:1
#
# Kiln's server: the dashboard, its API and the agent gateway, one Node process
# on one port (apps/dashboard/server.ts, run by tsx exactly as `npm start`).
# It never builds images itself (KILN_LOCAL_AGENT=off): builds run on agents,
# see agent.Dockerfile.
#
#   docker build -f docker/server.Dockerfile -t kiln-server .     # from the repository root
#
# Configuration is only the variables of apps/dashboard/src/env.ts
# (docker/compose.yaml sets them; test/docker/compose-env.test.ts checks this
# file's runtime ENV lines against that schema).

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------
# build: dependencies (better-sqlite3 compiles when no prebuilt binary fits,
# hence python3, make, g++), Prisma clients (@kiln/db's postinstall), and the
# dashboard's Next bundle.
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Tools' own switches for the build steps only (not Kiln's configuration):
# CI=true makes a failed `prisma generate` fail `npm ci` instead of warning.
ENV CI=true \
    NEXT_TELEMETRY_DISABLED=1 \
    CHECKPOINT_DISABLE=1

# Manifests first so the dependency layer is reused while only sources change.
# @kiln/db's postinstall needs its scripts and prisma/ to generate the clients.
COPY package.json package-lock.json ./
COPY apps/cli/package.json apps/cli/
COPY apps/dashboard/package.json apps/dashboard/
COPY packages/contracts/package.json packages/contracts/
COPY packages/engine/package.json packages/engine/
COPY packages/protocol/package.json packages/protocol/
COPY packages/server/package.json packages/server/
COPY packages/db/ packages/db/
COPY prisma/ prisma/
RUN npm ci --no-audit --no-fund

COPY . .
# Built here so the container starts without the ~30 s first-start build;
# KILN_SKIP_NEXT_BUILD below tells the server to use it as it is.
RUN cd apps/dashboard && ../../node_modules/.bin/next build
# Runtime needs no test, lint or type-check tooling. The chmod makes the tree
# readable by the unprivileged user whatever the umask of the build context.
RUN npm prune --omit=dev --no-audit --no-fund \
    && chmod -R a+rX /app

# ---------------------------------------------------------------------------
# runtime
FROM ${NODE_IMAGE} AS runtime
RUN groupadd --system --gid 10001 kiln \
    && useradd --system --uid 10001 --gid kiln --home-dir /var/lib/kiln --shell /usr/sbin/nologin kiln \
    && mkdir -p /var/lib/kiln \
    && chown kiln:kiln /var/lib/kiln
WORKDIR /app
# The application tree stays owned by root: the server only writes its data dir.
COPY --from=build /app /app
# `kiln admin …` (e.g. create-agent-token) from `docker compose exec server`.
RUN ln -s /app/apps/cli/bin/kiln.js /usr/local/bin/kiln

# Kiln's own variables (apps/dashboard/src/env.ts). HOST: reachable from other
# containers; KILN_LOCAL_AGENT=off: agents are separate (privileged) containers;
# KILN_DATA_DIR: SQLite (when DATABASE_URL is unset), artifacts (when no S3
# store is set), secret.key (when KILN_SECRET_KEY is unset).
ENV HOST=0.0.0.0 \
    PORT=3000 \
    KILN_DATA_DIR=/var/lib/kiln \
    KILN_LOCAL_AGENT=off \
    KILN_SKIP_NEXT_BUILD=1 \
    KILN_LOG_FORMAT=json
VOLUME ["/var/lib/kiln"]
EXPOSE 3000
USER kiln

# Migrations and Next's start take a few seconds; /api/health answers once the
# database is reachable. Node's fetch, since the slim image has no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# What `npm start` runs (tsx apps/dashboard/server.ts), without npm in between:
# node is PID 1's only process and receives SIGTERM itself (server.ts handles it).
CMD ["node", "--import", "tsx", "apps/dashboard/server.ts"]
