import { describe, expect, it } from "vitest";
import { encodeMessage, ProtocolEncodeError } from "./encode-message.ts";
import { encodeLogData } from "./log-data.ts";
import { MAX_FRAME_BYTES, MAX_LOG_CHUNK_BYTES } from "./limits.ts";
import { parseAgentMessage, parseServerMessage } from "./parse-message.ts";
import { SAMPLE_AGENT_MESSAGES, SAMPLE_SERVER_MESSAGES } from "./testing/sample-messages.ts";

describe("encodeMessage", () => {
  it("writes the envelope first and the parsed value (defaults filled, strays dropped)", () => {
    const assign = structuredClone(SAMPLE_SERVER_MESSAGES.ASSIGN);
    const sparse = {
      ...assign,
      request: { elements: ["debian"], arch: "arm64" },
      stray: true,
    } as unknown as typeof assign;
    const frame = encodeMessage(sparse);
    expect(frame.startsWith('{"type":"ASSIGN","v":1,')).toBe(true);
    const r = parseServerMessage(frame);
    expect(r.ok && r.message.type === "ASSIGN" && r.message.request).toMatchObject({
      elements: ["debian"],
      arch: "arm64",
      imageName: "image",
      types: ["qcow2"],
      minTmpfsGb: 2,
    });
    expect(frame).not.toContain("stray");
  });

  it("throws ProtocolEncodeError naming the type and field on a malformed message", () => {
    const bad = { ...SAMPLE_AGENT_MESSAGES.HEARTBEAT, freeSlots: -1 };
    expect(() => encodeMessage(bad)).toThrow(ProtocolEncodeError);
    expect(() => encodeMessage(bad)).toThrow(/^cannot send HEARTBEAT: freeSlots: /);
    expect(() => encodeMessage({ type: "NOPE", v: 1 } as never)).toThrow(
      "cannot send NOPE: unknown message type",
    );
    expect(() => encodeMessage({ type: "toString", v: 1 } as never)).toThrow(
      /unknown message type/,
    );
    expect(() => encodeMessage(null as never)).toThrow(/unknown message type/);
  });

  it("refuses a frame over the limit instead of letting the peer drop it", () => {
    const many = Array.from({ length: 20_000 }, (_, i) => ({
      name: `package-with-a-long-name-${i}`,
      version: "1.2.3-4+deb12u5~really.long.version",
      arch: "amd64",
    }));
    const manifest = { ...SAMPLE_AGENT_MESSAGES.MANIFEST, packages: many };
    expect(() => encodeMessage(manifest)).toThrow(/over the 1048576-byte limit/);
    expect(() => encodeMessage(SAMPLE_AGENT_MESSAGES.HELLO, { maxBytes: 50 })).toThrow(
      /over the 50-byte limit/,
    );
  });

  it("fits the largest log chunk in one frame, and refuses a byte more", () => {
    const chunk = {
      ...SAMPLE_AGENT_MESSAGES.LOG_CHUNK,
      buildId: "b".repeat(128),
      seq: Number.MAX_SAFE_INTEGER,
      offset: Number.MAX_SAFE_INTEGER,
      data: encodeLogData(new Uint8Array(MAX_LOG_CHUNK_BYTES).fill(0xff)),
    };
    const frame = encodeMessage(chunk);
    expect(Buffer.byteLength(frame)).toBeLessThan(MAX_FRAME_BYTES);
    expect(parseAgentMessage(frame).ok).toBe(true);
    const over = { ...chunk, data: encodeLogData(new Uint8Array(MAX_LOG_CHUNK_BYTES + 3)) };
    expect(() => encodeMessage(over)).toThrow(/data: log chunk over 524288 bytes/);
  });
});
