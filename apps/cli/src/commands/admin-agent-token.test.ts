import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDb } from "@kiln/db/client";
import { afterAll, describe, expect, it } from "vitest";
import { Command } from "commander";
import { KilnError } from "@kiln/contracts/errors";
import { silentLogger } from "@kiln/contracts/logger";
import { hashRegistrationToken } from "@kiln/server/services/agents/create-registration-token";
import { exitCodeFor } from "../exit-codes.ts";
import { registerAdminCommand } from "./admin.ts";
import { spawnKiln, type TKilnRun } from "../testing/spawn-kiln.ts";

/** `kiln admin …` in-process over `dataDir`, as main() runs it: KilnErrors become `kiln: …` and exit 2/3. */
async function kiln(args: string[], dataDir: string, stdin = ""): Promise<TKilnRun> {
  let stdout = "";
  let stderr = "";
  const program = new Command().exitOverride();
  registerAdminCommand(program, {
    serverEnv: () => ({ KILN_DATA_DIR: dataDir }),
    logger: () => silentLogger,
    out: (t) => (stdout += t),
    err: (t) => (stderr += t),
    serverUrl: () => undefined,
    readStdin: async () => stdin,
    stdinIsTTY: () => false,
  });
  try {
    await program.parseAsync(args, { from: "user" });
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (!(e instanceof KilnError)) throw e;
    return { code: exitCodeFor(e), stdout, stderr: stderr + `kiln: ${e.message}\n` };
  }
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("kiln admin create-agent-token", () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "kiln-admin-agent-token-"));
  dirs.push(dataDir);
  const create = (...args: string[]) => kiln(["admin", "create-agent-token", ...args], dataDir);

  it("needs an administrator, then prints the token alone on stdout and the agent command on stderr", async () => {
    const none = await create();
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /^kiln: no administrator yet: create one with kiln admin create-user/,
    );

    for (const [email, role] of [
      ["first@example.com", "admin"],
      ["second@example.com", "admin"],
      ["user@example.com", "user"],
    ]) {
      const made = await kiln(
        ["admin", "create-user", "--email", email!, "--role", role!, "--password-stdin"],
        dataDir,
        "a long enough password\n",
      );
      expect(made.code).toBe(0);
    }

    const r = await create("--labels", "pool=ci, arch=amd64", "--ttl-hours", "2");
    expect(r.stderr).not.toMatch(/^kiln: /m);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^kiln_reg_[A-Za-z0-9_-]{32}\n$/);
    const token = r.stdout.trim();
    expect(r.stderr).toContain(
      `kiln agent --server http://${os.hostname()}:3000 --token ${token}\n`,
    );
    expect(r.stderr).toContain("labels pool=ci,arch=amd64;");

    const viaSecond = await create(
      "--as",
      "Second@Example.com",
      "--server",
      "https://kiln.example",
    );
    expect(viaSecond.code).toBe(0);
    expect(viaSecond.stderr).toContain(
      "kiln agent --server https://kiln.example --token kiln_reg_",
    );

    const db = createDb({ url: `file:${path.join(dataDir, "kiln.db")}` });
    try {
      const rows = await db.prisma.agentRegistrationToken.findMany({
        orderBy: { createdAt: "asc" },
      });
      expect(rows).toHaveLength(2);
      const first = await db.prisma.user.findUniqueOrThrow({
        where: { email: "first@example.com" },
      });
      const second = await db.prisma.user.findUniqueOrThrow({
        where: { email: "second@example.com" },
      });
      expect(rows[0]).toMatchObject({
        tokenHash: hashRegistrationToken(token),
        createdById: first.id,
        labels: JSON.stringify({ pool: "ci", arch: "amd64" }),
      });
      const ttl = rows[0]!.expiresAt.getTime() - rows[0]!.createdAt.getTime();
      expect(ttl).toBe(2 * 3600_000);
      expect(rows[1]!.createdById).toBe(second.id);
      const audit = await db.prisma.auditEvent.findMany({
        where: { action: "agent.token.create" },
      });
      expect(audit.map((a) => a.actorId)).toEqual([first.id, second.id]);
      expect(audit.map((a) => a.details).join()).not.toContain(token);
    } finally {
      await db.close();
    }
  });

  it("--pool puts the agent registering with the token in that pool", async () => {
    const r = await create("--pool", "default");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(", pool default;");
    const db = createDb({ url: `file:${path.join(dataDir, "kiln.db")}` });
    try {
      const row = await db.prisma.agentRegistrationToken.findUniqueOrThrow({
        where: { tokenHash: hashRegistrationToken(r.stdout.trim()) },
      });
      expect(row.poolId).toBe("default");
    } finally {
      await db.close();
    }
  });

  it("refuses bad flags with one line naming the flag", async () => {
    const cases: [string[], RegExp][] = [
      [["--ttl-hours", "0"], /^kiln: --ttl-hours: '0' is not a number of hours in \(0, 720\]\n$/],
      [["--ttl-hours", "721"], /^kiln: --ttl-hours: '721' /],
      [["--labels", "pool"], /^kiln: --labels: "pool" is not key=value\n$/],
      [["--pool", "no-such-pool"], /^kiln: --pool: no agent pool named 'no-such-pool'\n$/],
      [["--as", "nobody@example.com"], /^kiln: --as: no user has the email nobody@example.com\n$/],
      [
        ["--as", "user@example.com"],
        /^kiln: --as: user@example.com is not an enabled administrator\n$/,
      ],
    ];
    const runs = await Promise.all(cases.map(([args]) => create(...args)));
    for (const [i, [args, message]] of cases.entries()) {
      const r = runs[i]!;
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
    }
  });

  it(
    "bin/kiln.js: the token alone on stdout, the command on stderr",
    { timeout: 90_000 },
    async () => {
      const r = await spawnKiln(
        ["admin", "create-agent-token", "--server", "http://build-server:3000"],
        // No KILN_SERVER from the environment: the --server flag alone names it.
        { KILN_SERVER: "", KILN_DATA_DIR: dataDir },
      );
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^kiln_reg_[A-Za-z0-9_-]{32}\n$/);
      expect(r.stderr).toContain(
        `kiln agent --server http://build-server:3000 --token ${r.stdout.trim()}\n`,
      );
    },
  );
});
