/**
 * Imported first by both Prisma CLI configs. The wasm schema engine of prisma
 * 6.19.3 arms 10 s and 60 s timers it never clears, so every CLI command would
 * linger that long after finishing. Unref'ing long timers lets the process
 * exit as soon as the real work is done; short timers (retries, I/O) are left
 * alone because something may be waiting on them.
 */
const originalSetTimeout = globalThis.setTimeout;

globalThis.setTimeout = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
  const timer = originalSetTimeout(fn, ms, ...args);
  if ((ms ?? 0) >= 5000) timer.unref();
  return timer;
}) as typeof setTimeout;
