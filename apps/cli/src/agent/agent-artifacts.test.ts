import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { TAgentToServer } from "@kiln/protocol";
import type { TFakeStep } from "./testing/create-fake-executor.ts";
import { fakeAssign, type FakeAgentServer } from "./testing/fake-agent-server.ts";
import { useAgentHarness } from "./testing/use-agent-harness.ts";

const harness = useAgentHarness();

async function setup(script: TFakeStep[]) {
  const s = await harness.server();
  harness.agent(s, script, {
    workDir: harness.tmpDir("kiln-agent-art-"),
    name: "art-agent",
    uploadBackoff: { baseMs: 10, maxMs: 40 },
    skipCleanup: true,
  });
  await s.waitFor((m) => m.type === "HELLO");
  return s;
}

/** With an absolute upload URL (the relative one is the catalog tests'). */
const assign = (s: FakeAgentServer, buildId: string) =>
  fakeAssign(buildId, { artifactUploadUrl: `${s.url}/api/agents/builds/${buildId}/artifacts/` });

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
