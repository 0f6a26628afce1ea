import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testProviders } from "@kiln/db/testing";
import { createRegistrationToken } from "@kiln/server/services/agents/create-registration-token";
import { dispatchQueued } from "@kiln/server/services/dispatch/dispatch-queued";
import { createFixture, type TFixture } from "@kiln/server/testing/builds-fixture";
import { startGatewayServer, type TGatewayServer } from "@kiln/server/testing/start-gateway-server";
import { createFakeExecutor } from "./testing/create-fake-executor.ts";
import { runTestAgent } from "./testing/run-test-agent.ts";

// SQLite always; PostgreSQL too when KILN_TEST_DATABASE_URL names one.
const providers = testProviders(process.env.KILN_TEST_DATABASE_URL).filter(
  (p) => p.provider === "sqlite",
);

describe.each(providers)("kiln agent against the real gateway ($provider)", (provider) => {
  let f: TFixture;
  let gw: TGatewayServer;
  let workDir: string;
  const run = it.skipIf(!!provider.skipReason);

  beforeAll(async () => {
    if (provider.skipReason) return;
    f = await createFixture(provider);
    gw = await startGatewayServer({ deps: f.deps, gateway: { heartbeatIntervalMs: 5000 } });
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-agent-gw-"));
  });
  afterAll(async () => {
    if (provider.skipReason) return;
    await gw.close();
    await f.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  run("a dispatched build's artifact and manifest land in the store and the db", async () => {
    const image = Buffer.from("real-gateway-image-".repeat(3000));
    const { token } = await createRegistrationToken(f.deps, f.users.admin, {});
    const agent = runTestAgent({
      server: gw.url,
      token,
      workDir,
      name: "gw-agent",
      executor: createFakeExecutor([
        { log: "hello from the agent\n" },
        { artifact: { fileName: "image.qcow2", content: image, kind: "qcow2" } },
        { packages: [{ name: "bash", version: "5.2", arch: "amd64" }] },
      ]),
      skipCleanup: true,
    });
    try {
      await expect.poll(() => gw.gateway.connected().length, { timeout: 5000 }).toBe(1);
      const { id } = await f.caller(f.users.alice).builds.create({
        teamId: f.teamA,
        request: { elements: ["ubuntu", "vm"], arch: "amd64" },
      });
      await dispatchQueued(f.deps);
      await expect
        .poll(async () => (await f.db.prisma.build.findUniqueOrThrow({ where: { id } })).status, {
          timeout: 10_000,
        })
        .toBe("SUCCEEDED");
      // SUCCEEDED comes with BUILD_FINISHED, after ARTIFACT_ACK and MANIFEST; on its ack the agent
      // drops the build's work dir.
      await expect
        .poll(() => fs.existsSync(path.join(workDir, "builds", id)), { timeout: 10_000 })
        .toBe(false);
      const artifact = await f.db.prisma.artifact.findFirstOrThrow({ where: { buildId: id } });
      expect(artifact).toMatchObject({
        fileName: "image.qcow2",
        type: "qcow2",
        sha256: createHash("sha256").update(image).digest("hex"),
      });
      const parts: Buffer[] = [];
      for await (const c of await f.deps.store.get(artifact.storageKey)) parts.push(c as Buffer);
      expect(Buffer.concat(parts).equals(image)).toBe(true);
      const build = await f.db.prisma.build.findUniqueOrThrow({ where: { id } });
      expect(build.manifest).toContain("bash");
    } finally {
      await agent.stop();
    }
  });
});
