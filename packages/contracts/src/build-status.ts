import { z } from "zod";
import type { TBuildEvent } from "./build-event.ts";

export const BUILD_STATUSES = [
  "QUEUED",
  "ASSIGNED",
  "RUNNING",
  "SUCCEEDED",
  "FAILED",
  "ERRORED",
  "CANCELLED",
] as const;
export const ZBuildStatus = z.enum(BUILD_STATUSES);
export type TBuildStatus = z.infer<typeof ZBuildStatus>;

/** Statuses that hold an agent slot (what capacity counts). */
export const ACTIVE_STATUSES: TBuildStatus[] = ["ASSIGNED", "RUNNING"];
/** Statuses a build never leaves. */
export const TERMINAL_STATUSES: TBuildStatus[] = ["SUCCEEDED", "FAILED", "ERRORED", "CANCELLED"];

export function isTerminal(status: string): boolean {
  return (TERMINAL_STATUSES as string[]).includes(status);
}

type TFinishedStatus = Extract<TBuildEvent, { type: "build.finished" }>["status"];

/**
 * The one mapping from the pipeline's outcome to a build status. A hook
 * that exits non-zero is the user's failure (FAILED); anything the system
 * caused is ERRORED. Exhaustive: a new outcome fails to compile here.
 */
export function statusFromFinished(status: TFinishedStatus): TBuildStatus {
  switch (status) {
    case "succeeded":
      return "SUCCEEDED";
    case "failed":
      return "FAILED";
    case "errored":
      return "ERRORED";
    case "cancelled":
      return "CANCELLED";
    default: {
      const never: never = status;
      throw new Error(`unknown build outcome ${String(never)}`);
    }
  }
}
