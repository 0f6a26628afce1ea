import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { TAgentToServer } from "@kiln/protocol";
import { hashElementTree } from "@kiln/contracts/catalog-hash";
import type { FakeExecutor } from "./testing/create-fake-executor.ts";
import { fakeAssign, type FakeAgentServer } from "./testing/fake-agent-server.ts";
import { useAgentHarness } from "./testing/use-agent-harness.ts";

const LIMITS = { maxArchiveBytes: 1e9, maxTreeBytes: 1e9, maxEntries: 1e5 };
const harness = useAgentHarness();
const tmp = () => harness.tmpDir("kiln-agent-cat-");

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
  const s = await harness.server({ catalogs });
  const { workDir, executor } = harness.agent(s, [], {
    workDir: tmp(),
    name: "cat-agent",
    skipCleanup: true,
  });
  await s.waitFor((m) => m.type === "HELLO");
  return { s, workDir, executor };
}

const assign = (buildId: string, sha256: string) =>
  fakeAssign(buildId, {
    elementsPath: [{ name: "team", sha256, url: `/api/agents/catalogs/${sha256}` }],
  });

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
