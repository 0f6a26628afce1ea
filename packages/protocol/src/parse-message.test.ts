import { describe, expect, it } from "vitest";
import { AgentToServer } from "./agent-to-server.ts";
import { encodeMessage } from "./encode-message.ts";
import { MAX_FRAME_BYTES } from "./limits.ts";
import {
  errorFrameFor,
  parseAgentMessage,
  parseServerMessage,
  type TParseResult,
} from "./parse-message.ts";
import { ServerToAgent } from "./server-to-agent.ts";
import { SAMPLE_AGENT_MESSAGES, SAMPLE_SERVER_MESSAGES } from "./testing/sample-messages.ts";

const hello = SAMPLE_AGENT_MESSAGES.HELLO;

function errorOf(r: TParseResult<unknown>) {
  if (r.ok) throw new Error(`expected a parse error, got ${JSON.stringify(r.message)}`);
  return r.error;
}

describe("round trips", () => {
  it("has a sample for every catalog entry", () => {
    expect(Object.keys(SAMPLE_AGENT_MESSAGES).sort()).toEqual(Object.keys(AgentToServer).sort());
    expect(Object.keys(SAMPLE_SERVER_MESSAGES).sort()).toEqual(Object.keys(ServerToAgent).sort());
  });

  for (const [type, msg] of Object.entries(SAMPLE_AGENT_MESSAGES)) {
    it(`agent → server ${type}`, () => {
      const r = parseAgentMessage(encodeMessage(msg));
      expect(r).toEqual({ ok: true, message: msg });
    });
  }
  for (const [type, msg] of Object.entries(SAMPLE_SERVER_MESSAGES)) {
    it(`server → agent ${type}`, () => {
      const r = parseServerMessage(encodeMessage(msg));
      expect(r).toEqual({ ok: true, message: msg });
    });
  }

  it("reads Buffer, ArrayBuffer and fragmented frames like text", () => {
    const text = encodeMessage(hello);
    const buf = Buffer.from(text);
    const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
    const parts = [buf.subarray(0, 7), buf.subarray(7, 100), buf.subarray(100)];
    for (const raw of [buf, new Uint8Array(buf), ab, parts]) {
      expect(parseAgentMessage(raw)).toEqual({ ok: true, message: hello });
    }
  });

  it("drops unknown keys so a newer peer may add optional fields", () => {
    const r = parseAgentMessage(JSON.stringify({ ...hello, futureField: { x: 1 } }));
    expect(r).toEqual({ ok: true, message: hello });
  });
});

