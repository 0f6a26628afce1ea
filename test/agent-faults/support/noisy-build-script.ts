/**
 * A fake executor script that logs like a real build, only nastier: lines
 * of mixed length with multi-byte characters, CRLF, and invalid UTF-8 (lone
 * continuation bytes, truncated sequences, 0xFF), interleaved with phase and
 * hook events, paced so it runs for a chosen time. Deterministic per seed.
 */
import type { TBuildEvent } from "@kiln/contracts/build-event";
import { PHASES } from "@kiln/contracts/phases";
import type { TFakeStep } from "../../../apps/cli/src/agent/testing/create-fake-executor.ts";

export interface NoisyScriptOptions {
  lines: number;
  /** Total pause spread over the script (the build's approximate duration). */
  durationMs: number;
  /** Pauses are taken every this many lines. */
  linesPerPause?: number;
  /** A phase (with one hook) starts every this many lines. */
  linesPerPhase?: number;
  seed?: number;
}

const INVALID: number[][] = [
  [0xff],
  [0xfe, 0xfe],
  [0x80],
  [0xe2, 0x82], // € cut short
  [0xf0, 0x9f, 0x94], // 🔥 cut short
  [0xc0, 0xaf], // overlong '/'
  [0xed, 0xa0, 0x80], // a UTF-16 surrogate
];
const WORDS = [
  "apt-get",
  "install",
  "é",
  "ü",
  "日本語",
  "🔥",
  "\t",
  "\x1b[31mred\x1b[0m",
  "\\",
  "%s",
  '"q"',
];

/** Small LCG: the same seed gives the same bytes on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function noisyBuildScript(o: NoisyScriptOptions): TFakeStep[] {
  const rand = rng(o.seed ?? 1);
  const perPause = o.linesPerPause ?? 20;
  const perPhase = o.linesPerPhase ?? 500;
  const pauses = Math.max(1, Math.ceil(o.lines / perPause));
  const pauseMs = Math.max(1, Math.round(o.durationMs / pauses));
  const steps: TFakeStep[] = [];
  const t = Date.now();
  const phases = PHASES.slice(0, Math.max(1, Math.ceil(o.lines / perPhase)));
  steps.push({
    event: { type: "build.started", t, buildId: "fake", elements: ["fake-os"], phases },
  });
  let phaseIndex = -1;
  const endPhase = (): TFakeStep[] => {
    if (phaseIndex < 0) return [];
    const phase = phases[phaseIndex % phases.length]!;
    const ev: TBuildEvent[] = [
      {
        type: "hook.finished",
        t,
        phase,
        element: "fake-os",
        script: `${10 + phaseIndex}-noise`,
        exitCode: 0,
        durationMs: 7 + phaseIndex,
      },
      { type: "phase.finished", t, phase, durationMs: 11 + phaseIndex, ok: true },
    ];
    return ev.map((event) => ({ event }));
  };
  for (let i = 0; i < o.lines; i++) {
    if (i % perPhase === 0) {
      steps.push(...endPhase());
      phaseIndex++;
      const phase = phases[phaseIndex % phases.length]!;
      steps.push({
        event: {
          type: "phase.started",
          t,
          phase,
          index: phaseIndex + 1,
          total: phases.length,
          where: "host",
          hooks: 1,
        },
      });
      steps.push({
        event: {
          type: "hook.started",
          t,
          phase,
          element: "fake-os",
          script: `${10 + phaseIndex}-noise`,
        },
      });
    }
    const parts: Buffer[] = [Buffer.from(`line ${i}:`)];
    const words = 3 + Math.floor(rand() * 40);
    for (let w = 0; w < words; w++) {
      parts.push(
        Buffer.from(` ${WORDS[Math.floor(rand() * WORDS.length)]}${Math.floor(rand() * 1e6)}`),
      );
      if (rand() < 0.03) parts.push(Buffer.from(INVALID[Math.floor(rand() * INVALID.length)]!));
    }
    parts.push(Buffer.from(rand() < 0.1 ? "\r\n" : "\n"));
    steps.push({ log: new Uint8Array(Buffer.concat(parts)) });
    if (i % 97 === 0) {
      steps.push({
        event: {
          type: "progress",
          t,
          index: phaseIndex + 1,
          total: phases.length,
          phase: phases[phaseIndex % phases.length]!,
          elapsedMs: i,
          fraction: i / o.lines,
        },
      });
    }
    if ((i + 1) % perPause === 0) steps.push({ sleepMs: pauseMs });
  }
  steps.push(...endPhase());
  return steps;
}

/** Whether the bytes contain something a UTF-8 decoder would replace (the test's precondition). */
export function hasInvalidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return false;
  } catch {
    return true;
  }
}
