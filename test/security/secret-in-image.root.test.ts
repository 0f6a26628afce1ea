/**
 * No recipe secret reaches a file of the image, its manifests, the build
 * record or an artifact. A real recipe build (tRPC over HTTP → dispatch →
 * ASSIGN over the agent socket → the agent's real engine executor, as root
 * with loop devices and mounts) carries two secrets: a multi-line `DIB_*`
 * one, which the manifests element would write into the image through
 * DIB_ENV, and a plain one. A host hook checks it received both, and prints
 * them (plain, multi-line and base64) so the log is checked as well.
 *
 * Then every file the build left on the agent (image outputs, `<name>.d/`
 * build record with its dib-manifests copy, the spool), every file of the
 * image tree (the tar output, unpacked), every downloaded artifact and the
 * stored log are scanned for the secrets' bytes, their lines and their
 * base64 and URL encodings (the masker's own list of forms).
 */
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSecretMasker } from "@kiln/contracts/secret-masker";
import type { ServerDeps } from "@kiln/server/context";
import { createRegistrationToken } from "@kiln/server/services/agents/create-registration-token";
import { importCatalogTree } from "@kiln/server/services/catalogs/import-catalog-tree";
import {
  findOrCreateCatalog,
  registerBuiltinCatalog,
} from "@kiln/server/services/catalogs/manage-catalogs";
import { dispatchQueued } from "@kiln/server/services/dispatch/dispatch-queued";
import { createApiToken } from "@kiln/server/services/tokens/create-api-token";
import type { TFixture } from "@kiln/server/testing/builds-fixture";
import { startApiServer, type TApiServer } from "@kiln/server/testing/start-api-server";
import { canBuild, firstReason, hasTool, skipNote } from "@kiln/engine/testing/host-capabilities";
import type { BuildExecutor } from "../../apps/cli/src/agent/build-executor.ts";
import { createEngineExecutor } from "../../apps/cli/src/agent/create-engine-executor.ts";
import {
  runTestAgent,
  type TTestAgentRun,
} from "../../apps/cli/src/agent/testing/run-test-agent.ts";
import { FIXTURE_ELEMENTS, leftovers } from "../pipeline/fake-build.ts";
import { tokenClient } from "../support/trpc-client.ts";
import { createSecretsFixture } from "./support/secrets-fixture.ts";

const why = firstReason(canBuild(), hasTool("tar"));
const REPO_ELEMENTS = path.resolve(import.meta.dirname, "..", "..", "elements");
const BUILD_TEST_MS = 120_000;

/** Multi-line and named DIB_*: DIB_ENV would carry it into the image. */
const DIB_SECRET = [
  "kiln-test-credential-line-one-Q7vX2mPz",
  "second/line+of=the&credential-R4nW8kTy",
  "third-line-of-the-credential-J5sH1dLc",
].join("\n");
/** Not DIB_*: hooks get it; nothing written should. */
const PLAIN_SECRET = "api-password-Vb3#Nq8@Lm2!Zx6";

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const NEEDLES = createSecretMasker([DIB_SECRET, PLAIN_SECRET]).forms.map((form) =>
  Buffer.from(form),
);

/** The forms of the secrets found in `data`. */
function secretsIn(data: Buffer): string[] {
  return NEEDLES.filter((needle) => data.includes(needle)).map((needle) => needle.toString());
}

/** Every regular file under `dir` holding a form of a secret, with the forms found. */
function scanTree(dir: string): { files: number; hits: string[] } {
  let files = 0;
  const hits: string[] = [];
  const walk = (at: string) => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const file = path.join(at, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.isFile()) {
        files++;
        const found = secretsIn(fs.readFileSync(file));
        if (found.length) hits.push(`${path.relative(dir, file)}: ${found.join(" | ")}`);
      }
    }
  };
  walk(dir);
  return { files, hits };
}

