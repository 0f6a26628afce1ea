import { describe, expect, it } from "vitest";
import { EventBus } from "./event-bus.ts";
import { agentTopic, BUILDS_TOPIC, buildTopic } from "./services/builds/build-topics.ts";

describe("EventBus", () => {
  it("delivers each topic's messages to its subscribers only, until they unsubscribe", () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const off = bus.subscribe(agentTopic("a1"), (command) => seen.push(command.type));
    bus.subscribe(agentTopic("a2"), () => seen.push("wrong agent"));
    bus.subscribe(BUILDS_TOPIC, () => {
      throw new Error("a broken subscriber");
    });
    bus.publish(agentTopic("a1"), { type: "drain" });
    bus.publish(BUILDS_TOPIC, {
      buildId: "b1",
      number: 1,
      status: "QUEUED",
      teamId: null,
      recipeId: null,
      isPublic: false,
      agentId: null,
      waitingReason: null,
      deleted: false,
    });
    // Each topic carries one message type; the typecheck refuses any other.
    // @ts-expect-error an agent topic carries agent commands, not build statuses
    bus.publish(agentTopic("a3"), { kind: "status", status: "RUNNING" });
    // @ts-expect-error not a topic
    bus.publish("nonsense", {});
    off();
    bus.publish(agentTopic("a1"), { type: "resume" });
    expect(seen).toEqual(["drain"]);
  });

  it("listen yields a topic's messages in order until its signal aborts", async () => {
    const bus = new EventBus();
    const stop = new AbortController();
    const stream = bus.listen(buildTopic("b1"), stop.signal);
    const first = stream.next();
    bus.publish(buildTopic("b1"), { kind: "status", status: "RUNNING" });
    bus.publish(buildTopic("b1"), { kind: "status", status: "SUCCEEDED" });
    expect((await first).value).toEqual({ kind: "status", status: "RUNNING" });
    expect((await stream.next()).value).toEqual({ kind: "status", status: "SUCCEEDED" });
    const ended = stream.next();
    stop.abort();
    expect((await ended).done).toBe(true);
  });
});
