# syntax=docker/dockerfile:1
#
# A Kiln build agent: `kiln agent` dials the server over WebSocket, takes the
# builds that match its labels and runs the engine's chroot phase pipeline.
#
#   docker build -f docker/agent.Dockerfile -t kiln-agent .      # from the repository root
#
# PRIVILEGED: a build debootstraps a root tree, mounts proc/sys/dev into it,
# chroots, attaches a loop device to the image file, creates and mounts its
# partitions. None of that works in an ordinary container, so this one must run
#
#   docker run --privileged -v /dev:/dev -e KILN_SERVER=… -e KILN_TOKEN=… kiln-agent
#
# (compose.yaml does the same). --privileged gives every capability and every
# device; the /dev bind mount is the host's devtmpfs, where the partition nodes
# of a loop device appear (a container's private /dev never sees them). The
# container is root on the host in all but name: run agents on hosts dedicated
# to building, never next to the server or other workloads you care about.
#
# Configuration is only the variables of apps/cli/src/env.ts (KILN_SERVER,
# KILN_TOKEN, KILN_AGENT_*) plus DIB_* variables passed through to builds.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------
# build: the same dependency install as the server image (the CLI imports the
# engine, the protocol and @kiln/db), without the dashboard's Next bundle.
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# Tools' own switches for the build steps only: CI=true makes a failed
# `prisma generate` fail `npm ci` instead of warning.
ENV CI=true \
    CHECKPOINT_DISABLE=1

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
RUN npm prune --omit=dev --no-audit --no-fund \
    && chmod -R a+rX /app

# ---------------------------------------------------------------------------
# runtime: Debian bookworm (the node image's base) with the host tools the
# engine and Kiln's elements call outside the chroot. The package list covers
# TOOL_PACKAGES in packages/engine/src/pipeline/host/preflight.ts (the test
# checks it), plus mtools (vfat staging), keyrings and certificates for
# debootstrap, and tini to reap the orphans hook scripts leave behind.
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        bash \
        btrfs-progs \
        ca-certificates \
        coreutils \
        cpio \
        debian-archive-keyring \
        debootstrap \
        dosfstools \
        e2fsprogs \
        fdisk \
        gdisk \
        gzip \
        mount \
        mtools \
        psmisc \
        qemu-utils \
        rsync \
        squashfs-tools \
        tar \
        tini \
        util-linux \
        wget \
        xfsprogs \
        xz-utils \
        zstd \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app /app
RUN ln -s /app/apps/cli/bin/kiln.js /usr/local/bin/kiln \
    && mkdir -p /var/lib/kiln/agent /var/cache/kiln

# Kiln's own variables (apps/cli/src/env.ts). The work dir keeps the agent's
# credentials after the first registration (KILN_TOKEN is then unused), its
# log spools and build dirs; the cache keeps debootstrap tarballs between builds.
ENV KILN_AGENT_WORK_DIR=/var/lib/kiln/agent \
    DIB_IMAGE_CACHE=/var/cache/kiln
VOLUME ["/var/lib/kiln/agent", "/var/cache/kiln"]

# Root on purpose: mount, chroot and losetup need it (see the top of this file).
USER root
# The agent reports its state to the server; there is no port to probe.
HEALTHCHECK NONE
# tini is PID 1: it forwards SIGTERM (the agent then cancels its builds and
# tears their mounts down) and reaps orphaned hook processes.
ENTRYPOINT ["/usr/bin/tini", "--", "kiln", "agent"]
CMD []
