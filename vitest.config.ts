import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["apps/**/*.test.ts", "packages/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    // Two files at a time even on a 2-core host (vitest would take one): most long tests wait
    // on qemu, child processes or sockets, and the boot tests form one file (test/boot/boot.test.ts),
    // so they never share the image caches with each other.
    maxWorkers: 2,
    testTimeout: 30_000,
    // expect.poll's own default (1 s) is a speed assertion in disguise on a loaded
    // 2-core CI host; polls end as soon as they pass, so a wide bound costs nothing.
    expect: { poll: { timeout: 10_000 } },
    hookTimeout: 60_000,
    reporters: ["default", "json"],
    outputFile: { json: "test/out/results.json" },
  },
});
