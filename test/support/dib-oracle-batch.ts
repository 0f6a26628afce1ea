/**
 * DIB's element expansion under many set-iteration orders, in one Python
 * process (the driver is dib-expand-batch.py next to this file): where DIB's
 * result depends on hash order, every result it can give.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DIB_PYTHON, type DibError } from "./dib-oracle.ts";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BATCH_DRIVER = path.join(HERE, "dib-expand-batch.py");

/** One request for the batch driver (test/support/dib-expand-batch.py). */
export interface BatchCase {
  id: string;
  /** ELEMENTS_PATH value. */
  path: string;
  elements: string[];
  /** Cap on dependency-order permutations tried (default 400). */
  maxTrials?: number;
}

/** One result DIB can give for a request. */
export type DibOutcome =
  { ok: true; elements: Record<string, string> } | ({ ok: false } & DibError);

export interface BatchResult {
  id: string;
  /** Every distinct outcome seen; more than one = DIB is order-dependent here. */
  outcomes: DibOutcome[];
  trials: number;
  /** True when every dependency order was tried, so `outcomes` is complete. */
  exhaustive: boolean;
}

/**
 * Evaluates many expansions in one Python process with DIB's own
 * `_find_all_elements` and `_expand_element_dependencies`, trying many
 * set-iteration orders per case (see the driver's docstring).
 */
export function dibExpandBatch(
  cases: BatchCase[],
  opts: { hashSeed?: number; cwd?: string } = {},
): BatchResult[] {
  const r = spawnSync(DIB_PYTHON, [BATCH_DRIVER], {
    cwd: opts.cwd,
    input: JSON.stringify({ cases }),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, PYTHONHASHSEED: String(opts.hashSeed ?? 0) },
  });
  if (r.status !== 0) throw new Error(`dib-expand-batch.py failed: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { results: BatchResult[] }).results;
}
