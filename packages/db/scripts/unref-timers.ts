/**
 * Prisma 6.19.3's wasm schema engine arms timers it never clears (60 s in
 * `migrate dev`), and the CLI waits for them before exiting. The engine's
 * JavaScript glue calls the global `setTimeout`, and nothing in the CLI or
 * the config can reach those timers, so the CLI configs call this first:
 * timers of 5 s or more are unref'd, letting the process exit once the real
 * work is done. Short timers (retries, I/O) are left alone because something
 * may be waiting on them. prisma-cli-adapters.test.ts checks the glue still
 * calls the global.
 */
export const LONG_TIMER_MS = 5000;

let installed = false;

export function unrefLongTimers(): void {
  if (installed) return;
  installed = true;
  const originalSetTimeout = globalThis.setTimeout;
  globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timer = originalSetTimeout(fn, ms, ...args);
    if ((ms ?? 0) >= LONG_TIMER_MS) timer.unref();
    return timer;
  }) as typeof setTimeout;
}
