/**
 * The import graph in .dependency-cruiser.cjs holds for the whole tree, and each
 * rule really fails when an edge breaks it: a probe file with one forbidden import
 * is written into the package, cruised with the real configuration, then removed.
 */
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import { cruise, type ICruiseResult } from "dependency-cruiser";
import { afterEach, describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const config = createRequire(import.meta.url)(path.join(root, ".dependency-cruiser.cjs"));
const probes: string[] = [];

async function cruiseFiles(files: string[]): Promise<ICruiseResult> {
  const cwd = process.cwd();
  process.chdir(root);
  try {
    const out = await cruise(files, { ruleSet: config, ...config.options, validate: true });
    return out.output as ICruiseResult;
  } finally {
    process.chdir(cwd);
  }
}

function probe(file: string, source: string): string {
  const full = path.join(root, file);
  fs.writeFileSync(full, source);
  probes.push(full);
  return file;
}

const violated = (r: ICruiseResult) => r.summary.violations.map((v) => v.rule.name).sort();

afterEach(() => {
  for (const p of probes.splice(0)) fs.rmSync(p, { force: true });
});

describe("the import graph", () => {
  it("holds for the whole tree", { timeout: 120_000 }, async () => {
    const r = await cruiseFiles(["apps", "packages", "test", "bench"]);
    // Every workspace file was read (an unresolved tsconfig would cruise next to nothing).
    expect(r.summary.totalCruised).toBeGreaterThan(500);
    expect(r.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  it.each([
    [
      "packages/contracts/src/lint-probe.ts",
      'import "@kiln/engine/errors";',
      "contracts-is-the-base",
    ],
    [
      "packages/engine/src/lint-probe.ts",
      'import "@kiln/db/client";',
      "engine-depends-on-contracts-only",
    ],
    [
      "packages/protocol/src/lint-probe.ts",
      'import "@kiln/engine/errors";',
      "protocol-depends-on-contracts-only",
    ],
    [
      "packages/db/src/lint-probe.ts",
      'import "@kiln/engine/errors";',
      "db-depends-on-contracts-only",
    ],
    ["apps/cli/src/lint-probe.test.ts", 'import "../../dashboard/src/env.ts";', "no-app-to-app"],
    [
      "packages/server/src/routers/lint-probe.ts",
      'import "@kiln/db/client";',
      "transports-use-no-database",
    ],
    ["apps/dashboard/src/lint-probe.ts", 'import "@/no-such-module";', "no-unresolvable-import"],
    [
      "packages/engine/src/lint-probe.ts",
      'import "@kiln/server/no-such-entry";',
      "no-unresolvable-import",
    ],
    [
      "packages/server/src/services/lint-probe.ts",
      'import "../routers/app-router.ts";',
      "services-use-no-transport",
    ],
    [
      "packages/server/src/lint-probe.ts",
      'import "./testing/fake-agent.ts";',
      "production-uses-no-test-support",
    ],
    [
      "apps/cli/src/agent/lint-probe.ts",
      'import "@kiln/server/app-error";',
      "agent-and-remote-client-use-no-server-internals",
    ],
  ])("refuses %s importing %s", { timeout: 60_000 }, async (file, source, rule) => {
    const r = await cruiseFiles([probe(file, source + "\n")]);
    expect(violated(r)).toContain(rule);
  });
});
