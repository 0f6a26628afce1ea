/**
 * Server-wide bounds on catalog imports (uploads and git). Each import is
 * capped on its own (catalog-limits.ts), but N imports at once would use N
 * times the disk: so at most `maxConcurrentImports` run at a time, and the
 * bytes they have extracted together stay under `maxExtractingBytes`. Past
 * either bound the import is refused at once (429, "try again") rather than
 * queued, so a flood of uploads cannot pile up waiting requests either.
 */
import { AppError } from "../../app-error.ts";
import type { ServerConfig, ServerDeps } from "../../context.ts";
import { catalogLimits } from "./catalog-limits.ts";

/** One running import's share of the server-wide budget. */
export interface TImportSlot {
  /** Counts `bytes` more extracted; throws (429) when all imports together would pass the budget. */
  reserve(bytes: number): void;
}

interface TGateState {
  running: number;
  extracting: number;
}

/** Per ServerDeps (one per server process; tests run several servers in one process). */
const states = new WeakMap<ServerDeps, TGateState>();

export function importBounds(config: ServerConfig): {
  maxConcurrent: number;
  maxExtractingBytes: number;
} {
  return {
    maxConcurrent: config.maxConcurrentImports ?? 4,
    maxExtractingBytes: config.maxExtractingBytes ?? catalogLimits(config).maxTreeBytes * 2,
  };
}

/**
 * Runs `work` as one of the imports in progress, with its share of the
 * extraction budget, released when `work` settles (after it removed its files).
 */
export async function withImportSlot<T>(
  deps: ServerDeps,
  what: string,
  work: (slot: TImportSlot) => Promise<T>,
): Promise<T> {
  let state = states.get(deps);
  if (!state) {
    state = { running: 0, extracting: 0 };
    states.set(deps, state);
  }
  const gate = state;
  const bounds = importBounds(deps.config);
  if (gate.running >= bounds.maxConcurrent) {
    throw new AppError(
      "RATE_LIMITED",
      `${what} refused: the server is already running ${bounds.maxConcurrent} catalog imports; try again in a minute`,
      "file",
    );
  }
  gate.running++;
  let held = 0;
  const slot: TImportSlot = {
    reserve(bytes) {
      if (gate.extracting + bytes > bounds.maxExtractingBytes) {
        throw new AppError(
          "RATE_LIMITED",
          `${what} refused: catalog imports in progress already use the server's extraction budget (${bounds.maxExtractingBytes} bytes); try again in a minute`,
          "file",
        );
      }
      gate.extracting += bytes;
      held += bytes;
    },
  };
  try {
    return await work(slot);
  } finally {
    gate.extracting -= held;
    gate.running--;
  }
}
