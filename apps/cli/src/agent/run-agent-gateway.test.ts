import { createHash } from "node:crypto";
import fs from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testProviders } from "@kiln/db/testing";
import { silentLogger } from "@kiln/engine/logger";
import { createRegistrationToken } from "@kiln/server/services/agents/create-registration-token";
import { dispatchQueued } from "@kiln/server/services/dispatch/dispatch-queued";
import { createFixture, type TFixture } from "@kiln/server/services/builds/test-fixture";
import { createAgentGateway, type AgentGateway } from "@kiln/server/gateway/create-agent-gateway";
import type { AgentWorker } from "./agent-worker.ts";
import { createFakeExecutor } from "./create-fake-executor.ts";
import { runAgent } from "./run-agent.ts";

// SQLite always; PostgreSQL too when KILN_TEST_DATABASE_URL names one.
const providers = testProviders(process.env.KILN_TEST_DATABASE_URL).filter(
  (p) => p.provider === "sqlite",
);

describe.each(providers)("kiln agent against the real gateway ($provider)", (provider) => {
  let f: TFixture;
  let gateway: AgentGateway;
  let server: Server;
  let base: string;
  let workDir: string;
  const run = it.skipIf(!!provider.skipReason);

  beforeAll(async () => {
    if (provider.skipReason) return;
    f = await createFixture(provider);
    gateway = createAgentGateway(f.deps, { heartbeatIntervalMs: 5000 });
    server = createServer((req, res) => {
      if (!gateway.handleRequest(req, res)) res.writeHead(404).end();
    });
    gateway.attach(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-agent-gw-"));
  });
  afterAll(async () => {
    if (provider.skipReason) return;
    await gateway.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await f.close();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  run("a dispatched build's artifact and manifest land in the store and the db", async () => {
    const image = Buffer.from("real-gateway-image-".repeat(3000));
    const { token } = await createRegistrationToken(f.deps, f.users.admin, {});
    let worker: AgentWorker | undefined;
    const done = runAgent({
      server: base,
      token,
      workDir,
      name: "gw-agent",
      labels: {},
      capacity: 1,
      executor: createFakeExecutor([
        { log: "hello from the agent\n" },
        { artifact: { fileName: "image.qcow2", content: image, kind: "qcow2" } },
        { packages: [{ name: "bash", version: "5.2", arch: "amd64" }] },
      ]),
      logger: silentLogger,
      backoff: { baseMs: 20, maxMs: 100 },
      flushMs: 20,
      skipCleanup: true,
      onWorker: (w) => (worker = w),
    });
    done.catch(() => undefined);
    try {
      await expect.poll(() => gateway.connected().length, { timeout: 5000 }).toBe(1);
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
      await worker?.stop();
      await done.catch(() => undefined);
    }
  });
});
