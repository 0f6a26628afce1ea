import { expect } from "vitest";
import type { TAgentToServer } from "@kiln/protocol";
import { StreamPositions } from "../builds/stream-positions.ts";
import { addAgent, buildOnAgent, createFixture } from "../../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import {
  acceptAssignment,
  acceptBuildEvent,
  acceptBuildFinished,
  acceptLogChunk,
  markAgentDisconnected,
} from "./agent-build-reports.ts";

const finished = (
  buildId: string,
  lastLogSeq: number | null,
  lastEventSeq: number | null,
): TAgentToServer<"BUILD_FINISHED"> => ({
  type: "BUILD_FINISHED",
  v: 1,
  buildId,
  status: "failed",
  error: { code: "HOOK_FAILED", message: "install.d failed", phase: "install.d", exitCode: 3 },
  lastLogSeq,
  lastEventSeq,
  logBytes: 0,
});

describeEachProvider("agent build reports", (provider, run) => {
  const f = useFixture(provider, createFixture);

  const assignedTo = (agentId: string) => buildOnAgent(f, agentId, "ASSIGNED");
  const statusOf = async (id: string) =>
    (await f.db.prisma.build.findUniqueOrThrow({ where: { id } })).status;

  run("ACCEPT starts the build; a cancel asked before it is passed on", async () => {
    const agentId = await addAgent(f, "acceptor");
    const plain = await assignedTo(agentId);
    expect(await acceptAssignment(f.deps, agentId, plain)).toEqual({ cancel: false });
    expect(await statusOf(plain)).toBe("RUNNING");
    // Accepting again (a resend) changes nothing and is not refused.
    expect(await acceptAssignment(f.deps, agentId, plain)).toEqual({ cancel: false });

    const cancelled = await assignedTo(agentId);
    await f.db.prisma.build.update({
      where: { id: cancelled },
      data: { cancelRequestedAt: f.deps.now() },
    });
    expect(await acceptAssignment(f.deps, agentId, cancelled)).toEqual({ cancel: true });

    const intruder = await addAgent(f, "intruder");
    await expect(acceptAssignment(f.deps, intruder, plain)).rejects.toMatchObject({
      code: "CONFLICT",
      message: `build ${plain} is not assigned to this agent`,
    });
  });

  run("log chunks and events are acknowledged cumulatively, resends included", async () => {
    const agentId = await addAgent(f, "streamer");
    const buildId = await assignedTo(agentId);
    await acceptAssignment(f.deps, agentId, buildId);
    const positions = new StreamPositions(f.deps);
    const chunk = (seq: number) => ({ buildId, seq, offset: seq, data: new Uint8Array([65]) });
    const acks = [];
    for (const seq of [0, 1, 3, 1, 2]) {
      acks.push(await acceptLogChunk(f.deps, positions, agentId, chunk(seq)));
    }
    expect(acks).toEqual([0, 1, 1, 1, 3]);
    expect(await f.db.prisma.logChunk.count({ where: { buildId } })).toBe(4);

    const event = { type: "step" as const, t: 1, name: "x" };
    expect(await acceptBuildEvent(f.deps, positions, agentId, { buildId, seq: 1, event })).toBe(
      null,
    );
    // A new connection starts from what the database holds.
    const fresh = new StreamPositions(f.deps);
    expect(await fresh.last("log", buildId)).toBe(3);
    expect(await acceptBuildEvent(f.deps, fresh, agentId, { buildId, seq: 0, event })).toBe(1);

    const other = await addAgent(f, "late");
    await expect(acceptLogChunk(f.deps, positions, other, chunk(4))).rejects.toMatchObject({
      code: "CONFLICT",
    });
  });

  run("BUILD_FINISHED waits for every log chunk and event it names", async () => {
    const agentId = await addAgent(f, "finisher");
    const buildId = await assignedTo(agentId);
    await acceptAssignment(f.deps, agentId, buildId);
    const positions = new StreamPositions(f.deps);
    const data = new Uint8Array([65]);
    await acceptLogChunk(f.deps, positions, agentId, { buildId, seq: 0, offset: 0, data });

    expect(await acceptBuildFinished(f.deps, positions, agentId, finished(buildId, 1, null))).toBe(
      "wait",
    );
    expect(await statusOf(buildId)).toBe("RUNNING");
    await acceptLogChunk(f.deps, positions, agentId, { buildId, seq: 1, offset: 1, data });
    expect(await acceptBuildFinished(f.deps, positions, agentId, finished(buildId, 1, null))).toBe(
      "ack",
    );
    expect(await f.db.prisma.build.findUniqueOrThrow({ where: { id: buildId } })).toMatchObject({
      status: "FAILED",
      failurePhase: "install.d",
      failureExitCode: 3,
      failureMessage: "install.d failed",
    });

    // Another agent's build, or one that is gone: acknowledged so the agent drops it, unchanged.
    const stranger = await addAgent(f, "stranger");
    const theirs = await assignedTo(stranger);
    expect(
      await acceptBuildFinished(f.deps, positions, agentId, finished(theirs, null, null)),
    ).toBe("ack");
    expect(await statusOf(theirs)).toBe("ASSIGNED");
    expect(
      await acceptBuildFinished(f.deps, positions, agentId, finished("gone", null, null)),
    ).toBe("ack");
  });

  run("a disconnected agent is OFFLINE, whether ONLINE or DRAINING", async () => {
    const online = await addAgent(f, "leaving");
    const draining = await addAgent(f, "draining", { state: "DRAINING" });
    for (const id of [online, draining]) {
      await markAgentDisconnected(f.deps, id);
      expect((await f.db.prisma.agent.findUniqueOrThrow({ where: { id } })).state).toBe("OFFLINE");
    }
  });
});
