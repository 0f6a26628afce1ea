import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { expect } from "vitest";
import type { TAgentToServer } from "@kiln/protocol";
import { addAgent, buildOnAgent, createFixture } from "../../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";
import { acceptArtifact, acceptArtifactUpload, type TUploadedHashes } from "./accept-artifact.ts";

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
const md5 = (data: Buffer) => createHash("md5").update(data).digest("hex");

describeEachProvider("artifact hand-over", (provider, run) => {
  const f = useFixture(provider, createFixture);

  const runningOn = (agentId: string) => buildOnAgent(f, agentId, "RUNNING");
  const ready = (buildId: string, image: Buffer): TAgentToServer<"ARTIFACT_READY"> => ({
    type: "ARTIFACT_READY",
    v: 1,
    buildId,
    kind: "qcow2",
    fileName: "image.qcow2",
    sizeBytes: image.length,
    sha256: sha256(image),
    md5: md5(image),
  });

  run("records an artifact only once the stored upload is what READY describes", async () => {
    const agentId = await addAgent(f, "uploader");
    const buildId = await runningOn(agentId);
    const image = Buffer.from("an image, more or less");
    const uploaded: TUploadedHashes = new Map();
    expect(await acceptArtifact(f.deps, uploaded, agentId, ready(buildId, image))).toEqual({
      ok: false,
      reason: "no upload arrived; PUT it first",
    });

    const upload = (body: Buffer, expectedSha256: string) =>
      acceptArtifactUpload(f.deps, uploaded, {
        agentId,
        buildId,
        fileName: "image.qcow2",
        expectedSha256,
        body: Readable.from([body]),
      });
    const wrongHash = upload(image, "0".repeat(64));
    await expect(wrongHash).rejects.toMatchObject({ code: "INVALID_INPUT", field: "sha256" });
    await expect(wrongHash).rejects.toThrow(
      /^image\.qcow2: artifact '.*': content sha256 [0-9a-f]{64} does not match/,
    );
    expect(await upload(image, sha256(image))).toMatchObject({
      sizeBytes: image.length,
      sha256: sha256(image),
    });

    const longer = { ...ready(buildId, image), sizeBytes: image.length + 1 };
    expect(await acceptArtifact(f.deps, uploaded, agentId, longer)).toEqual({
      ok: false,
      reason: `uploaded ${image.length} bytes, ARTIFACT_READY says ${image.length + 1}`,
    });
    // After a server restart the upload map is empty: the stored object is hashed instead.
    expect(await acceptArtifact(f.deps, new Map(), agentId, ready(buildId, image))).toEqual({
      ok: true,
    });
    const row = await f.db.prisma.artifact.findFirstOrThrow({ where: { buildId } });
    expect(row).toMatchObject({ fileName: "image.qcow2", type: "qcow2", sha256: sha256(image) });
  });

  run("refuses uploads for a deleted build or from another agent", async () => {
    const agentId = await addAgent(f, "owner");
    const buildId = await runningOn(agentId);
    const image = Buffer.from("x");
    const upload = (from: string) =>
      acceptArtifactUpload(f.deps, new Map(), {
        agentId: from,
        buildId,
        fileName: "image.raw",
        expectedSha256: sha256(image),
        body: Readable.from([image]),
      });
    await expect(upload(await addAgent(f, "other"))).rejects.toMatchObject({ code: "CONFLICT" });
    await f.db.prisma.build.update({ where: { id: buildId }, data: { deletedAt: f.deps.now() } });
    await expect(upload(agentId)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await f.deps.store.stat(`builds/${buildId}/artifacts/image.raw`)).toBeNull();
  });
});
