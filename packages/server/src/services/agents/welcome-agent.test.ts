import { expect } from "vitest";
import type { TAgentToServer } from "@kiln/protocol";
import { addAgent, createFixture } from "../../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { welcomeAgent } from "./welcome-agent.ts";

type THeld = TAgentToServer<"HELLO">["builds"][number];

function hello(builds: THeld[] = []): TAgentToServer<"HELLO"> {
  return {
    type: "HELLO",
    v: 1,
    name: "builder",
    version: "0.2.0",
    arch: "x86_64",
    labels: { kvm: "yes" },
    capacity: 3,
    protocols: [1],
    hostFacts: {
      hostname: "builder",
      os: "Debian",
      kernel: "6.1",
      cpus: 2,
      memoryBytes: 1 << 30,
      root: true,
      canBuild: true,
      preflight: [],
    },
    builds,
  };
}

const held = (buildId: string, finished = false): THeld => ({
  buildId,
  lastLogSeq: null,
  lastEventSeq: null,
  finished,
});

describeEachProvider("welcomeAgent", (provider, run) => {
  const f = useFixture(provider, createFixture);

  /** A build in `status` on `agentId`, with the given log chunks stored. */
  async function buildOn(agentId: string | null, status: string, logSeqs: number[] = []) {
    const { id } = await f.caller(f.users.alice).builds.create({
      teamId: f.teamA,
      request: { elements: ["ubuntu"], arch: "amd64" },
    });
    await f.db.prisma.build.update({ where: { id }, data: { status, agentId } });
    for (const seq of logSeqs) {
      await f.db.prisma.logChunk.create({
        data: { buildId: id, seq, offset: seq, data: Buffer.from("x") },
      });
    }
    return id;
  }

  run(
    "records what the agent says but keeps its labels; a drained agent stays drained",
    async () => {
      const agentId = await addAgent(f, "builder", {
        labels: { zone: "eu", kvm: "no" },
        state: "OFFLINE",
      });
      const welcome = await welcomeAgent(f.deps, agentId, hello());
      // HELLO says kvm=yes: routing labels are the server's, so it stays "no".
      expect(welcome).toEqual({
        labels: { zone: "eu", kvm: "no" },
        draining: false,
        resume: [],
        abandon: [],
        reassign: [],
      });
      const row = await f.db.prisma.agent.findUniqueOrThrow({ where: { id: agentId } });
      expect(row).toMatchObject({ state: "ONLINE", arch: "amd64", capacity: 3, version: "0.2.0" });
      expect(JSON.parse(row.labels)).toEqual({ zone: "eu", kvm: "no" });

      await f.db.prisma.agent.update({ where: { id: agentId }, data: { draining: true } });
      expect((await welcomeAgent(f.deps, agentId, hello())).draining).toBe(true);
      expect((await f.db.prisma.agent.findUniqueOrThrow({ where: { id: agentId } })).state).toBe(
        "DRAINING",
      );
    },
  );

  run("resumes its builds, abandons others', re-sends ASSIGNs, loses the rest", async () => {
    const agentId = await addAgent(f, "returning", { capacity: 4 });
    const other = await addAgent(f, "someone-else");
    const running = await buildOn(agentId, "RUNNING", [0, 1, 3]);
    const finishedHere = await buildOn(agentId, "SUCCEEDED");
    const endedElsewhere = await buildOn(agentId, "CANCELLED");
    const othersBuild = await buildOn(other, "RUNNING");
    const neverAccepted = await buildOn(agentId, "ASSIGNED");
    const forgotten = await buildOn(agentId, "RUNNING");

    const welcome = await welcomeAgent(
      f.deps,
      agentId,
      hello([
        held(running),
        held(finishedHere, true),
        held(endedElsewhere),
        held(othersBuild),
        held("unknown-build"),
      ]),
    );
    expect(welcome.resume).toEqual([
      { buildId: running, lastLogSeq: 1, lastEventSeq: null },
      { buildId: finishedHere, lastLogSeq: null, lastEventSeq: null },
    ]);
    expect([...welcome.abandon].sort()).toEqual(
      [endedElsewhere, othersBuild, "unknown-build"].sort(),
    );
    expect(welcome.reassign).toEqual([neverAccepted]);
    const lost = await f.db.prisma.build.findUniqueOrThrow({ where: { id: forgotten } });
    expect(lost).toMatchObject({ status: "QUEUED", agentId: null, requeueCount: 1 });
    expect(lost.waitingReason).toBe("requeued: agent restarted without it");
    expect(f.published(`agent:${agentId}`)).toContainEqual({ type: "cancel", buildId: forgotten });
    // Untouched: the other agent's build and the one still to be (re)assigned.
    expect((await f.db.prisma.build.findUniqueOrThrow({ where: { id: othersBuild } })).status).toBe(
      "RUNNING",
    );
    expect(
      (await f.db.prisma.build.findUniqueOrThrow({ where: { id: neverAccepted } })).status,
    ).toBe("ASSIGNED");
  });
});
