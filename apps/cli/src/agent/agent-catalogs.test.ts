import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "@kiln/engine/logger";
import type { TAgentToServer, TServerToAgent } from "@kiln/protocol";
import { SAMPLE_SERVER_MESSAGES } from "@kiln/protocol/testing/sample-messages";
import { hashElementTree } from "@kiln/server/services/catalogs/hash-element-tree";
import type { AgentWorker } from "./agent-worker.ts";
import { createFakeExecutor, type FakeExecutor } from "./create-fake-executor.ts";
import { runAgent } from "./run-agent.ts";
import { startFakeAgentServer, type FakeAgentServer } from "./testing/fake-agent-server.ts";

const GOOD = "kiln_reg_good_token_0123456789";
const LIMITS = { maxArchiveBytes: 1e9, maxTreeBytes: 1e9, maxEntries: 1e5 };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-agent-cat-"));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A one-element catalog packed like the server packs it; returns its tree sha256 and tarball. */
async function catalog(marker: string): Promise<{ sha256: string; tgz: Buffer }> {
  const dir = tmp();
  fs.mkdirSync(path.join(dir, "hello", "install.d"), { recursive: true });
  fs.writeFileSync(path.join(dir, "hello", "element-deps"), "");
  fs.writeFileSync(path.join(dir, "hello", "install.d", "10-hi"), `#!/bin/sh\necho ${marker}\n`, {
    mode: 0o755,
  });
  const { sha256 } = await hashElementTree(dir, LIMITS, "test catalog");
  const tgz = execFileSync("tar", ["--sort=name", "-C", dir, "-czf", "-", "."]);
  return { sha256, tgz };
}

async function setup(catalogs: Map<string, Buffer>) {
  const s = await startFakeAgentServer({ registrationToken: GOOD, catalogs });
  cleanups.push(() => s.close());
  const workDir = tmp();
  const executor = createFakeExecutor([]);
  let worker: AgentWorker | undefined;
  const done = runAgent({
    server: s.url,
    token: GOOD,
    workDir,
    name: "cat-agent",
    labels: {},
    capacity: 1,
    executor,
    logger: silentLogger,
    backoff: { baseMs: 20, maxMs: 100 },
    flushMs: 20,
    skipCleanup: true,
    onWorker: (w) => (worker = w),
  });
  done.catch(() => undefined);
  cleanups.push(async () => {
    await worker?.stop();
    await done.catch(() => undefined);
  });
  await s.waitFor((m) => m.type === "HELLO");
  return { s, workDir, executor };
}

function assign(buildId: string, sha256: string): TServerToAgent<"ASSIGN"> {
  return {
    type: "ASSIGN",
    v: 1,
    buildId,
    number: 1,
    request: SAMPLE_SERVER_MESSAGES.ASSIGN.request,
    env: [],
    elementsPath: [{ name: "team", sha256, url: `/api/agents/catalogs/${sha256}` }],
    artifactUploadUrl: `/api/agents/builds/${buildId}/artifacts/`,
  };
}

async function finished(s: FakeAgentServer, buildId: string) {
  return (await s.waitFor(
    (m) => m.type === "BUILD_FINISHED" && m.buildId === buildId,
  )) as TAgentToServer<"BUILD_FINISHED">;
}

describe("agent catalog fetch", () => {
  it("downloads by sha256, verifies the tree, unpacks into the cache and reuses it", async () => {
    const c = await catalog("one");
    const { s, workDir, executor } = await setup(new Map([[c.sha256, c.tgz]]));
    s.send(assign("b1", c.sha256));
    expect((await finished(s, "b1")).status).toBe("succeeded");
    const dir = path.join(workDir, "catalogs", c.sha256);
    expect((executor as FakeExecutor).catalogDirs.get("b1")).toEqual([dir]);
    expect(fs.readFileSync(path.join(dir, "hello", "install.d", "10-hi"), "utf8")).toContain("one");
    expect(fs.statSync(path.join(dir, "hello", "install.d", "10-hi")).mode & 0o111).not.toBe(0);
    s.send(assign("b2", c.sha256));
    expect((await finished(s, "b2")).status).toBe("succeeded");
    expect(s.catalogGets).toBe(1);
  });

  it("refuses a tarball whose tree does not hash to the name it was asked by", async () => {
    const good = await catalog("good");
    const evil = await catalog("evil");
    const { s, workDir } = await setup(new Map([[good.sha256, evil.tgz]]));
    s.send(assign("b3", good.sha256));
    const fin = await finished(s, "b3");
    expect(fin.status).toBe("errored");
    expect(fin.error).toMatchObject({ code: "CATALOG_FETCH" });
    expect(fin.error?.message).toContain(`not ${good.sha256}`);
    expect(fs.existsSync(path.join(workDir, "catalogs", good.sha256))).toBe(false);
  });

  it("errors the build with the catalog named when the server has no such version", async () => {
    const c = await catalog("x");
    const { s } = await setup(new Map());
    s.send(assign("b4", c.sha256));
    const fin = await finished(s, "b4");
    expect(fin.status).toBe("errored");
    expect(fin.error?.message).toMatch(/catalog team .*HTTP 404/);
  });
});
