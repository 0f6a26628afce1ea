import { describe, expect, it } from "vitest";
import { encodeMessage } from "./encode-message.ts";
import { decodeLogData, encodeLogData } from "./log-data.ts";
import { parseAgentMessage } from "./parse-message.ts";
import { SAMPLE_AGENT_MESSAGES } from "./testing/sample-messages.ts";

describe("log data", () => {
  it("carries arbitrary bytes through a LOG_CHUNK byte for byte", () => {
    // Every byte value, a UTF-8 sequence cut in half, and a view into a larger buffer.
    const all = new Uint8Array(256).map((_, i) => i);
    const backing = new Uint8Array([9, 9, 0xe2, 0x9c, 0x93, 0xe2, 0x9c, 9]);
    const cut = backing.subarray(2, 7);
    for (const bytes of [all, cut, new Uint8Array([0])]) {
      const msg = { ...SAMPLE_AGENT_MESSAGES.LOG_CHUNK, data: encodeLogData(bytes) };
      const r = parseAgentMessage(encodeMessage(msg));
      if (!r.ok || r.message.type !== "LOG_CHUNK") throw new Error("LOG_CHUNK did not parse");
      expect(Buffer.compare(decodeLogData(r.message.data), Buffer.from(bytes))).toBe(0);
    }
  });

  it("refuses empty, unpadded and url-safe base64", () => {
    for (const data of ["", "YQ", "a-_b", "YQ==YQ=="]) {
      const r = parseAgentMessage(JSON.stringify({ ...SAMPLE_AGENT_MESSAGES.LOG_CHUNK, data }));
      expect(r.ok, data).toBe(false);
    }
  });
});
