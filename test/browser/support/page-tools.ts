import path from "node:path";
import type { Page } from "playwright-core";

/** Where each run's screenshots go (gitignored). */
export const SHOTS = path.resolve(import.meta.dirname, "..", "..", "out", "screenshots");

/** Screenshot the page once the network is quiet. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.waitForLoadState("networkidle").catch(() => {});
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
}

/** Named wall-clock timings of test steps, printed at the end of a run. */
export function createTimings(): {
  timings: Record<string, number>;
  timed: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
} {
  const timings: Record<string, number> = {};
  return {
    timings,
    async timed(name, fn) {
      const t = Date.now();
      try {
        return await fn();
      } finally {
        timings[name] = Date.now() - t;
      }
    },
  };
}
