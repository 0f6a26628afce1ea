/** The executor layer: what actually runs a build, behind one small interface so tests stay non-root. */
import type { Logger } from "@kiln/contracts/logger";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import type { TPreflightCheck, TServerToAgent } from "@kiln/protocol";
import type { z } from "zod";
import type { ZBuildFailure, ZFinishStatus } from "@kiln/protocol";

export interface BuildJob {
  buildId: string;
  assign: TServerToAgent<"ASSIGN">;
  /** A directory of this build's own (builds, caches); removed with the spool. */
  workDir: string;
  /** Aborted on CANCEL, timeout or agent shutdown; the executor must stop and tear down. */
  signal: AbortSignal;
  /** Pipeline events (phase/hook boundaries, progress); never log lines. */
  emit: (event: TBuildEvent) => void;
  /** Build output as the user reads it. */
  writeLog: (data: string | Uint8Array) => void;
  logger: Logger;
  /**
   * Downloads (or finds in the agent's cache) ASSIGN's catalog versions and
   * returns their verified directories, earliest first; throws CatalogFetchError.
   * `localTrees`: directories the agent already holds (its built-in elements);
   * a version one of them hashes to is used in place, not downloaded.
   */
  fetchCatalogs: (o?: { localTrees?: string[] }) => Promise<string[]>;
}

export interface BuildOutcome {
  status: z.infer<typeof ZFinishStatus>;
  error?: z.infer<typeof ZBuildFailure>;
  /** The build record's `packages.json` (installed packages), sent as MANIFEST when present. */
  packagesFile?: string;
}

export interface BuildExecutor {
  /** Host checks for HELLO; a failing one makes the agent refuse builds (HOST_NOT_READY). */
  preflight(): TPreflightCheck[];
  /** Runs one build to the end; never throws (failures are outcomes). */
  run(job: BuildJob): Promise<BuildOutcome>;
}
