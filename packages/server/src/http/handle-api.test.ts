import { expect } from "vitest";
import { addAgent, createFixture, recordStarted } from "../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../testing/describe-each-provider.ts";
import { appendLogChunk } from "../services/builds/append-log-chunk.ts";
import { recordArtifact } from "../services/builds/record-artifact.ts";
import { createApiToken } from "../services/tokens/create-api-token.ts";
import { handleApi } from "./handle-api.ts";

describeEachProvider("the /api handler", (provider, run) => {
  const f = useFixture(provider, createFixture);
  const get = (path: string, token?: string) =>
    handleApi(
      f.deps,
      new Request(`http://kiln.test${path}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      }),
      "127.0.0.1",
    );
  const tokenOf = async (userId: string) =>
    (await createApiToken(f.deps, null, { userId, name: "http" })).token;

  /** A running build of alice's team with its log written in `parts`. */
  async function runningBuild(parts: Buffer<ArrayBuffer>[]): Promise<string> {
    const { id } = await f.caller(f.users.alice).builds.create({
      teamId: f.teamA,
      request: { elements: ["ubuntu"], arch: "amd64" },
    });
    const agentId = await addAgent(f, `agent-${id}`);
    await f.db.prisma.build.update({ where: { id }, data: { status: "ASSIGNED", agentId } });
    await recordStarted(f, id);
    let offset = 0;
    for (const [seq, data] of parts.entries()) {
      await appendLogChunk(f.deps, { buildId: id, seq, offset, data });
      offset += data.length;
    }
    return id;
  }

  run("answers health without credentials, and nothing else", async () => {
    const health = await get("/api/health");
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, db: provider.provider, version: "0.0.0-test" });
    const anonymous = await get("/api/builds/some-build/log");
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: "UNAUTHENTICATED" });
  });

  run("names an unknown route", async () => {
    const response = await get("/api/nothing-here", await tokenOf(f.users.alice.userId));
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: "no such API route: GET /api/nothing-here" });
  });

  run("downloads a whole log longer than one read range", async () => {
    // Chunks over 1 MiB together (each within the protocol's chunk limit): the
    // download must page past the first range.
    const parts = ["a", "b", "c"].map((fill) => Buffer.alloc(400 * 1024, fill));
    const id = await runningBuild(parts);
    const response = await get(`/api/builds/${id}/log`, await tokenOf(f.users.alice.userId));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.concat(parts))).toBe(true);
  });

  run("downloads an artifact with its checksums, to its team only", async () => {
    const id = await runningBuild([Buffer.from("log\n")]);
    const bytes = Buffer.from("image bytes\n");
    const key = `builds/${id}/artifacts/img.raw`;
    await f.deps.store.put(key, bytes);
    const { id: artifactId } = await recordArtifact(f.deps, {
      buildId: id,
      type: "raw",
      fileName: "img.raw",
      sizeBytes: bytes.length,
      sha256: "c".repeat(64),
      md5: "d".repeat(32),
      storageKey: key,
    });
    const path = `/api/builds/${id}/artifacts/${artifactId}/img.raw`;
    const response = await get(path, await tokenOf(f.users.alice.userId));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-checksum-sha256")).toBe("c".repeat(64));
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="img.raw"');
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
    // Another team's member does not learn the build exists.
    const outsider = await get(path, await tokenOf(f.users.bob.userId));
    expect(outsider.status).toBe(404);
    const missing = await get(
      `/api/builds/${id}/artifacts/nope`,
      await tokenOf(f.users.alice.userId),
    );
    expect(missing.status).toBe(404);
  });
});