describe("invalid frames", () => {
  it("BAD_JSON for text that is not JSON, bytes that are not UTF-8, and non-frames", () => {
    expect(errorOf(parseAgentMessage("{type:")).code).toBe("BAD_JSON");
    expect(errorOf(parseAgentMessage("")).code).toBe("BAD_JSON");
    const notUtf8 = errorOf(parseAgentMessage(Buffer.from([0x7b, 0xff, 0x7d])));
    expect(notUtf8).toEqual({ code: "BAD_JSON", message: "frame is not valid UTF-8" });
    expect(errorOf(parseAgentMessage(42 as never)).message).toBe(
      "frame must be text or bytes, got number",
    );
  });

  it("INVALID for JSON that is not an object with a string type", () => {
    for (const raw of ["null", "[]", "3", '"HELLO"', "{}", '{"type":5,"v":1}']) {
      expect(errorOf(parseAgentMessage(raw)).code, raw).toBe("INVALID");
    }
    expect(errorOf(parseAgentMessage('{"type":5}')).message).toBe(
      'frame has no string "type" (got number)',
    );
  });

  it("UNKNOWN_TYPE names the type, and says when it belongs to the other direction", () => {
    expect(errorOf(parseAgentMessage('{"type":"NOPE","v":1}'))).toEqual({
      code: "UNKNOWN_TYPE",
      message: 'unknown agent → server message type "NOPE"',
      type: "NOPE",
    });
    expect(errorOf(parseAgentMessage(encodeMessage(SAMPLE_SERVER_MESSAGES.ASSIGN)))).toEqual({
      code: "UNKNOWN_TYPE",
      message: "ASSIGN is not an agent → server message",
      type: "ASSIGN",
    });
    expect(errorOf(parseServerMessage(encodeMessage(hello))).code).toBe("UNKNOWN_TYPE");
    // Object.prototype names are not catalog entries.
    for (const t of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      expect(errorOf(parseAgentMessage(`{"type":"${t}","v":1}`)).code, t).toBe("UNKNOWN_TYPE");
    }
    const long = errorOf(parseAgentMessage(JSON.stringify({ type: "X".repeat(10_000), v: 1 })));
    expect(long.type).toHaveLength(64);
    expect(long.message.length).toBeLessThan(200);
  });

  it("BAD_VERSION for a known type with a missing or unsupported v", () => {
    for (const v of [undefined, 0, 2, "1", 1.5, null]) {
      const e = errorOf(parseAgentMessage(JSON.stringify({ ...hello, v })));
      expect(e.code, String(v)).toBe("BAD_VERSION");
      expect(e.type).toBe("HELLO");
    }
    expect(errorOf(parseAgentMessage(JSON.stringify({ ...hello, v: 2 }))).message).toBe(
      "HELLO v=2 is not supported (this side reads v1)",
    );
  });

  it("INVALID names the message and the field path", () => {
    const bad = { ...SAMPLE_AGENT_MESSAGES.LOG_CHUNK, seq: -1 };
    const e = errorOf(parseAgentMessage(JSON.stringify(bad)));
    expect(e.code).toBe("INVALID");
    expect(e.type).toBe("LOG_CHUNK");
    expect(e.message).toMatch(/^LOG_CHUNK\.seq: /);

    const badData = { ...SAMPLE_AGENT_MESSAGES.LOG_CHUNK, data: "abc!" };
    expect(errorOf(parseAgentMessage(JSON.stringify(badData))).message).toBe(
      "LOG_CHUNK.data: expected base64",
    );
    const nested = structuredClone(hello) as unknown as { hostFacts: { preflight: unknown[] } };
    nested.hostFacts.preflight[1] = { name: "x", ok: "yes" };
    expect(errorOf(parseAgentMessage(JSON.stringify(nested))).message).toMatch(
      /^HELLO\.hostFacts\.preflight\.1\.ok: /,
    );
    const event = { ...SAMPLE_AGENT_MESSAGES.BUILD_EVENT, event: { type: "nope", t: 1 } };
    expect(errorOf(parseAgentMessage(JSON.stringify(event))).message).toMatch(
      /^BUILD_EVENT\.event\.type: /,
    );
  });

  it("ASSIGN refuses duplicate env names and a bad build request", () => {
    const a = structuredClone(SAMPLE_SERVER_MESSAGES.ASSIGN);
    a.env.push({ name: "API_KEY", value: "x", secret: false });
    expect(errorOf(parseServerMessage(JSON.stringify(a))).message).toBe(
      "ASSIGN.env: duplicate variable name",
    );
    const b = structuredClone(SAMPLE_SERVER_MESSAGES.ASSIGN);
    b.request.elements = [];
    expect(errorOf(parseServerMessage(JSON.stringify(b))).message).toMatch(
      /^ASSIGN\.request\.elements: At least one distribution root element/,
    );
  });

  it("TOO_LARGE is decided before decoding, for text and bytes, with a configurable limit", () => {
    const big = JSON.stringify({ ...hello, pad: "x".repeat(MAX_FRAME_BYTES) });
    expect(errorOf(parseAgentMessage(big)).code).toBe("TOO_LARGE");
    expect(errorOf(parseAgentMessage(Buffer.from(big))).code).toBe("TOO_LARGE");
    expect(errorOf(parseAgentMessage([Buffer.from(big), Buffer.from("x")])).code).toBe("TOO_LARGE");
    // Not JSON at all, yet TOO_LARGE: the size check comes first.
    expect(errorOf(parseAgentMessage("{".repeat(MAX_FRAME_BYTES + 1))).code).toBe("TOO_LARGE");
    // Multi-byte text under the length bound but over the byte bound.
    const wide = JSON.stringify({ ...hello, name: "é".repeat(600) });
    expect(errorOf(parseAgentMessage(wide, { maxBytes: wide.length + 10 })).code).toBe("TOO_LARGE");
    const small = encodeMessage(hello);
    expect(errorOf(parseAgentMessage(small, { maxBytes: 100 })).message).toBe(
      `frame of at least ${small.length} bytes is over the 100-byte limit`,
    );
    expect(parseAgentMessage(small, { maxBytes: small.length }).ok).toBe(true);
  });

  it("survives pathological nesting within the limit", () => {
    const deep = "[".repeat(500_000) + "]".repeat(500_000);
    expect(errorOf(parseAgentMessage(deep)).code).toBe("INVALID");
    const deepField = `{"type":"HEARTBEAT","v":1,"running":${"[".repeat(400_000)}${"]".repeat(400_000)},"freeSlots":1,"draining":false}`;
    expect(errorOf(parseAgentMessage(deepField)).code).toBe("INVALID");
  });
});

describe("errorFrameFor", () => {
  it("turns a parse error into an ERROR frame valid in both directions", () => {
    const e = errorOf(parseAgentMessage('{"type":"NOPE","v":1}'));
    const frame = encodeMessage(errorFrameFor(e));
    const expected = {
      type: "ERROR",
      v: 1,
      code: "UNKNOWN_TYPE",
      message: e.message,
      refType: "NOPE",
    };
    expect(parseServerMessage(frame)).toEqual({ ok: true, message: expected });
    expect(parseAgentMessage(frame)).toEqual({ ok: true, message: expected });
    const noType = errorFrameFor(errorOf(parseAgentMessage("nope")));
    expect(noType).not.toHaveProperty("refType");
  });
});
