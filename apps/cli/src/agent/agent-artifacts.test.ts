import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "@kiln/engine/logger";
import type { TAgentToServer, TServerToAgent } from "@kiln/protocol";
import { SAMPLE_SERVER_MESSAGES } from "@kiln/protocol/testing/sample-messages";
import type { AgentWorker } from "./agent-worker.ts";
import { createFakeExecutor, type TFakeStep } from "./create-fake-executor.ts";
import { runAgent } from "./run-agent.ts";
import { startFakeAgentServer, type FakeAgentServer } from "./testing/fake-agent-server.ts";

const GOOD = "kiln_reg_good_token_0123456789";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(script: TFakeStep[]) {
  const s = await startFakeAgentServer({ registrationToken: GOOD });
  cleanups.push(() => s.close());
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-agent-art-"));
  cleanups.push(() => fs.rmSync(workDir, { recursive: true, force: true }));
  let worker: AgentWorker | undefined;
  const done = runAgent({
    server: s.url,
    token: GOOD,
    workDir,
    name: "art-agent",
    labels: {},
    capacity: 1,
    executor: createFakeExecutor(script),
    logger: silentLogger,
    backoff: { baseMs: 20, maxMs: 100 },
    uploadBackoff: { baseMs: 10, maxMs: 40 },
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
  return s;
}

function assign(s: FakeAgentServer, buildId: string): TServerToAgent<"ASSIGN"> {
  return {
    type: "ASSIGN",
    v: 1,
    buildId,
    number: 1,
    request: SAMPLE_SERVER_MESSAGES.ASSIGN.request,
    env: [],
    elementsPath: [],
    artifactUploadUrl: `${s.url}/api/agents/builds/${buildId}/artifacts/`,
  };
}

const sha = (b: string) => createHash("sha256").update(b).digest("hex");
const typesOf = (s: FakeAgentServer, buildId: string) =>
  s.frames.filter((m) => "buildId" in m && m.buildId === buildId).map((m) => m.type);

describe("agent artifacts", () => {
  it("uploads with sha256, waits for ARTIFACT_ACK, sends MANIFEST, then BUILD_FINISHED", async () => {
    const image = "qcow2-bytes-".repeat(5000);
    const s = await setup([
      { log: "building\n" },
      { artifact: { fileName: "image.qcow2", content: image, kind: "qcow2" } },
      { packages: [{ name: "bash", version: "5.2", arch: "amd64" }] },
    ]);
    s.failNextUploads = 2; // two 503s: the agent retries from the first byte
    s.send(assign(s, "b1"));
    const fin = (await s.waitFor(
      (m) => m.type === "BUILD_FINISHED" && m.buildId === "b1",
    )) as TAgentToServer<"BUILD_FINISHED">;
    expect(fin.status).toBe("succeeded");
    expect(s.uploads.map((u) => u.status)).toEqual([503, 503, 201]);
    for (const u of s.uploads) expect(u.body.toString()).toBe(image);
    const ready = s.frames.find((m) => m.type === "ARTIFACT_READY");
    expect(ready).toMatchObject({
      kind: "qcow2",
      fileName: "image.qcow2",
      sizeBytes: image.length,
      sha256: sha(image),
    });
    const manifest = s.frames.find((m) => m.type === "MANIFEST");
    expect(manifest).toMatchObject({ packages: [{ name: "bash", version: "5.2", arch: "amd64" }] });
    const order = typesOf(s, "b1").filter((t) =>
      ["ARTIFACT_READY", "MANIFEST", "BUILD_FINISHED"].includes(t),
    );
    expect(order).toEqual(["ARTIFACT_READY", "MANIFEST", "BUILD_FINISHED"]);
  });

  it("errors the build when the server keeps refusing the upload", async () => {
    const s = await setup([{ artifact: { fileName: "disk.raw", content: "raw" } }]);
    s.failNextUploads = 100;
    s.send(assign(s, "b2"));
    const fin = (await s.waitFor(
      (m) => m.type === "BUILD_FINISHED" && m.buildId === "b2",
      10_000,
    )) as TAgentToServer<"BUILD_FINISHED">;
    expect(fin.status).toBe("errored");
    expect(fin.error?.message).toContain("disk.raw");
    expect(s.frames.some((m) => m.type === "ARTIFACT_READY")).toBe(false);
    expect(s.uploads.length).toBe(5);
  });
});
