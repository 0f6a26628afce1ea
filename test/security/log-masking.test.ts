/**
 * The server masks a build's secrets at ingest, whatever the agent sent: a
 * fake agent over a real WebSocket reports a recipe build whose log chunks
 * and events carry the recipe's secrets (plain, split over two chunks,
 * multi-line, base64, URL-encoded). The stored chunks, the log download, the
 * tRPC log and events, the stored hooks, the failure message and what
 * followers were sent never hold them, and log offsets stay the agent's.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import { encodeLogData } from "@kiln/protocol";
import type { ServerDeps } from "@kiln/server/context";
import { dispatchQueued } from "@kiln/server/services/dispatch/dispatch-queued";
import { importCatalogTree } from "@kiln/server/services/catalogs/import-catalog-tree";
import { findOrCreateCatalog } from "@kiln/server/services/catalogs/manage-catalogs";
import { createApiToken } from "@kiln/server/services/tokens/create-api-token";
import type { TFixture } from "@kiln/server/testing/builds-fixture";
import { connectNewAgent, type FakeAgent } from "@kiln/server/testing/fake-agent";
import { startApiServer, type TApiServer } from "@kiln/server/testing/start-api-server";
import { tokenClient } from "../support/trpc-client.ts";
import { createSecretsFixture } from "./support/secrets-fixture.ts";

const TOKEN = "ghp_S3cr3tT0ken/with+odd&chars=1";
const KEY_LINES = [
  "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
  "c2VjcmV0LWxpbmUtdHdvLW9mLXRoZS1rZXktbWF0ZXJpYWw",
];
const KEY = ["-----BEGIN TEST KEY-----", ...KEY_LINES, "-----END TEST KEY-----"].join("\n");
const base64 = (text: string) => Buffer.from(text).toString("base64");

/** Secret bytes in any of the forms sent: what must never come back. */
const NEEDLES = [
  TOKEN,
  TOKEN.slice(0, 9),
  TOKEN.slice(9),
  ...KEY_LINES,
  base64(TOKEN).slice(0, -4),
  base64(`x${KEY}`).slice(8, -8),
  encodeURIComponent(TOKEN),
];

function leaked(text: string): string[] {
  return NEEDLES.filter((needle) => text.includes(needle));
}

