/**
 * Seeded hostile frames for the gateway (fast-check arbitraries, sampled
 * with a fixed seed so a failure reproduces): bad JSON, random binary, JSON
 * that is not an object, wrong field types, unknown and server-direction
 * types, bad versions, text frames that are not UTF-8, frames at and over
 * the size limit, HELLOs that lie, and valid-looking frames about a build
 * the sender does not own (another agent's running build).
 */
import fc from "fast-check";
import {
  encodeLogData,
  MAX_FRAME_BYTES,
  parseAgentMessage,
  type TAgentToServer,
} from "@kiln/protocol";
import { SAMPLE_AGENT_MESSAGES, SAMPLE_EVENTS } from "@kiln/protocol/testing/sample-messages";

export interface TAbuseFrame {
  kind: string;
  data: string | Buffer;
  /** Sent as a binary frame (else text; a Buffer sent as text need not be UTF-8). */
  binary: boolean;
}

export interface TAbuseTargets {
  /** A build running on another agent. */
  victimBuildId: string;
  /** That other agent's id (a HELLO claiming it must be refused). */
  victimAgentId: string;
}

type TJson = Record<string, unknown>;
const sampleTypes = Object.keys(SAMPLE_AGENT_MESSAGES) as (keyof typeof SAMPLE_AGENT_MESSAGES)[];
const text = (kind: string, data: string): TAbuseFrame => ({ kind, data, binary: false });
const json = (kind: string, value: unknown): TAbuseFrame => text(kind, JSON.stringify(value));

export function abuseFrames(t: TAbuseTargets, count: number, seed: number): TAbuseFrame[] {
  const victim = t.victimBuildId;
  const anyBuild = fc.oneof(fc.constant(victim), fc.string({ minLength: 1, maxLength: 30 }));
  const sample = fc
    .constantFrom(...sampleTypes)
    .map((k) => structuredClone(SAMPLE_AGENT_MESSAGES[k]) as TJson);

  const badJson = fc
    .tuple(
      fc.string({ maxLength: 300 }),
      fc.constantFrom("{", "[", '{"type":', '{"type":"LOG_CHUNK",', "\u0000"),
    )
    .map(([s, prefix]) => text("bad-json", prefix + s));
  const truncated = sample.chain((m) =>
    fc
      .nat({ max: JSON.stringify(m).length - 2 })
      .map((n) => text("truncated", JSON.stringify(m).slice(0, n))),
  );
  const binary = fc
    .uint8Array({ minLength: 1, maxLength: 4096 })
    .map((b): TAbuseFrame => ({ kind: "binary", data: Buffer.from(b), binary: true }));
  const notUtf8Text = fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b): TAbuseFrame => ({
    kind: "text-not-utf8",
    data: Buffer.concat([Buffer.from(b), Buffer.from([0xff])]),
    binary: false,
  }));
  const notObject = fc
    .oneof(fc.jsonValue(), fc.array(fc.jsonValue(), { maxLength: 5 }))
    .filter((v) => typeof v !== "object" || v === null || Array.isArray(v))
    .map((v) => json("not-object", v));
  const wrongField = fc
    .tuple(sample, fc.jsonValue({ maxDepth: 2 }), fc.nat())
    .map(([m, junk, i]) => {
      const keys = Object.keys(m).filter((k) => k !== "type");
      m[keys[i % keys.length]!] = junk;
      return json("wrong-field", m);
    });
  const badType = fc
    .tuple(
      sample,
      fc.oneof(
        fc.constantFrom(
          "WELCOME",
          "ASSIGN",
          "CANCEL",
          "LOG_ACK",
          "hello",
          "",
          "__proto__",
          "constructor",
        ),
        fc.string({ maxLength: 80 }),
        fc.integer(),
      ),
    )
    .map(([m, type]) => json("bad-type", { ...m, type }));
  const badVersion = fc
    .tuple(sample, fc.oneof(fc.integer({ min: 2 }), fc.constant(0), fc.string(), fc.constant(null)))
    .map(([m, v]) => json("bad-version", { ...m, v }));

  // Valid frames about a build this sender does not own (or that does not exist).
  const forVictim = fc.oneof(
    fc
      .record({ seq: fc.nat({ max: 200 }), offset: fc.nat({ max: 1 << 20 }), b: anyBuild })
      .map(({ seq, offset, b }) =>
        json("foreign-log", {
          type: "LOG_CHUNK",
          v: 1,
          buildId: b,
          seq,
          offset,
          data: encodeLogData(Buffer.from(`EVIL ${seq}\n`)),
        }),
      ),
    fc
      .record({ seq: fc.nat({ max: 200 }), e: fc.constantFrom(...SAMPLE_EVENTS), b: anyBuild })
      .map(({ seq, e, b }) =>
        json("foreign-event", { type: "BUILD_EVENT", v: 1, buildId: b, seq, event: e }),
      ),
    fc
      .constantFrom<TAgentToServer>(
        {
          ...SAMPLE_AGENT_MESSAGES.BUILD_FINISHED,
          buildId: victim,
          status: "failed",
          lastLogSeq: 0,
          lastEventSeq: 0,
        },
        { ...SAMPLE_AGENT_MESSAGES.ACCEPT, buildId: victim },
        { ...SAMPLE_AGENT_MESSAGES.REJECT, buildId: victim },
        { ...SAMPLE_AGENT_MESSAGES.MANIFEST, buildId: victim },
        { ...SAMPLE_AGENT_MESSAGES.ARTIFACT_READY, buildId: victim },
        { ...SAMPLE_AGENT_MESSAGES.HEARTBEAT, running: [victim] },
        { ...SAMPLE_AGENT_MESSAGES.ERROR },
      )
      .map((m) => json("foreign-other", m)),
  );
  const hello = (agentId?: string) => {
    const h = structuredClone(SAMPLE_AGENT_MESSAGES.HELLO) as TJson;
    delete h.agentId;
    if (agentId) h.agentId = agentId;
    return h;
  };
  const hellos = fc.oneof(
    { weight: 30, arbitrary: fc.constant(json("hello", hello())) },
    {
      weight: 10,
      arbitrary: fc.constant(
        json("hello-claims-victim", {
          ...hello(),
          builds: [{ buildId: victim, lastLogSeq: 0, lastEventSeq: 0, finished: true }],
        }),
      ),
    },
    { weight: 1, arbitrary: fc.constant(json("hello-impostor", hello(t.victimAgentId))) },
    { weight: 1, arbitrary: fc.constant(json("hello-no-version", { ...hello(), protocols: [7] })) },
  );

  // Weights: mostly garbage and foreign frames; the frames that end a socket at once are rare.
  const frame = fc.oneof(
    { weight: 60, arbitrary: badJson },
    { weight: 30, arbitrary: truncated },
    { weight: 50, arbitrary: binary },
    { weight: 1, arbitrary: notUtf8Text },
    { weight: 30, arbitrary: notObject },
    { weight: 70, arbitrary: wrongField },
    { weight: 30, arbitrary: badType },
    { weight: 25, arbitrary: badVersion },
    { weight: 180, arbitrary: forVictim },
    { weight: 50, arbitrary: hellos },
  );
  const frames = fc.sample(frame, { seed, numRuns: count });
  // Size-limit frames at fixed places: 1 MiB exactly (parsed) and one byte over (refused by the socket).
  for (let i = 199; i < frames.length; i += 400) frames[i] = atLimit(victim, i % 800 === 199);
  for (let i = 997; i < frames.length; i += 2000) {
    frames[i] = { kind: "over-limit", data: Buffer.alloc(MAX_FRAME_BYTES + 1, 0x7b), binary: true };
  }
  return frames;
}

