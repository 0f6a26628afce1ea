/**
 * An agent said HELLO: record what it reports about itself, and reconcile
 * the builds it holds with the builds the server thinks it has.
 */
import type { TAgentToServer, TServerToAgent } from "@kiln/protocol";
import type { ServerDeps } from "../../context.ts";
import { ACTIVE_STATUSES, isTerminal } from "@kiln/contracts/build-status";
import { storedLabels } from "../stored-json.ts";
import { StreamPositions } from "../builds/stream-positions.ts";
import { loseBuild } from "../dispatch/lose-build.ts";
import { normalizeArch } from "./register-agent.ts";

export interface TWelcome {
  /**
   * The agent's routing labels as the server keeps them (registration token,
   * administrator's edits). HELLO's own labels are ignored: an agent never
   * chooses what it is routed.
   */
  labels: Record<string, string>;
  /** The administrator's choice, which outlives connections. */
  draining: boolean;
  /** Builds the agent continues, with the last seq stored of each stream. */
  resume: TServerToAgent<"WELCOME">["resume"];
  /** Builds the agent holds that are not (or no longer) its to run: it drops them. */
  abandon: string[];
  /** Builds assigned to it that it never accepted: send their ASSIGN again. */
  reassign: string[];
}

/**
 * Reconciles, per build: held and still the agent's (active, or finished
 * on the agent and awaiting its BUILD_FINISHED) → resume; held but not its
 * or unknown → abandon; active here but not held → ASSIGNED ones are
 * assigned again, RUNNING ones were lost with the agent's previous life.
 * `positions` is the connection's cursor (a fresh one reads the database).
 */
export async function welcomeAgent(
  deps: ServerDeps,
  agentId: string,
  hello: TAgentToServer<"HELLO">,
  positions = new StreamPositions(deps),
): Promise<TWelcome> {
  const { labels, draining } = await recordHello(deps, agentId, hello);
  const held = new Map(hello.builds.map((build) => [build.buildId, build]));
  const welcome: TWelcome = { labels, draining, resume: [], abandon: [], reassign: [] };
  const rows = await deps.db.prisma.build.findMany({
    where: {
      OR: [{ id: { in: [...held.keys()] } }, { agentId, status: { in: ACTIVE_STATUSES } }],
    },
  });
  for (const build of rows) {
    const holding = held.get(build.id);
    held.delete(build.id);
    const mine = build.agentId === agentId && !build.deletedAt;
    if (!holding) {
      if (build.status === "ASSIGNED") welcome.reassign.push(build.id);
      else await loseBuild(deps, build, "agent restarted without it");
    } else if (mine && (!isTerminal(build.status) || holding.finished)) {
      welcome.resume.push({
        buildId: build.id,
        lastLogSeq: await positions.last("log", build.id),
        lastEventSeq: await positions.last("event", build.id),
      });
    } else welcome.abandon.push(build.id);
  }
  welcome.abandon.push(...held.keys()); // unknown to this server
  return welcome;
}

/**
 * The agent is connected again: ONLINE (or DRAINING), with the facts it
 * reports about its host (arch, version, capacity, checks). Its labels stay
 * the server's.
 */
async function recordHello(
  deps: ServerDeps,
  agentId: string,
  hello: TAgentToServer<"HELLO">,
): Promise<{ labels: Record<string, string>; draining: boolean }> {
  const prisma = deps.db.prisma;
  const agent = await prisma.agent.findUniqueOrThrow({ where: { id: agentId } });
  const labels = storedLabels(agent, "Agent");
  const draining = agent.draining;
  await prisma.agent.update({
    where: { id: agentId },
    data: {
      state: draining ? "DRAINING" : "ONLINE",
      arch: normalizeArch(hello.arch),
      version: hello.version,
      capacity: hello.capacity,
      hostFacts: JSON.stringify({
        ...hello.hostFacts,
        ...(hello.recovered ? { recovered: hello.recovered } : {}),
      }),
      lastSeenAt: deps.now(),
    },
  });
  return { labels, draining };
}