describe("the server masks recipe secrets in what agents report", () => {
  let f: TFixture;
  let deps: ServerDeps;
  let api: TApiServer;
  let token: string;
  let agent: FakeAgent;
  let trpc: ReturnType<typeof tokenClient>;
  let tmp: string;
  let catalogVersionId: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-log-masking-"));
    ({ f, deps } = await createSecretsFixture(tmp, { secretKey: "log masking test key" }));
    // A team catalog holding the recipe's elements (recipes always get `base`).
    const tree = path.join(tmp, "tree");
    for (const element of ["base", "web"]) {
      fs.mkdirSync(path.join(tree, element), { recursive: true });
      fs.writeFileSync(path.join(tree, element, "README.md"), `# ${element}\n\nTest.\n`);
    }
    fs.writeFileSync(path.join(tree, "web", "element-provides"), "operating-system\n");
    const catalog = await findOrCreateCatalog(deps, f.users.alice, {
      teamId: f.teamA,
      name: "masking",
    });
    const imported = await importCatalogTree(deps, {
      catalogId: catalog.id,
      dir: tree,
      origin: "log-masking.test",
      createdById: f.users.alice.userId,
      what: "catalog upload",
    });
    catalogVersionId = imported.version.id;
    api = await startApiServer({ deps, gateway: { heartbeatIntervalMs: 5000 } });
    token = (
      await createApiToken(deps, null, {
        userId: f.users.alice.userId,
        name: "reader",
        scopes: ["read", "write"],
      })
    ).token;
    trpc = tokenClient(api.url, token);
    ({ agent } = await connectNewAgent(api.url, deps, f.users.admin, "masking-agent"));
  });

  afterAll(async () => {
    agent?.ws.close();
    await api?.close();
    await f?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("stores, serves and publishes the log and events without the secrets, offsets intact", async () => {
    const recipe = await trpc.recipes.create.mutate({
      teamId: f.teamA,
      name: "secretive",
      version: {
        elements: ["web"],
        outputTypes: ["qcow2"],
        catalogVersionIds: [catalogVersionId],
        env: [
          { name: "DIB_REPO_TOKEN", value: TOKEN, secret: true },
          { name: "SIGNING_KEY", value: KEY, secret: true, multiline: true },
        ],
      },
    });
    // The test's agent is in the default shared pool: a maintainer lets this recipe use it.
    await trpc.recipes.update.mutate({ recipeId: recipe.recipeId, allowSharedPools: true });
    const { id } = await trpc.builds.create.mutate({ recipeVersionId: recipe.version.id });
    await dispatchQueued(deps);
    const assign = await agent.next("ASSIGN", (message) => message.buildId === id);
    // The agent does get the values: hooks need them.
    expect(assign.env.find((entry) => entry.name === "DIB_REPO_TOKEN")?.value).toBe(TOKEN);
    agent.send({ type: "ACCEPT", v: 1, buildId: id });

    const keyCut = KEY.indexOf(KEY_LINES[1]!) + 10;
    const chunks = [
      `token: ${TOKEN}\n`,
      `split: ${TOKEN.slice(0, 9)}`,
      `${TOKEN.slice(9)} (joined)\nkey:\n${KEY.slice(0, keyCut)}`,
      `${KEY.slice(keyCut)}\n`,
      `base64: ${base64(TOKEN)}\nbase64 key: ${base64(`x${KEY}`)}\n`,
      `url: https://example.invalid/?t=${encodeURIComponent(TOKEN)}\n`,
    ].map((text) => Buffer.from(text));
    let offset = 0;
    chunks.forEach((data, seq) => {
      agent.send({ type: "LOG_CHUNK", v: 1, buildId: id, seq, offset, data: encodeLogData(data) });
      offset += data.length;
    });
    await agent.next("LOG_ACK", (message) => message.seq === chunks.length - 1);

    const events: TBuildEvent[] = [
      { type: "build.started", t: 1, buildId: id, elements: ["ubuntu"], phases: ["install.d"] },
      { type: "step", t: 2, name: "fetch", detail: `git clone https://x:${TOKEN}@example.invalid` },
      { type: "hook.started", t: 3, phase: "install.d", element: "ubuntu", script: `50-${TOKEN}` },
      {
        type: "hook.finished",
        t: 4,
        phase: "install.d",
        element: "ubuntu",
        script: `50-${TOKEN}`,
        exitCode: 1,
        durationMs: 1,
      },
      {
        type: "build.finished",
        t: 5,
        status: "failed",
        durationMs: 5,
        error: { code: "HOOK_FAILED", message: `bad key:\n${KEY}` },
      },
    ];
    events.forEach((event, seq) =>
      agent.send({ type: "BUILD_EVENT", v: 1, buildId: id, seq, event }),
    );
    await agent.next("EVENT_ACK", (message) => message.seq === events.length - 1);
    agent.send({
      type: "BUILD_FINISHED",
      v: 1,
      buildId: id,
      status: "failed",
      error: { code: "HOOK_FAILED", message: `exit 1: ${base64(TOKEN)} ${KEY}` },
      lastLogSeq: chunks.length - 1,
      lastEventSeq: events.length - 1,
      logBytes: offset,
    });
    await agent.next("BUILD_FINISHED_ACK", (message) => message.buildId === id);

    const stored = await f.db.prisma.logChunk.findMany({
      where: { buildId: id },
      orderBy: { seq: "asc" },
    });
    const storedText = Buffer.concat(stored.map((chunk) => Buffer.from(chunk.data))).toString();
    expect(leaked(storedText)).toEqual([]);
    // Same-length masks: every chunk keeps the agent's offset and length.
    expect(stored.map((chunk) => [chunk.offset, chunk.data.length])).toEqual(
      chunks.map((data, seq) => [
        chunks.slice(0, seq).reduce((n, c) => n + c.length, 0),
        data.length,
      ]),
    );
    expect(storedText).toContain("split: ");
    expect(storedText).toContain(" (joined)\nkey:\n");

    const download = await fetch(`${api.url}/api/builds/${id}/log`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const downloaded = await download.text();
    expect(download.status).toBe(200);
    expect(Buffer.byteLength(downloaded)).toBe(offset);
    expect(leaked(downloaded)).toEqual([]);
    expect(leaked((await trpc.builds.log.query({ buildId: id })).text)).toEqual([]);

    const served = JSON.stringify(await trpc.builds.events.query({ buildId: id }));
    expect(leaked(served)).toEqual([]);
    expect(served).toContain("git clone https://x:***@example.invalid");
    const rows = await f.db.prisma.buildEvent.findMany({ where: { buildId: id } });
    expect(leaked(rows.map((row) => row.data).join("\n"))).toEqual([]);
    const hooks = await f.db.prisma.buildHook.findMany({ where: { buildId: id } });
    expect(hooks.map((hook) => hook.script)).toEqual(["50-***"]);

    const build = await f.db.prisma.build.findUniqueOrThrow({ where: { id } });
    expect(build.status).toBe("FAILED");
    expect(leaked(build.failureMessage ?? "")).toEqual([]);
    expect(build.failureMessage).toContain("exit 1: ");

    const published = JSON.stringify(f.published(`build:${id}`), (_key, value: unknown) =>
      value instanceof Uint8Array ? Buffer.from(value).toString() : value,
    );
    expect(leaked(published)).toEqual([]);
  });
});
