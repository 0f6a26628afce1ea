/**
 * Agent → page latency of live log lines, measured in the page: a
 * MutationObserver on the log viewer notes when each line carrying a
 * `written-at=<epoch ms>` stamp (see live-build-executor.ts) first appears in
 * the DOM. Agent and browser run on one host, so both clocks are the same.
 */
import type { Page } from "playwright-core";

/** Starts watching (idempotent). Lines written before this call are not counted. */
export async function installLatencyProbe(page: Page, lineRe: RegExp): Promise<void> {
  // A string, because this file is type-checked without the DOM lib.
  await page.evaluate(`(() => {
    if (window.__kilnProbe) return;
    const re = new RegExp(${JSON.stringify(lineRe.source)});
    const probe = { since: Date.now(), seen: new Map() };
    const scan = () => {
      const now = Date.now();
      for (const row of document.querySelectorAll('[data-testid="log-viewer"] [data-line]')) {
        const m = re.exec(row.textContent || "");
        if (m && !probe.seen.has(m[1])) probe.seen.set(m[1], { written: Number(m[2]), seen: now });
      }
    };
    new MutationObserver(scan).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
    });
    window.__kilnProbe = probe;
  })()`);
}

/**
 * Latencies (ms) of lines written at least `settleMs` after the probe started
 * (so the first lines, which may arrive through the initial log read rather
 * than the live subscription, do not count).
 */
export async function readLatencies(page: Page, settleMs = 1000): Promise<number[]> {
  return (await page.evaluate(`(() => {
    const p = window.__kilnProbe;
    if (!p) return [];
    return [...p.seen.values()]
      .filter((x) => x.written >= p.since + ${settleMs})
      .map((x) => x.seen - x.written);
  })()`)) as number[];
}

/** The q-quantile (0..1) of `values`, nearest rank. */
export function quantile(values: number[], q: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}
