import type { TPhase } from "../plan/phases.ts";

/**
 * Typed build events: the one interface through which the pipeline reports.
 * The CLI renders them, the agent forwards them to the server verbatim.
 * `t` is milliseconds since the epoch.
 */
export type TBuildEvent =
  | { type: "build.started"; t: number; buildId: string; elements: string[]; phases: TPhase[] }
  | {
      type: "phase.started";
      t: number;
      phase: TPhase;
      index: number;
      total: number;
      where: "host" | "chroot";
      hooks: number;
    }
  | { type: "phase.finished"; t: number; phase: TPhase; durationMs: number; ok: boolean }
  | { type: "hook.started"; t: number; phase: TPhase; element: string; script: string }
  | {
      type: "hook.finished";
      t: number;
      phase: TPhase;
      element: string;
      script: string;
      exitCode: number;
      durationMs: number;
    }
  | { type: "step"; t: number; name: string; detail?: string }
  | {
      type: "log";
      t: number;
      stream: "stdout" | "stderr" | "kiln";
      line: string;
      phase?: TPhase;
      element?: string;
      script?: string;
    }
  | {
      type: "progress";
      t: number;
      /** 1-based index of the current phase. */
      index: number;
      total: number;
      phase: TPhase | "outputs" | "block-device" | "setup" | "teardown";
      hook?: string;
      elapsedMs: number;
      /** Estimated remaining time, when earlier builds give a basis. */
      etaMs?: number;
      /** 0..1 overall fraction. */
      fraction: number;
    }
  | {
      type: "artifact";
      t: number;
      kind: string;
      path: string;
      bytes: number;
      sha256?: string;
      md5?: string;
    }
  | {
      type: "build.finished";
      t: number;
      status: "succeeded" | "failed" | "errored" | "cancelled";
      durationMs: number;
      error?: {
        code: string;
        message: string;
        phase?: TPhase;
        element?: string;
        script?: string;
        exitCode?: number;
      };
    };

/** Receives every event, in order. Must not throw. */
export type EventSink = (event: TBuildEvent) => void;
