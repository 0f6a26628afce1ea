/**
 * Property tests for "the parsers never throw": 10,000 cases per kind of
 * input. Besides not throwing, every answer must be well formed, every
 * failure must make a sendable ERROR frame, and whatever a parser accepts
 * must survive encodeMessage and parse to the same value (so the gateway can
 * never accept something it cannot forward).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AgentToServer } from "./agent-to-server.ts";
import { encodeMessage } from "./encode-message.ts";
import {
  errorFrameFor,
  parseAgentMessage,
  parseServerMessage,
  type TParseResult,
  type TRawFrame,
} from "./parse-message.ts";
import { ServerToAgent } from "./server-to-agent.ts";
import { ALL_SAMPLES } from "./testing/sample-messages.ts";

const RUNS = 10_000;
const CODES = ["TOO_LARGE", "BAD_JSON", "UNKNOWN_TYPE", "BAD_VERSION", "INVALID"];

function checkResult(r: TParseResult<unknown>): void {
  if (r.ok) {
    const again = r.message as Parameters<typeof encodeMessage>[0];
    const frame = encodeMessage(again);
    const back = again.type in AgentToServer ? parseAgentMessage(frame) : parseServerMessage(frame);
    expect(back).toEqual({ ok: true, message: again });
    return;
  }
  expect(CODES).toContain(r.error.code);
  expect(r.error.message.length).toBeGreaterThan(0);
  expect(r.error.message).not.toContain("\n");
  encodeMessage(errorFrameFor(r.error));
}

function parseBoth(raw: TRawFrame): void {
  checkResult(parseAgentMessage(raw));
  checkResult(parseServerMessage(raw));
}

/** Every path into a JSON value, root included. */
function pathsOf(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out = [at];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...at, i])));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...at, k]));
  }
  return out;
}

type Mutation = { op: "set" | "delete" | "add"; pick: number; key: string; value: unknown };

function mutate(root: unknown, mutation: Mutation): unknown {
  // A copy, so adding a value into itself cannot make a cycle.
  const m = { ...mutation, value: structuredClone(mutation.value) };
  const paths = pathsOf(root);
  const path = paths[m.pick % paths.length]!;
  if (path.length === 0) return m.op === "set" ? m.value : root;
  let parent = root as Record<string | number, unknown>;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (m.op === "set") parent[last] = m.value;
  else if (m.op === "delete") {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    const target = parent[last];
    if (target && typeof target === "object" && !Array.isArray(target)) {
      (target as Record<string, unknown>)[m.key] = m.value;
    } else if (Array.isArray(target)) target.push(m.value);
  }
  return root;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom("set" as const, "delete" as const, "add" as const),
  pick: fc.nat(),
  key: fc.oneof(fc.constantFrom("type", "v", "__proto__", "constructor", "buildId"), fc.string()),
  value: fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(-1, 0, 1, 2, 1.5, 2 ** 53, -(2 ** 53), "", "HELLO", null, [], {}),
  ),
});

const sample = fc.constantFrom(...ALL_SAMPLES.map(([, m]) => m));
const allTypes = [...Object.keys(AgentToServer), ...Object.keys(ServerToAgent)];

describe("parsers never throw", { timeout: 120_000 }, () => {
  it("on random strings", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" })),
        (s) => parseBoth(s),
      ),
      { numRuns: RUNS },
    );
  });

  it("on random bytes, whole or fragmented", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 512 }),
          fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 5 }),
        ),
        (bytes) => parseBoth(Array.isArray(bytes) ? bytes.map((b) => Buffer.from(b)) : bytes),
      ),
      { numRuns: RUNS },
    );
  });

  it("on random JSON values and objects with catalog types", () => {
    const framed = fc.record(
      {
        type: fc.oneof(fc.constantFrom(...allTypes), fc.string()),
        v: fc.oneof(fc.constant(1), fc.jsonValue({ maxDepth: 1 })),
        buildId: fc.string(),
        seq: fc.oneof(fc.integer(), fc.double()),
        data: fc.oneof(fc.base64String(), fc.string()),
        extra: fc.jsonValue({ maxDepth: 3 }),
      },
      { requiredKeys: ["type"] },
    );
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), framed), (value) => parseBoth(JSON.stringify(value))),
      { numRuns: RUNS },
    );
  });

  it("on mutated valid messages", () => {
    fc.assert(
      fc.property(sample, fc.array(mutation, { minLength: 1, maxLength: 4 }), (msg, ms) => {
        let value: unknown = structuredClone(msg);
        for (const m of ms) value = mutate(value, m);
        parseBoth(JSON.stringify(value) ?? "undefined");
      }),
      { numRuns: RUNS },
    );
  });

  it("on valid frames with characters flipped, dropped or inserted", () => {
    fc.assert(
      fc.property(
        sample,
        fc.array(
          fc.tuple(fc.nat(), fc.nat({ max: 2 }), fc.string({ minLength: 1, maxLength: 3 })),
          {
            minLength: 1,
            maxLength: 6,
          },
        ),
        (msg, edits) => {
          let s = encodeMessage(msg);
          for (const [at, op, text] of edits) {
            const i = at % (s.length + 1);
            if (op === 0) s = s.slice(0, i) + text + s.slice(i + 1);
            else if (op === 1) s = s.slice(0, i) + s.slice(i + 1);
            else s = s.slice(0, i) + text + s.slice(i);
          }
          parseBoth(s);
          parseBoth(Buffer.from(s));
        },
      ),
      { numRuns: RUNS },
    );
  });
});
