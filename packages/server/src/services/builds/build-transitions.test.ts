import { describe, expect, it } from "vitest";
import { finishBuild, finishedColumns, requeueRejected, startBuild } from "./build-transitions.ts";
import { addAgent, buildOnAgent, createFixture } from "../../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";

describe("finishedColumns", () => {
  const at = new Date("2026-03-01T10:00:00Z");
  it("gives the final status and, for a failure, what failed", () => {
    expect(finishedColumns({ status: "succeeded" }, at)).toEqual({
      status: "SUCCEEDED",
      finishedAt: at,
      waitingReason: null,
    });
    expect(
      finishedColumns(
        { status: "failed", error: { message: "boom", element: "vm", script: "10-x" } },
        at,
      ),
    ).toEqual({
      status: "FAILED",
      finishedAt: at,
      waitingReason: null,
      failurePhase: null,
      failureElement: "vm",
      failureScript: "10-x",
      failureExitCode: null,
      failureMessage: "boom",
    });
  });
});

describeEachProvider("build transitions", (provider, run) => {
  const f = useFixture(provider, createFixture);

  const assignedTo = (agentId: string) => buildOnAgent(f, agentId, "ASSIGNED");
  const buildOf = (id: string) => f.db.prisma.build.findUniqueOrThrow({ where: { id } });

  run("REJECT puts the build back in the queue, saying why; only from its agent", async () => {
    const agentId = await addAgent(f, "picky");
    const id = await assignedTo(agentId);
    const reject = { buildId: id, code: "HOST_NOT_READY" as const, reason: "no /dev/kvm" };
    expect(await requeueRejected(f.deps, "someone-else", reject)).toBe(false);
    expect(await requeueRejected(f.deps, agentId, reject)).toBe(true);
    expect(await buildOf(id)).toMatchObject({
      status: "QUEUED",
      agentId: null,
      assignedAt: null,
      waitingReason: "rejected by an agent (HOST_NOT_READY): no /dev/kvm",
    });
    expect(f.published(`build:${id}`)).toContainEqual({ kind: "status", status: "QUEUED" });
  });

  run("BUILD_FINISHED ends a running build once; a final status stays", async () => {
    const agentId = await addAgent(f, "finisher");
    const id = await assignedTo(agentId);
    expect(await startBuild(f.deps, agentId, id)).toBe(true);
    expect(await startBuild(f.deps, agentId, id)).toBe(false);
    const message = {
      type: "BUILD_FINISHED" as const,
      v: 1 as const,
      buildId: id,
      status: "cancelled" as const,
      lastLogSeq: null,
      lastEventSeq: null,
      logBytes: 0,
    };
    expect(await finishBuild(f.deps, message)).toBe(true);
    expect(await finishBuild(f.deps, { ...message, status: "succeeded" })).toBe(false);
    expect((await buildOf(id)).status).toBe("CANCELLED");
  });
});
