/**
 * The session as a protocol adapter, over a recording transport instead of
 * a socket: frames in, replies out, service refusals as protocol ERRORs.
 */
import { expect } from "vitest";
import {
  CLOSE_CODES,
  encodeLogData,
  type TAgentToServer,
  type TServerToAgent,
} from "@kiln/protocol";
import { addAgent, createFixture } from "../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../testing/describe-each-provider.ts";
import { AgentSession } from "./agent-session.ts";
import { hello } from "../testing/fake-agent.ts";

describeEachProvider("AgentSession", (provider, run) => {
  const f = useFixture(provider, createFixture);

  /** A session over a transport that records what it is asked to send and close. */
  async function open(name: string) {
    const agentId = await addAgent(f, name);
    const sent: TServerToAgent[] = [];
    const closes: number[] = [];
    const session = new AgentSession(
      f.deps,
      agentId,
      {
        send: (frame) => sent.push(JSON.parse(frame) as TServerToAgent),
        close: (code) => closes.push(code),
      },
      { heartbeatIntervalMs: 7000, maxBadFrames: 2, badFrameWindowMs: 60_000, uploaded: new Map() },
    );
    const frame = (message: TAgentToServer) => session.frame(JSON.stringify(message));
    /** Waits until `count` replies have been sent (frames are handled asynchronously, in order). */
    const replies = async (count: number) => {
      await expect.poll(() => sent.length).toBeGreaterThanOrEqual(count);
      return sent;
    };
    return { agentId, session, sent, closes, frame, replies };
  }

  run("welcomes after HELLO; a report before it is refused with NOT_HELLO", async () => {
    const s = await open("greeter");
    s.frame({ type: "ACCEPT", v: 1, buildId: "b" });
    s.frame(hello("greeter"));
    expect((await s.replies(2)).map((m) => m.type)).toEqual(["ERROR", "WELCOME"]);
    expect(s.sent[0]).toMatchObject({ code: "NOT_HELLO", refType: "ACCEPT" });
    expect(s.sent[1]).toMatchObject({ agentId: s.agentId, protocol: 1, heartbeatIntervalMs: 7000 });
  });

  run("closes on another agent's id or no common protocol version", async () => {
    const mismatch = await open("impostor");
    mismatch.frame({ ...hello("impostor"), agentId: "someone-else" });
    expect((await mismatch.replies(1))[0]).toMatchObject({ type: "ERROR", code: "INVALID" });
    expect(mismatch.closes).toEqual([CLOSE_CODES.UNAUTHORIZED]);

    const future = await open("future");
    future.frame({ ...hello("future"), protocols: [9] });
    expect((await future.replies(1))[0]).toMatchObject({
      type: "ERROR",
      code: "UNSUPPORTED_VERSION",
    });
    expect(future.closes).toEqual([CLOSE_CODES.UNSUPPORTED_VERSION]);
  });

  run("answers a service's refusal as the protocol's ERROR for that build", async () => {
    const s = await open("reporter");
    s.frame(hello("reporter"));
    const chunk = {
      type: "LOG_CHUNK",
      v: 1,
      seq: 0,
      offset: 0,
      data: encodeLogData(Buffer.from("x")),
    } as const;
    s.frame({ ...chunk, buildId: "no-such-build" });
    const { id } = await f.caller(f.users.alice).builds.create({
      teamId: f.teamA,
      request: { elements: ["ubuntu"], arch: "amd64" },
    });
    s.frame({ ...chunk, buildId: id });
    await s.replies(3);
    await s.session.ended(false);
    expect(s.sent.filter((m) => m.type === "ERROR")).toEqual([
      expect.objectContaining({
        code: "UNKNOWN_BUILD",
        refType: "LOG_CHUNK",
        buildId: "no-such-build",
      }),
      expect.objectContaining({ code: "NOT_ASSIGNED", refType: "LOG_CHUNK", buildId: id }),
    ]);
    // Not replaced: the agent is OFFLINE once its session ended.
    expect((await f.db.prisma.agent.findUniqueOrThrow({ where: { id: s.agentId } })).state).toBe(
      "OFFLINE",
    );
  });

  run("closes after too many invalid frames", async () => {
    const s = await open("noisy");
    for (let i = 0; i < 3; i++) s.session.frame("{not json");
    expect(s.closes).toEqual([CLOSE_CODES.PROTOCOL_ABUSE]);
    expect(s.sent.map((m) => m.type)).toEqual(["ERROR", "ERROR", "ERROR"]);
  });
});
