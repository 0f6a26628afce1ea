import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testProviders } from "@kiln/db/testing";
import { KilnError } from "@kiln/contracts/errors";
import { artifactStorageKey } from "@kiln/server/services/builds/record-artifact";
import { agentArch } from "../agent/run-agent.ts";
import { registerRemote } from "../commands/remote.ts";
import { exitCodeFor } from "../exit-codes.ts";
import {
  OK_IMAGE,
  OK_LOG,
  startRemoteTestServer,
  type RemoteTestServer,
} from "./testing/start-remote-server.ts";

const CLI = path.resolve(import.meta.dirname, "..", "..");
const providers = testProviders(process.env.KILN_TEST_DATABASE_URL).filter(
  (p) => p.provider === "sqlite",
);

interface Run {
  code: number;
  out: string;
  err: string;
}

/** Runs `kiln remote …` in-process, as main() would: thrown KilnErrors become `kiln: …` and their code. */
async function remote(
  args: string[],
  env: Record<string, string | undefined>,
  errIsTTY = false,
): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  let code = 0;
  const program = new Command().exitOverride();
  registerRemote(program, {
    env: () => env,
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    errIsTTY,
    pollMs: 25,
    setExitCode: (c) => (code = c),
  });
  try {
    await program.parseAsync(["remote", ...args], { from: "user" });
  } catch (e) {
    if (!(e instanceof KilnError)) throw e;
    err.push(`kiln: ${e.message}\n`);
    code = exitCodeFor(e);
  }
  return { code, out: out.join(""), err: err.join("") };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-remote-dl-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe.each(providers)("kiln remote against a real server and agent ($provider)", (provider) => {
  let s: RemoteTestServer;
  let env: Record<string, string | undefined>;
  const run = it.skipIf(!!provider.skipReason);
  const arch = agentArch();
  const build = (name: string, ...extra: string[]) => [
    "build",
    "--team",
    "a",
    "-o",
    name,
    "-a",
    arch,
    ...extra,
    "ubuntu",
    "vm",
  ];
  const storedLog = async (id: string) => {
    const rows = await s.f.db.prisma.logChunk.findMany({
      where: { buildId: id },
      orderBy: { offset: "asc" },
    });
    return Buffer.concat(rows.map((r) => Buffer.from(r.data))).toString("utf8");
  };
  const statusOf = async (id: string) =>
    (await s.f.db.prisma.build.findUniqueOrThrow({ where: { id } })).status;

  beforeAll(async () => {
    if (provider.skipReason) return;
    s = await startRemoteTestServer(provider);
    env = { KILN_SERVER: s.url, KILN_TOKEN: s.token };
  });
  afterAll(async () => {
    if (!provider.skipReason) await s.close();
  });

  run("build --follow streams the log to stdout, progress to stderr, and exits 0", async () => {
    const r = await remote(build("ok", "--follow"), env);
    expect(r.err).not.toContain("kiln:");
    expect(r.code).toBe(0);
    expect(r.out.startsWith(OK_LOG.join(""))).toBe(true);
    const m = /^build #(\d+) \((\S+)\) queued: (\S+)$/m.exec(r.err);
    expect(m, r.err).not.toBeNull();
    const [, number, id, url] = m!;
    expect(url).toBe(`${s.url}/builds/${id}`);
    expect(r.err).toContain("[1/2] root.d 10-fetch — 1s elapsed, ETA 5s");
    expect(r.err).toContain("[2/2] install.d 50-nginx — 2s elapsed, ETA 5s");
    expect(r.err).toMatch(new RegExp(`build #${number} SUCCEEDED`));
    expect(await statusOf(id!)).toBe("SUCCEEDED");
    expect(r.out).toBe(await storedLog(id!));

    // logs: the stored log, by id and by number.
    expect((await remote(["logs", id!], env)).out).toBe(r.out);
    expect((await remote(["logs", `#${number}`], env)).out).toBe(r.out);

    // artifacts: listing, then a verified download into a fresh directory.
    const list = await remote(["artifacts", id!], env);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`^image\\.qcow2\\s+92\\.0 KiB\\s+${sha256(OK_IMAGE)}\\n$`));
    const dir = path.join(tempDir(), "out");
    const dl = await remote(["artifacts", number!, "--download", dir], env);
    expect(dl.err).toBe("");
    expect(dl.code).toBe(0);
    expect(fs.readdirSync(dir)).toEqual(["image.qcow2"]);
    expect(fs.readFileSync(path.join(dir, "image.qcow2")).equals(OK_IMAGE)).toBe(true);

    // Tampered in the store: same size, other bytes → refused, nothing left behind.
    const tampered = Buffer.from(OK_IMAGE);
    tampered[100] = tampered[100]! ^ 0xff;
    await s.f.deps.store.put(artifactStorageKey(id!, "image.qcow2"), tampered);
    const bad = tempDir();
    const refused = await remote(["artifacts", id!, "--download", bad], env);
    expect(refused.code).toBe(1);
    expect(refused.err).toBe(
      `kiln: image.qcow2: sha256 mismatch: expected ${sha256(OK_IMAGE)}, got ${sha256(tampered)}; not saved\n`,
    );
    expect(fs.readdirSync(bad)).toEqual([]);
  });

  run("on a terminal, progress is one status line redrawn in place on stderr", async () => {
    const r = await remote(build("fail", "--follow"), env, true);
    expect(r.code).toBe(1);
    expect(r.err).toContain("\x1b[7m[1/2] install.d 50-broken — 1s elapsed, ETA ");
    expect(r.err).toContain("\r\x1b[2K");
    // Cleared before the closing line, which starts on a clean line.
    const afterLastClear = r.err.split("\r\x1b[2K").at(-1)!;
    expect(afterLastClear).toMatch(/^build #\d+ FAILED .*\n$/);
  });

  run("a failing build exits 1 and says where it failed", async () => {
    const r = await remote(build("fail", "--follow"), env);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^about to fail\n/);
    expect(r.err).toMatch(
      /build #\d+ FAILED after \S+ in install\.d\/50-broken: 50-broken exited with 7\n$/,
    );
  });

  run("a build cancelled from another call exits 3, and so does logs --follow", async () => {
    const following = remote(build("hang", "--follow"), env);
    let id = "";
    await expect
      .poll(
        async () => {
          const row = await s.f.db.prisma.build.findFirst({
            where: { status: "RUNNING", logBytes: { gt: 0 } },
            orderBy: { number: "desc" },
          });
          id = row?.id ?? "";
          return id;
        },
        { timeout: 10_000 },
      )
      .not.toBe("");
    const logs = remote(["logs", id, "--follow"], env);
    const cancel = await remote(["cancel", id], env);
    expect(cancel).toMatchObject({
      code: 0,
      out: `build ${id}: cancel requested (the agent stops it; it was RUNNING)\n`,
    });
    const [r, l] = await Promise.all([following, logs]);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/^waiting forever\n/);
    expect(r.out).toBe(await storedLog(id));
    expect(r.err).toMatch(/build #\d+ CANCELLED/);
    expect(l.code).toBe(3);
    expect(l.out).toBe(r.out);
    expect(await statusOf(id)).toBe("CANCELLED");
    // Cancelling a finished build is refused with the server's reason.
    const again = await remote(["cancel", id], env);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(
      /^kiln: http:\/\/127\.0\.0\.1:\d+ refused \(build \S+\): build #\d+ has already finished\n$/,
    );
  });

  run("--json prints queued, events, log and finished as JSON lines", async () => {
    const r = await remote(build("ok", "--follow", "--json"), env);
    expect(r.code).toBe(0);
    expect(r.err).toBe("");
    const lines = r.out
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ type: "queued", url: expect.stringContaining("/builds/") });
    expect(lines.at(-1)).toMatchObject({ type: "finished", status: "SUCCEEDED", exitCode: 0 });
    const logText = lines
      .filter((l) => l.type === "log")
      .map((l) => l.text)
      .join("");
    const id = lines[0]!.id as string;
    expect(logText).toBe(await storedLog(id));
    expect(logText.startsWith(OK_LOG.join(""))).toBe(true);
    const progress = lines.filter(
      (l) => l.type === "event" && (l.event as { type: string }).type === "progress",
    );
    expect(progress).toHaveLength(2);
  });

  run(
    "without --follow it queues (in the caller's only team), prints the build and exits 0",
    async () => {
      const r = await remote(
        build("ok").filter((a) => a !== "--team" && a !== "a"),
        env,
      );
      expect(r.code).toBe(0);
      expect(r.out).toMatch(
        /^build #\d+ \(\S+\) queued: http:\/\/127\.0\.0\.1:\d+\/builds\/\S+\n$/,
      );
      expect(r.err).toBe("");
    },
  );

  run("bad server, token, build, team and flags: one line each, naming them", async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const cases: [string[], Record<string, string | undefined>, number, RegExp][] = [
      [
        ["cancel", "x"],
        { ...env, KILN_SERVER: down },
        3,
        new RegExp(`^kiln: cannot reach the Kiln server at ${down} \\(ECONNREFUSED\\)\n$`),
      ],
      [
        ["cancel", "x"],
        { ...env, KILN_TOKEN: "kiln_nonsense" },
        2,
        /^kiln: http:\/\/127\.0\.0\.1:\d+ refused the token \(401: .+\); check --token \/ KILN_TOKEN\n$/,
      ],
      [
        ["logs", "nosuchbuild"],
        env,
        2,
        /^kiln: build nosuchbuild not found on http:\/\/127\.0\.0\.1:\d+\n$/,
      ],
      [
        ["cancel", "nosuchbuild"],
        env,
        2,
        /^kiln: build nosuchbuild not found on http:\/\/127\.0\.0\.1:\d+\n$/,
      ],
      [
        ["artifacts", "#9999"],
        env,
        2,
        /^kiln: build #9999 not found on http:\/\/127\.0\.0\.1:\d+\n$/,
      ],
      [
        build("ok"),
        { ...env, KILN_TOKEN: s.readToken },
        2,
        /^kiln: http:\/\/127\.0\.0\.1:\d+: not allowed \(403: this API token may only read\)\n$/,
      ],
      [
        ["build", "--team", "zz", "ubuntu"],
        env,
        2,
        /^kiln: --team: no team 'zz' on http:\/\/127\.0\.0\.1:\d+ for this token \(yours: a\)\n$/,
      ],
      [
        build("ok", "--keep-on-failure"),
        env,
        2,
        /^kiln: --keep-on-failure: not supported by kiln remote build \(/,
      ],
      [build("ok", "--image-cache", "/x"), env, 2, /^kiln: --image-cache: not supported/],
      [build("ok", "-t", "iso"), env, 2, /^kiln: -t\/--types: /],
      [build("ok", "-e", "NOEQUALS"), env, 2, /^kiln: --env: "NOEQUALS" is not NAME=VALUE\n$/],
      [
        ["cancel", "x"],
        { KILN_TOKEN: "kiln_x" },
        2,
        /^kiln: --server: required \(or set KILN_SERVER\)\n$/,
      ],
      [
        ["cancel", "x"],
        { ...env, KILN_TOKEN: "kiln_reg_abc" },
        2,
        /^kiln: --token: that is an agent registration token/,
      ],
      [
        ["cancel", "x", "--server", "ftp://h"],
        env,
        2,
        /^kiln: --server: "ftp:\/\/h" is not an http\(s\) URL\n$/,
      ],
    ];
    for (const [args, e, code, message] of cases) {
      const r = await remote(args, e);
      expect(r.err, args.join(" ")).toMatch(message);
      expect(r.code, args.join(" ")).toBe(code);
      expect(r.out).toBe("");
    }
  });

  run("a server that is not Kiln is named as such", async () => {
    const html = http.createServer((_req, res) => res.writeHead(404).end("<html>hi</html>"));
    await new Promise<void>((r) => html.listen(0, "127.0.0.1", r));
    const other = `http://127.0.0.1:${(html.address() as net.AddressInfo).port}`;
    try {
      for (const args of [
        ["cancel", "x"],
        ["logs", "x"],
      ]) {
        const r = await remote(args, { ...env, KILN_SERVER: other });
        expect(r.err).toMatch(new RegExp(`^kiln: ${other} did not answer like a Kiln server \\(`));
        expect(r.code).toBe(3);
      }
    } finally {
      html.closeAllConnections();
      await new Promise((r) => html.close(r));
    }
  });

  run("the flags win over KILN_SERVER / KILN_TOKEN", async () => {
    const r = await remote(["cancel", "nosuchbuild", "--server", s.url, "--token", s.token], {
      KILN_SERVER: "http://127.0.0.1:1",
      KILN_TOKEN: "kiln_wrong",
    });
    expect(r.err).toMatch(/build nosuchbuild not found/);
  });
});

describe("bin/kiln.js remote (spawned)", () => {
  it("shows help and refuses an unreachable server with exit 3 and one line", async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const spawnKiln = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [path.join(CLI, "bin", "kiln.js"), ...args], {
          cwd: path.resolve(CLI, "..", ".."),
          env: { ...process.env, KILN_SERVER: down, KILN_TOKEN: "kiln_x" },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
      });
    const [help, unreachable] = await Promise.all([
      spawnKiln(["remote", "logs", "--help"]),
      spawnKiln(["remote", "cancel", "42"]),
    ]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("build id, or its number as 42 or #42");
    expect(unreachable.code).toBe(3);
    expect(unreachable.stderr).toBe(
      `kiln: cannot reach the Kiln server at ${down} (ECONNREFUSED)\n`,
    );
  });
});
