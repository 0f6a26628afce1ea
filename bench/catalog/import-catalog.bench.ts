// Times importing a 200-element catalog through the upload path
// (handleCatalogUpload: streamed gunzip + safe extraction, content hash,
// engine describe + lint of every element, tarball into the store, rows in
// the database). SQLite always; PostgreSQL when KILN_TEST_DATABASE_URL names a
// server. Target: under 2 s per import. Median of 5 runs, each into a fresh
// catalog (so no run hits the "same content" shortcut).
// Run: npx tsx bench/catalog/import-catalog.bench.ts   (KILN_BENCH_ELEMENTS=N to change 200)
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { testProviders } from "@kiln/db/testing";
import {
  createCatalogTestServer,
  tarGz,
  writeTree,
} from "@kiln/server/testing/catalog-test-server";
import { handleCatalogUpload } from "@kiln/server/services/catalogs/handle-catalog-upload";

const COUNT = Number(process.env.KILN_BENCH_ELEMENTS ?? 200);
const RUNS = 5;
const TARGET_S = 2;

/** An element tree like a real catalog: README, deps, hooks, packages, environment. */
function generateTree(root: string): void {
  const hook = (n: number) =>
    `#!/bin/bash\n\nif [ "\${DIB_DEBUG_TRACE:-0}" -gt 0 ]; then\n    set -x\nfi\nset -eu\nset -o pipefail\n\n` +
    `echo "step ${n}"\n`.repeat(20);
  const files: Record<string, string> = {};
  files["os-0/element-provides"] = "operating-system\n";
  for (let i = 0; i < COUNT; i++) {
    const e = `el-${String(i).padStart(3, "0")}`;
    const name = i === 0 ? "os-0" : e;
    files[`${name}/README.md`] =
      `# ${name}\n\nElement ${i} of the bench catalog.\n\n` + "Some text.\n".repeat(30);
    files[`${name}/element-deps`] =
      i > 0 ? `el-${String(Math.floor(i / 2)).padStart(3, "0")}\n` : "";
    files[`!${name}/install.d/${10 + (i % 80)}-${name}`] = hook(i);
    files[`!${name}/root.d/${10 + (i % 80)}-${name}-root`] = hook(i);
    files[`${name}/package-installs.yaml`] = `pkg-${i}-a:\npkg-${i}-b:\n  phase: install.d\n`;
    files[`${name}/environment.d/10-${name}.bash`] = `export X_${i}=\${X_${i}:-1}\n`;
  }
  writeTree(root, files);
}

async function main(): Promise<void> {
  const providers = testProviders(process.env.KILN_TEST_DATABASE_URL);
  for (const p of providers) {
    if (p.skipReason) {
      console.log(`${p.provider}: skipped (${p.skipReason})`);
      continue;
    }
    const s = await createCatalogTestServer(p, { maxCatalogBytes: 64 << 20 });
    if (process.env.KILN_BENCH_VERBOSE)
      s.deps.logger = { ...s.deps.logger, info: (m, f) => console.log(m, JSON.stringify(f?.ms)) };
    try {
      const admin = await s.user("bench@example.com", true);
      const teamId = await s.team("bench", [[admin, "owner"]]);
      const src = path.join(s.tmp, "src");
      generateTree(src);
      const body = tarGz(src, path.join(s.tmp, "bench.tgz"));
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        // A fresh store and cache each run: the tarball is packed and stored every time.
        fs.rmSync(path.join(s.tmp, "cache"), { recursive: true, force: true });
        for await (const o of s.deps.store.list("catalogs/")) await s.deps.store.delete(o.key);
        const t0 = performance.now();
        const res = await handleCatalogUpload(
          s.deps,
          admin,
          new Request(`http://bench/api/catalogs/upload?teamId=${teamId}&name=bench-${run}`, {
            method: "POST",
            body,
            headers: { "content-type": "application/gzip" },
          }),
        );
        const secs = (performance.now() - t0) / 1000;
        if (res.status !== 201) throw new Error(`import failed: ${res.status} ${await res.text()}`);
        const json = (await res.json()) as { version: { elementCount: number } };
        if (json.version.elementCount !== COUNT) throw new Error(`expected ${COUNT} elements`);
        times.push(secs);
      }
      times.sort((a, b) => a - b);
      const median = times[Math.floor(times.length / 2)] as number;
      console.log(
        `${p.provider}: import of ${COUNT} elements (${(body.length / 1024).toFixed(0)} KiB .tar.gz): ` +
          `median ${median.toFixed(3)} s, min ${times[0]?.toFixed(3)} s, max ${times.at(-1)?.toFixed(3)} s ` +
          `(target < ${TARGET_S} s: ${median < TARGET_S ? "ok" : "MISSED"})`,
      );
    } finally {
      await s.close();
    }
  }
}

await main();