/** The hooks of the team catalog: checks the secrets arrived, prints them for the masking check. */
function writeSecretUser(tree: string): void {
  const element = path.join(tree, "secret-user");
  fs.mkdirSync(path.join(element, "root.d"), { recursive: true });
  fs.writeFileSync(path.join(element, "README.md"), "# secret-user\n\nTest.\n");
  fs.writeFileSync(
    path.join(element, "root.d", "50-use-secrets"),
    [
      "#!/bin/bash",
      "set -eu",
      'test "$(printf %s "$DIB_REPO_CREDENTIALS" | sha256sum | cut -d" " -f1)" = "$KILN_TEST_DIB_SHA256"',
      'test "$(printf %s "$API_PASSWORD" | sha256sum | cut -d" " -f1)" = "$KILN_TEST_PLAIN_SHA256"',
      'echo "secrets reached the hook"',
      'echo "credentials: $DIB_REPO_CREDENTIALS"',
      'echo "password: $API_PASSWORD"',
      'printf %s "$API_PASSWORD" | base64',
      'printf %s "$DIB_REPO_CREDENTIALS" | base64 -w0; echo',
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
}

describe.skipIf(why)(`recipe secrets stay out of images and artifacts${skipNote(why)}`, () => {
  let f: TFixture;
  let deps: ServerDeps;
  let api: TApiServer;
  let tmp: string;
  let agentDir: string;
  let apiToken: string;
  let trpc: ReturnType<typeof tokenClient>;
  let agent: TTestAgentRun | undefined;
  /** buildId → what was scanned on the agent before its files were dropped. */
  const onAgent = new Map<string, { files: number; hits: string[]; sent: string[] }>();
  const opsLog: string[] = [];

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-secret-image-"));
    agentDir = path.join(tmp, "agent");
    ({ f, deps } = await createSecretsFixture(tmp, {
      builtinElementsDir: FIXTURE_ELEMENTS,
      secretKey: "secret-in-image test key",
    }));
    await registerBuiltinCatalog(deps);
    api = await startApiServer({ deps, gateway: { heartbeatIntervalMs: 5000 } });
    apiToken = (
      await createApiToken(deps, null, {
        userId: f.users.admin.userId,
        name: "ci",
        scopes: ["read", "write", "admin"],
      })
    ).token;
    trpc = tokenClient(api.url, apiToken);
    const logger = {
      debug: () => undefined,
      info: (msg: string) => void opsLog.push(msg),
      warn: (msg: string, fields?: object) => void opsLog.push(`${msg} ${JSON.stringify(fields)}`),
      error: (msg: string, fields?: object) => void opsLog.push(`${msg} ${JSON.stringify(fields)}`),
    };
    const engine = createEngineExecutor({
      elementsPath: [FIXTURE_ELEMENTS],
      hostEnv: { PATH: process.env.PATH },
      imageCache: path.join(tmp, "image-cache"),
      logger,
    });
    // The real executor, watched: what the agent sends up, and every file the build left
    // under its directory, scanned before the job runner uploads and drops them.
    const executor: BuildExecutor = {
      preflight: () => engine.preflight(),
      async run(job) {
        const sent: string[] = [];
        const outcome = await engine.run({
          ...job,
          emit: (event) => {
            sent.push(JSON.stringify(event));
            job.emit(event);
          },
          writeLog: (data) => {
            sent.push(Buffer.from(data).toString());
            job.writeLog(data);
          },
        });
        const scanned = scanTree(path.dirname(job.workDir));
        const sentHits = secretsIn(Buffer.from(sent.join("\n")));
        onAgent.set(job.buildId, { ...scanned, sent: sentHits });
        return outcome;
      },
    };
    const { token } = await createRegistrationToken(deps, f.users.admin, {});
    agent = runTestAgent({
      server: api.url,
      token,
      workDir: agentDir,
      name: "secret-agent",
      executor,
      logger,
      backoff: { baseMs: 50, maxMs: 500 },
      flushMs: 50,
    });
  });

  afterAll(async () => {
    await agent?.worker()?.stop();
    await Promise.race([
      agent?.done.catch(() => undefined),
      new Promise((resolve) => setTimeout(resolve, 5000)),
    ]);
    await api?.close();
    await f?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it(
    "hooks get the secrets; no file, artifact, build record or log holds them",
    async () => {
      await expect.poll(() => api.gateway.connected().length, { timeout: 15_000 }).toBe(1);
      const tree = path.join(tmp, "team-catalog");
      fs.cpSync(path.join(FIXTURE_ELEMENTS, "fake-os"), path.join(tree, "fake-os"), {
        recursive: true,
      });
      fs.cpSync(path.join(REPO_ELEMENTS, "manifests"), path.join(tree, "manifests"), {
        recursive: true,
      });
      fs.mkdirSync(path.join(tree, "base"));
      fs.writeFileSync(path.join(tree, "base", "README.md"), "# base\n\nTest stub.\n");
      writeSecretUser(tree);
      const catalog = await findOrCreateCatalog(deps, f.users.alice, {
        teamId: f.teamA,
        name: "secrets",
      });
      const { version } = await importCatalogTree(deps, {
        catalogId: catalog.id,
        dir: tree,
        origin: "secret-in-image.test",
        createdById: f.users.alice.userId,
        what: "catalog upload",
      });
      const recipe = await trpc.recipes.create.mutate({
        teamId: f.teamA,
        name: "secret-image",
        version: {
          elements: ["fake-os", "manifests", "secret-user"],
          outputTypes: ["tar", "qcow2"],
          imageSizeGb: 0.2,
          catalogVersionIds: [version.id],
          env: [
            { name: "DIB_REPO_CREDENTIALS", value: DIB_SECRET, secret: true, multiline: true },
            { name: "API_PASSWORD", value: PLAIN_SECRET, secret: true },
            { name: "DIB_TEST_PLAIN", value: "visible-in-manifests" },
            { name: "KILN_TEST_DIB_SHA256", value: sha256(DIB_SECRET) },
            { name: "KILN_TEST_PLAIN_SHA256", value: sha256(PLAIN_SECRET) },
          ],
        },
      });
      // The test's agent is in the default shared pool: a maintainer lets this recipe use it.
      await trpc.recipes.update.mutate({ recipeId: recipe.recipeId, allowSharedPools: true });
      const { id } = await trpc.builds.create.mutate({ recipeVersionId: recipe.version.id });
      await dispatchQueued(deps);
      await expect
        .poll(
          async () => (await f.db.prisma.build.findUniqueOrThrow({ where: { id } })).finishedAt,
          { timeout: 100_000, interval: 250 },
        )
        .not.toBeNull();
      const build = await f.db.prisma.build.findUniqueOrThrow({ where: { id } });
      const log = await (
        await fetch(`${api.url}/api/builds/${id}/log`, {
          headers: { authorization: `Bearer ${apiToken}` },
        })
      ).text();
      expect(build.status, `${log}\n${opsLog.join("\n")}`).toBe("SUCCEEDED");
      expect(log).toContain("secrets reached the hook");
      expect(secretsIn(Buffer.from(log))).toEqual([]);

      // On the agent: the image outputs, the build record and its manifests, the spool.
      const scanned = onAgent.get(id)!;
      expect(scanned.files).toBeGreaterThan(5);
      expect(scanned.hits).toEqual([]);
      expect(scanned.sent).toEqual([]);

      const artifacts = await f.db.prisma.artifact.findMany({ where: { buildId: id } });
      expect(artifacts.map((artifact) => artifact.type).sort()).toEqual(
        expect.arrayContaining(["qcow2", "tar"]),
      );
      const unpacked = path.join(tmp, "unpacked");
      for (const artifact of artifacts) {
        const res = await fetch(`${api.url}/api/builds/${id}/artifacts/${artifact.id}`, {
          headers: { authorization: `Bearer ${apiToken}` },
        });
        const bytes = Buffer.from(await res.arrayBuffer());
        expect(res.status).toBe(200);
        expect(secretsIn(bytes), artifact.fileName).toEqual([]);
        if (artifact.type !== "tar") continue;
        const tarFile = path.join(tmp, artifact.fileName);
        fs.writeFileSync(tarFile, bytes);
        fs.mkdirSync(unpacked);
        const untar = spawnSync("tar", ["-xf", tarFile, "-C", unpacked], { encoding: "utf8" });
        expect(untar.status, untar.stderr).toBe(0);
      }
      // The image tree, file by file: the manifests are there, without the secrets.
      const environment = path.join(unpacked, "etc", "dib-manifests", "dib_environment");
      expect(fs.readFileSync(environment, "utf8")).toContain("visible-in-manifests");
      const image = scanTree(unpacked);
      expect(image.files).toBeGreaterThan(5);
      expect(image.hits).toEqual([]);
      expect(leftovers([agentDir, tmp])).toEqual({ mounts: [], loops: [] });
    },
    BUILD_TEST_MS,
  );
});
