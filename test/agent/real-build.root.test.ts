/**
 * Issue 5's "once for real as root": a build created through tRPC over HTTP is
 * dispatched to an in-process agent running the real engine executor, which
 * builds a small qcow2 from the fake-os fixture elements (loop device,
 * partitions, mounts), streams its log and events, and uploads the image;
 * the image then downloads through the dashboard's API route with its sha256.
 *
 * Everything real but Next: the dashboard's API handler (tRPC, downloads) and
 * the agent gateway share one http.Server on 127.0.0.1:0, as in
 * start-dashboard.ts. Elements reach both sides the way the dashboard's local
 * agent gets them: the server registers its built-in directory as the
 * `builtin` catalog (bootstrap.ts) and resolves ad-hoc builds against it, and
 * the agent's executor has the same directory as its built-in elements path
 * (ASSIGN names that builtin version; the agent finds it is its own tree and
 * downloads nothing).
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testProviders } from "@kiln/db/testing";
import type { Logger } from "@kiln/contracts/logger";
import type { ServerDeps } from "@kiln/server/context";
import { createRegistrationToken } from "@kiln/server/services/agents/create-registration-token";
import {
  createFixture,
  makeCatalogAuthor,
  type TFixture,
} from "@kiln/server/testing/builds-fixture";
import { importCatalogTree } from "@kiln/server/services/catalogs/import-catalog-tree";
import {
  findOrCreateCatalog,
  registerBuiltinCatalog,
} from "@kiln/server/services/catalogs/manage-catalogs";
import { dispatchQueued } from "@kiln/server/services/dispatch/dispatch-queued";
import { createApiToken } from "@kiln/server/services/tokens/create-api-token";
import type { BuildExecutor } from "../../apps/cli/src/agent/build-executor.ts";
import { createEngineExecutor } from "../../apps/cli/src/agent/create-engine-executor.ts";
import {
  runTestAgent,
  type TTestAgentRun,
} from "../../apps/cli/src/agent/testing/run-test-agent.ts";
import { FIXTURE_ELEMENTS, leftovers } from "../pipeline/fake-build.ts";
import { canBuild, skipNote } from "@kiln/engine/testing/host-capabilities";
import { startApiServer, type TApiServer } from "@kiln/server/testing/start-api-server";
import { tokenClient } from "../support/trpc-client.ts";

const why = canBuild();
const sqlite = testProviders(undefined).find((p) => p.provider === "sqlite")!;

/** One build with its waits; they take 2-10 s here, more on a loaded 2-core CI host. */
const BUILD_TEST_MS = 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** expect.poll is for tests only; beforeAll waits with this. */
async function waitFor(ok: () => boolean, ms: number, detail: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms:\n${detail()}`);
    await sleep(50);
  }
}

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

/** Operational log of server and agent, shown when an assertion about a build fails. */
function collectingLogger(lines: string[], prefix: string): Logger {
  const at =
    (level: string) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (level !== "debug")
        lines.push(`${prefix} ${level} ${msg} ${JSON.stringify(fields ?? {})}`);
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

describe.skipIf(why)(`a real root build through tRPC, gateway and agent${skipNote(why)}`, () => {
  let f: TFixture;
  let deps: ServerDeps;
  let api: TApiServer;
  let builtinSha256: string;
  let base: string;
  let tmp: string;
  let agentDir: string;
  let apiToken: string;
  let trpc: ReturnType<typeof tokenClient>;
  let agent: TTestAgentRun | undefined;
  const opsLog: string[] = [];
  /** buildId → artifact file name → sha256 of the file on the agent, hashed before upload. */
  const agentSide = new Map<string, Map<string, string>>();

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-real-agent-"));
    agentDir = path.join(tmp, "agent");
    f = await createFixture(sqlite);
    deps = {
      ...f.deps,
      logger: collectingLogger(opsLog, "server"),
      config: {
        ...f.deps.config,
        builtinElementsDir: FIXTURE_ELEMENTS,
        catalogCacheDir: path.join(tmp, "catalog-cache"),
      },
    };
    // What bootstrap.ts does at start: the built-in directory becomes the `builtin` catalog.
    builtinSha256 = (await registerBuiltinCatalog(deps)).version.sha256;

    api = await startApiServer({ deps, gateway: { heartbeatIntervalMs: 5000 } });
    base = api.url;

    const created = await createApiToken(deps, null, {
      userId: f.users.admin.userId,
      name: "ci",
      scopes: ["read", "write", "admin"],
    });
    apiToken = created.token;
    trpc = tokenClient(base, apiToken);

    const agentLogger = collectingLogger(opsLog, "agent");
    const engine = createEngineExecutor({
      elementsPath: [FIXTURE_ELEMENTS],
      hostEnv: { PATH: process.env.PATH },
      imageCache: path.join(tmp, "image-cache"),
      logger: agentLogger,
    });
    // The real executor, watched: the agent drops a build's files once the server has
    // everything, so the images are hashed here, before the job runner uploads them.
    const executor: BuildExecutor = {
      preflight: () => engine.preflight(),
      async run(job) {
        const images: string[] = [];
        const outcome = await engine.run({
          ...job,
          emit: (e) => {
            if (e.type === "artifact") images.push(e.path);
            job.emit(e);
          },
        });
        agentSide.set(
          job.buildId,
          new Map(images.map((p) => [path.basename(p), sha256(fs.readFileSync(p))])),
        );
        return outcome;
      },
    };
    const { token } = await createRegistrationToken(deps, f.users.admin, {});
    agent = runTestAgent({
      server: base,
      token,
      workDir: agentDir,
      name: "real-agent",
      executor,
      logger: agentLogger,
      backoff: { baseMs: 50, maxMs: 500 },
      flushMs: 50,
    });
    await waitFor(
      () => api.gateway.connected().length === 1,
      15_000,
      () => opsLog.join("\n"),
    );
  });

  afterAll(async () => {
    await agent?.worker()?.stop();
    // A worker that never started (registration failed) has nothing to stop; don't hang on it.
    await Promise.race([agent?.done.catch(() => undefined), sleep(5000)]);
    await api?.close();
    await f?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** An ad-hoc fake-os qcow2 over the built-in catalog (tRPC builds.create input). */
  const adHoc = (env: { name: string; value: string }[] = []) => ({
    teamId: f.teamA,
    request: {
      elements: ["fake-os", "fail-in-phase"],
      imageName: "img",
      types: ["qcow2" as const],
      arch: "amd64",
      skipBase: true,
      imageSizeGb: 0.2,
      noTmpfs: true,
      checksum: true,
    },
    env: env.map((e) => ({ ...e, secret: false })),
  });

  /** Queues a build over HTTP tRPC, dispatches it, waits for a final status and the agent's clean-up. */
  async function buildThroughTrpc(input: Parameters<typeof trpc.builds.create.mutate>[0]) {
    const { id, number } = await trpc.builds.create.mutate(input);
    const t0 = Date.now();
    await dispatchQueued(deps);
    await expect
      .poll(
        async () => {
          const b = await f.db.prisma.build.findUniqueOrThrow({ where: { id } });
          return ["SUCCEEDED", "FAILED", "ERRORED", "CANCELLED"].includes(b.status);
        },
        { timeout: 50_000, interval: 200 },
      )
      .toBe(true);
    const ms = Date.now() - t0;
    const build = await f.db.prisma.build.findUniqueOrThrow({ where: { id } });
    // On BUILD_FINISHED_ACK the agent drops the build's spool and work dir (its TMP_DIR too).
    await expect
      .poll(() => fs.existsSync(path.join(agentDir, "builds", id)), { timeout: 10_000 })
      .toBe(false);
    return { id, number, build, ms };
  }

  async function getLog(id: string): Promise<string> {
    const res = await fetch(`${base}/api/builds/${id}/log`, {
      headers: { authorization: `Bearer ${apiToken}` },
    });
    expect(res.status).toBe(200);
    return await res.text();
  }

  it(
    "builds a qcow2 for real: status, timings, hooks, log, artifact downloaded with its sha256",
    async () => {
      const { id, build, ms } = await buildThroughTrpc(adHoc());
      console.info(`real agent build #${build.number}: ${build.status} in ${ms} ms`);
      expect(build.status, opsLog.join("\n")).toBe("SUCCEEDED");
      expect(build.agentId).not.toBeNull();
      expect(build.failureMessage).toBeNull();

      const timings = JSON.parse(build.phaseTimings ?? "{}") as Record<string, number>;
      for (const phase of ["root.d", "install.d", "block-device.d", "finalise.d", "cleanup.d"]) {
        expect(timings[phase], phase).toBeGreaterThanOrEqual(0);
      }
      const hooks = await f.db.prisma.buildHook.findMany({
        where: { buildId: id },
        orderBy: { seq: "asc" },
      });
      expect(hooks.map((h) => `${h.phase} ${h.element} ${h.script} ${h.exitCode}`)).toEqual(
        expect.arrayContaining([
          "root.d fake-os 10-fake-root 0",
          "install.d fail-in-phase 50-fail-in-install 0",
          "finalise.d fail-in-phase 50-fail-in-finalise 0",
        ]),
      );

      // Hook output, streamed as log chunks and read back through the download route.
      const log = await getLog(id);
      for (const phase of ["root.d", "install.d", "block-device.d", "finalise.d"]) {
        expect(log).toContain(`checking ${phase}`);
      }
      expect(log).toContain("kiln: uploading img.qcow2");
      // The server's builtin version rode along in ASSIGN; the agent holds it, so no download.
      expect(log).toContain(`kiln: element catalogs: builtin@${builtinSha256.slice(0, 12)}`);
      expect(fs.existsSync(path.join(agentDir, "catalogs", builtinSha256))).toBe(false);

      const artifacts = await f.db.prisma.artifact.findMany({ where: { buildId: id } });
      const image = artifacts.find((a) => a.fileName === "img.qcow2");
      expect(image, artifacts.map((a) => a.fileName).join(", ")).toBeDefined();
      expect(image!.type).toBe("qcow2");
      const onAgent = agentSide.get(id)?.get("img.qcow2");
      expect(onAgent).toMatch(/^[0-9a-f]{64}$/);

      const res = await fetch(`${base}/api/builds/${id}/artifacts/${image!.id}`, {
        headers: { authorization: `Bearer ${apiToken}` },
      });
      expect(res.status).toBe(200);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.length).toBe(Number(image!.sizeBytes));
      expect(bytes.subarray(0, 4).toString("latin1")).toBe("QFI\xfb");
      expect(sha256(bytes)).toBe(image!.sha256);
      expect(image!.sha256).toBe(onAgent);
      expect(res.headers.get("x-checksum-sha256")).toBe(image!.sha256);

      // Without a token the route refuses.
      const anon = await fetch(`${base}/api/builds/${id}/artifacts/${image!.id}`);
      expect(anon.status).toBe(401);

      expect(leftovers([agentDir, tmp])).toEqual({ mounts: [], loops: [] });
    },
    BUILD_TEST_MS,
  );

  it(
    "a hook failing in install.d: FAILED with phase, element, script and exit code; host clean",
    async () => {
      const { id, build, ms } = await buildThroughTrpc(
        adHoc([{ name: "KILN_TEST_FAIL_PHASE", value: "install.d" }]),
      );
      console.info(`real agent failing build #${build.number}: ${build.status} in ${ms} ms`);
      expect(build.status, opsLog.join("\n")).toBe("FAILED");
      expect(build).toMatchObject({
        failurePhase: "install.d",
        failureElement: "fail-in-phase",
        failureScript: "50-fail-in-install",
        failureExitCode: 7,
      });
      const hooks = await f.db.prisma.buildHook.findMany({ where: { buildId: id } });
      expect(hooks.find((h) => h.script === "50-fail-in-install")?.exitCode).toBe(7);
      expect(hooks.some((h) => h.phase === "finalise.d")).toBe(false);
      const log = await getLog(id);
      expect(log).toContain("failing on purpose in install.d");
      expect(await f.db.prisma.artifact.count({ where: { buildId: id } })).toBe(0);
      expect(leftovers([agentDir, tmp])).toEqual({ mounts: [], loops: [] });
    },
    BUILD_TEST_MS,
  );

  it(
    "a recipe build over a team catalog: the agent fetches the catalog by hash and runs its hooks",
    async () => {
      // A tree only the server has: fake-os, a stub `base` (recipes never skip it) and an element
      // whose install hook proves the fetched tree kept its executable bits.
      const tree = path.join(tmp, "team-catalog");
      fs.cpSync(path.join(FIXTURE_ELEMENTS, "fake-os"), path.join(tree, "fake-os"), {
        recursive: true,
      });
      fs.mkdirSync(path.join(tree, "base"));
      fs.writeFileSync(path.join(tree, "base", "README.md"), "# base\n\nTest stub.\n");
      fs.mkdirSync(path.join(tree, "team-marker", "install.d"), { recursive: true });
      fs.writeFileSync(path.join(tree, "team-marker", "README.md"), "# team-marker\n\nTest.\n");
      fs.writeFileSync(
        path.join(tree, "team-marker", "install.d", "50-marker"),
        '#!/bin/bash\nset -eu\necho "hello from the team catalog"\n',
        { mode: 0o755 },
      );
      await makeCatalogAuthor(f, f.users.alice);
      const catalog = await findOrCreateCatalog(deps, f.users.alice, {
        teamId: f.teamA,
        name: "fake",
      });
      const { version } = await importCatalogTree(deps, {
        catalogId: catalog.id,
        dir: tree,
        origin: "real-build.test",
        createdById: f.users.alice.userId,
        what: "catalog upload",
      });
      const recipe = await trpc.recipes.create.mutate({
        teamId: f.teamA,
        name: "fake-image",
        version: {
          elements: ["fake-os", "team-marker"],
          outputTypes: ["qcow2"],
          imageSizeGb: 0.2,
          catalogVersionIds: [version.id],
        },
      });
      const { id, build, ms } = await buildThroughTrpc({ recipeVersionId: recipe.version.id });
      console.info(`real agent recipe build #${build.number}: ${build.status} in ${ms} ms`);
      expect(build.status, opsLog.join("\n")).toBe("SUCCEEDED");
      const log = await getLog(id);
      expect(log).toContain(`kiln: element catalogs: fake@${version.sha256.slice(0, 12)}`);
      expect(log).toContain("hello from the team catalog");
      const hooks = await f.db.prisma.buildHook.findMany({ where: { buildId: id } });
      expect(hooks.map((h) => `${h.element} ${h.script} ${h.exitCode}`)).toContain(
        "team-marker 50-marker 0",
      );
      // Cached under the agent's work dir by hash, for the next build of this version.
      expect(fs.existsSync(path.join(agentDir, "catalogs", version.sha256, "team-marker"))).toBe(
        true,
      );
      const image = await f.db.prisma.artifact.findFirstOrThrow({
        where: { buildId: id, fileName: "fake-image.qcow2" },
      });
      expect(image.sha256).toBe(agentSide.get(id)?.get("fake-image.qcow2"));
      expect(leftovers([agentDir, tmp])).toEqual({ mounts: [], loops: [] });
    },
    BUILD_TEST_MS,
  );
});
