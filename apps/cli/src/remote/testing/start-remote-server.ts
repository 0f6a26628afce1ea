/**
 * A real Kiln server for the `kiln remote` tests, without Next: one HTTP
 * server on 127.0.0.1 answering `/api/*` with @kiln/server's
 * `handleApi` (tRPC, log and artifact downloads) and the agent gateway, a
 * dispatcher, and an in-process agent whose fake executor picks its script
 * by the request's image name (`-o`): `ok`, `fail`, `hang` (until
 * cancelled). Not a test file itself.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TTestProvider } from "@kiln/db/testing";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import { createRegistrationToken } from "@kiln/server/services/agents/create-registration-token";
import { createFixture, type TFixture } from "@kiln/server/testing/builds-fixture";
import { createApiToken } from "@kiln/server/services/tokens/create-api-token";
import { startApiServer } from "@kiln/server/testing/start-api-server";
import type { BuildExecutor } from "../../agent/build-executor.ts";
import { createFakeExecutor, type TFakeStep } from "../../agent/testing/create-fake-executor.ts";
import { runTestAgent } from "../../agent/testing/run-test-agent.ts";

/** The artifact every `ok` build produces. */
export const OK_IMAGE = Buffer.from("kiln-remote-test-image\n".repeat(4096));
/** Log lines of an `ok` build, in order. */
export const OK_LOG = ["fetching base\n", "installing nginx\n", "writing image ✓\n"];

export interface RemoteTestServer {
  url: string;
  f: TFixture;
  /** alice's API token (member of team `a`). */
  token: string;
  /** A read-only token of alice's. */
  readToken: string;
  close(): Promise<void>;
}

const progress = (index: number, phase: "root.d" | "install.d", hook?: string): TFakeStep => ({
  event: {
    type: "progress",
    t: Date.now(),
    index,
    total: 2,
    phase,
    ...(hook ? { hook } : {}),
    elapsedMs: index * 1000,
    etaMs: 5000,
    fraction: index / 2,
  } satisfies TBuildEvent,
});

/** Scripts by image name. */
function routingExecutor(): BuildExecutor {
  const ok = createFakeExecutor([
    progress(1, "root.d", "10-fetch"),
    { log: OK_LOG[0]! },
    { sleepMs: 30 },
    progress(2, "install.d", "50-nginx"),
    { log: OK_LOG[1]! },
    { sleepMs: 30 },
    { log: OK_LOG[2]! },
    { artifact: { fileName: "image.qcow2", content: OK_IMAGE, kind: "qcow2" } },
  ]);
  const fail = createFakeExecutor(
    [progress(1, "install.d", "50-broken"), { log: "about to fail\n" }],
    {
      status: "failed",
      error: {
        code: "HOOK_FAILED",
        message: "50-broken exited with 7",
        phase: "install.d",
        element: "ubuntu",
        script: "50-broken",
        exitCode: 7,
      },
    },
  );
  const hang = createFakeExecutor([{ log: "waiting forever\n" }, { gate: "never" }]);
  const routes: Record<string, BuildExecutor> = { ok, fail, hang };
  return {
    preflight: () => ok.preflight(),
    run: (job) => (routes[job.assign.request.imageName] ?? ok).run(job),
  };
}

export async function startRemoteTestServer(provider: TTestProvider): Promise<RemoteTestServer> {
  const f = await createFixture(provider);
  const api = await startApiServer({
    deps: f.deps,
    gateway: { heartbeatIntervalMs: 5000 },
    // The dashboard's dispatcher, faster: right after any build change, and on a short tick.
    dispatch: { everyMs: 100, afterChangeMs: 10 },
  });
  const { url, gateway } = api;

  const token = (await createApiToken(f.deps, null, { userId: f.users.alice.userId, name: "cli" }))
    .token;
  const readToken = (
    await createApiToken(f.deps, null, {
      userId: f.users.alice.userId,
      name: "ro",
      scopes: ["read"],
    })
  ).token;

  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-remote-agent-"));
  const registration = await createRegistrationToken(f.deps, f.users.admin, {});
  const agent = runTestAgent({
    server: url,
    token: registration.token,
    workDir,
    name: "remote-test-agent",
    capacity: 2,
    executor: routingExecutor(),
    skipCleanup: true,
  });
  const deadline = Date.now() + 10_000;
  while (gateway.connected().length === 0) {
    if (Date.now() > deadline) throw new Error("the test agent did not connect");
    await new Promise((r) => setTimeout(r, 20));
  }

  return {
    url,
    f,
    token,
    readToken,
    close: async () => {
      await agent.stop();
      await api.close();
      await f.close();
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
}
