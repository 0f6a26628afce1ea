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

/**
 * Collects what the page complains about (console errors, page errors,
 * failed requests, 5xx answers), to print when a test fails.
 */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`.slice(0, 500));
  });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`.slice(0, 500)));
  page.on("requestfailed", (r) =>
    errors.push(`request failed: ${r.url().slice(0, 200)} ${r.failure()?.errorText}`),
  );
  page.on("response", (r) => {
    if (r.status() >= 500) errors.push(`HTTP ${r.status()}: ${r.url().slice(0, 200)}`);
  });
  return errors;
}

/** The first range of a build's log as the server answers it to this page (status, size, start). */
export async function probeLogRead(page: Page, buildId: string): Promise<string> {
  // A string, because this file is type-checked without the DOM lib.
  return String(
    await page.evaluate(`(async () => {
      const input = encodeURIComponent(JSON.stringify({ json: { buildId: ${JSON.stringify(buildId)}, from: 0, maxBytes: 4194304 } }));
      const r = await fetch('/api/trpc/builds.log?input=' + input);
      const body = await r.text();
      return r.status + ' ' + body.length + ' ' + body.slice(0, 300);
    })()`),
  );
}