/** A frame of exactly MAX_FRAME_BYTES: valid-looking JSON padded, or junk. */
function atLimit(victim: string, valid: boolean): TAbuseFrame {
  if (!valid)
    return { kind: "at-limit-junk", data: Buffer.alloc(MAX_FRAME_BYTES, 0x5b), binary: true };
  const base = JSON.stringify({
    type: "LOG_CHUNK",
    v: 1,
    buildId: victim,
    seq: 7,
    offset: 0,
    data: "",
    pad: "",
  });
  const pad = "x".repeat(MAX_FRAME_BYTES - Buffer.byteLength(base));
  return text("at-limit-json", base.replace('"pad":""', `"pad":"${pad}"`));
}

/**
 * What the gateway should do with `f` on a session that has (or has not yet)
 * had a HELLO: count it as bad, close with a code, or accept it.
 */
export function expectedVerdict(
  f: TAbuseFrame,
  o: { helloed: boolean; agentId: string },
): { bad: boolean; closes?: number; hello?: boolean } {
  const bytes = typeof f.data === "string" ? Buffer.byteLength(f.data) : f.data.length;
  if (bytes > MAX_FRAME_BYTES) return { bad: false, closes: 1009 }; // ws maxPayload
  if (!f.binary && typeof f.data !== "string") {
    // A text frame must be UTF-8: ws closes with 1007 before the session sees it.
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(f.data);
    } catch {
      return { bad: false, closes: 1007 };
    }
  }
  const parsed = parseAgentMessage(
    typeof f.data === "string" || f.binary ? f.data : f.data.toString(),
  );
  if (!parsed.ok) return { bad: true };
  const m = parsed.message;
  if (m.type === "HELLO") {
    if (m.agentId !== undefined && m.agentId !== o.agentId) return { bad: false, closes: 4001 };
    if (!m.protocols.includes(1)) return { bad: false, closes: 4003 };
    return { bad: false, hello: true };
  }
  return { bad: !o.helloed };
}
