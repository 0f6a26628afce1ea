import type { ServerDeps } from "../../context.ts";
import { ACTIVE_STATUSES } from "@kiln/contracts/build-status";
import { loseBuild } from "./lose-build.ts";

export interface TMarkOfflineOptions {
  /** The agents' heartbeat interval; three missed beats make an agent OFFLINE. */
  heartbeatMs: number;
  /** How long an OFFLINE agent may take to come back before its builds are lost (default: 3 heartbeats). */
  graceMs?: number;
  /**
   * When this server process started. While the server was down no agent
   * could be heard, so silence is only counted from here: after a restart
   * agents get their full heartbeats and grace to reconnect and resume.
   */
  serverStartedAt?: Date;
}

export interface TMarkOfflineResult {
  offline: string[];
  requeued: string[];
  errored: string[];
  cancelled: string[];
}

/**
 * Run periodically. Agents silent for 3 heartbeats go OFFLINE; builds still
 * ASSIGNED/RUNNING on an agent silent for longer than that plus the grace
 * period (or revoked) are lost: requeued once, then ERRORED ("agent lost").
 * An agent that reconnects within the grace period keeps its builds.
 */
export async function markAgentsOffline(
  deps: ServerDeps,
  opts: TMarkOfflineOptions,
): Promise<TMarkOfflineResult> {
  const p = deps.db.prisma;
  const now = deps.now().getTime();
  const silentSince = new Date(now - 3 * opts.heartbeatMs);
  const lostSince = new Date(silentSince.getTime() - (opts.graceMs ?? 3 * opts.heartbeatMs));
  const startedAt = opts.serverStartedAt?.getTime() ?? 0;
  const silent = {
    state: { in: ["ONLINE", "DRAINING"] },
    OR: [{ lastSeenAt: null }, { lastSeenAt: { lt: silentSince } }],
  };
  const going =
    startedAt < silentSince.getTime()
      ? await p.agent.findMany({ where: silent, select: { id: true } })
      : [];
  // Conditional again so a heartbeat landing in between keeps the agent online.
  await p.agent.updateMany({
    where: { id: { in: going.map((a) => a.id) }, ...silent },
    data: { state: "OFFLINE" },
  });

  const lost = await p.build.findMany({
    where: {
      status: { in: ACTIVE_STATUSES },
      OR: [
        { agentId: null },
        { agent: { revokedAt: { not: null } } },
        ...(startedAt < lostSince.getTime()
          ? [
              {
                agent: {
                  state: "OFFLINE",
                  OR: [{ lastSeenAt: null }, { lastSeenAt: { lt: lostSince } }],
                },
              },
            ]
          : []),
      ],
    },
    select: {
      id: true,
      agentId: true,
      requeueCount: true,
      cancelRequestedAt: true,
      agent: { select: { name: true } },
    },
  });
  const result: TMarkOfflineResult = {
    offline: going.map((a) => a.id),
    requeued: [],
    errored: [],
    cancelled: [],
  };
  for (const b of lost) {
    const outcome = await loseBuild(
      deps,
      b,
      `agent lost (${b.agent?.name ?? "no agent"} stopped answering)`,
    );
    if (outcome !== "unchanged") result[outcome].push(b.id);
  }
  if (result.offline.length || lost.length) deps.logger.info("agents checked", { ...result });
  return result;
}
