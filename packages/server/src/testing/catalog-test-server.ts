/**
 * Test support for catalogs, elements and recipes: a migrated throwaway
 * database, ServerDeps with a directory store and a private catalog cache,
 * users and teams, element trees and tarballs made in temp dirs. Not used by
 * production code.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { TTestProvider } from "@kiln/db/testing";
import type { Actor, ServerConfig, ServerDeps } from "../context.ts";
import { catalogsRouter } from "../routers/catalogs-router.ts";
import { elementsRouter } from "../routers/elements-router.ts";
import { recipesRouter } from "../routers/recipes-router.ts";
import { createCallerFactory, router } from "../trpc.ts";
import { createTestDeps } from "./test-server-deps.ts";

export const catalogTestRouter = router({
  catalogs: catalogsRouter,
  elements: elementsRouter,
  recipes: recipesRouter,
});
const createCaller = createCallerFactory(catalogTestRouter);

/** Kiln's own elements directory (the built-in catalog). */
export const BUILTIN_ELEMENTS_DIR = path.resolve(import.meta.dirname, "../../../../elements");

export interface TCatalogTestServer {
  deps: ServerDeps;
  tmp: string;
  caller(actor: Actor): ReturnType<typeof createCaller>;
  /** Creates a user (role "user" unless admin) and returns its actor. */
  user(email: string, admin?: boolean): Promise<Actor>;
  team(
    slug: string,
    members: [Actor, "owner" | "maintainer" | "member" | "viewer"][],
  ): Promise<string>;
  close(): Promise<void>;
}

export async function createCatalogTestServer(
  provider: TTestProvider,
  config: Partial<ServerConfig> = {},
): Promise<TCatalogTestServer> {
  const base = await createTestDeps(provider);
  const { db, tmp } = base;
  const deps: ServerDeps = {
    ...base.deps,
    config: {
      ...base.deps.config,
      builtinElementsDir: BUILTIN_ELEMENTS_DIR,
      catalogCacheDir: path.join(tmp, "cache"),
      secretKey: "test secret key",
      ...config,
    },
  };
  return {
    deps,
    tmp,
    caller: (actor) => createCaller({ deps, actor }),
    user: async (email, admin = false) => {
      const u = await db.prisma.user.create({ data: { email, role: admin ? "admin" : "user" } });
      return { userId: u.id, email, role: admin ? "admin" : "user" };
    },
    team: async (slug, members) => {
      const t = await db.prisma.team.create({ data: { slug, name: slug } });
      for (const [a, role] of members) {
        await db.prisma.membership.create({ data: { userId: a.userId, teamId: t.id, role } });
      }
      return t.id;
    },
    close: base.close,
  };
}

/** Writes files (path → content; a leading "!" makes it executable) under `root`. */
export function writeTree(root: string, files: Record<string, string>): string {
  for (const [rel, content] of Object.entries(files)) {
    const exec = rel.startsWith("!");
    const file = path.join(root, exec ? rel.slice(1) : rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content, { mode: exec ? 0o755 : 0o644 });
  }
  return root;
}

/** A small catalog: an OS element, base, and a few with deps. */
export function sampleElements(extra: Record<string, string> = {}): Record<string, string> {
  const hook = "#!/bin/bash\nset -eu\nset -o pipefail\necho hi\n";
  return {
    "base/README.md": "# base\n\nThe base element.\n",
    "base/element-deps": "",
    "!base/install.d/10-base": hook,
    "myos/README.md": "# myos\n\nAn operating system.\n",
    "myos/element-provides": "operating-system\n",
    "!myos/root.d/10-root": hook,
    "myos/package-installs.yaml": "curl:\nvim:\n  phase: install.d\n",
    "web/README.md": "# web\n\nA web server.\n",
    "web/element-deps": "tools\n",
    "!web/install.d/20-web": hook,
    "web/environment.d/10-web.bash": "export WEB_PORT=${WEB_PORT:-80}\n",
    "tools/README.md": "# tools\n\nTools.\n",
    "tools/element-deps": "",
    "broken/README.md": "# broken\n\nNeeds a missing element.\n",
    "broken/element-deps": "nowhere-to-be-found\n",
    ...extra,
  };
}

/** A .tar.gz of `dir`'s content made by the system tar (entries "./…"). */
export function tarGz(dir: string, out: string): Buffer {
  execFileSync("tar", ["-czf", out, "-C", dir, "."]);
  return fs.readFileSync(out);
}

/** One ustar header (+ body), for crafting archives GNU tar will not make. */
export function tarEntry(
  name: string,
  opts: { type?: string; body?: string; linkname?: string; mode?: number } = {},
): Buffer {
  const body = Buffer.from(opts.body ?? "");
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, "utf8");
  h.write((opts.mode ?? 0o644).toString(8).padStart(7, "0") + "\0", 100, "latin1");
  h.write("0000000\0", 108, "latin1");
  h.write("0000000\0", 116, "latin1");
  h.write(body.length.toString(8).padStart(11, "0") + "\0", 124, "latin1");
  h.write("00000000000\0", 136, "latin1");
  h.write("        ", 148, "latin1");
  h.write(opts.type ?? "0", 156, "latin1");
  h.write(opts.linkname ?? "", 157, 100, "utf8");
  h.write("ustar\0", 257, "latin1");
  h.write("00", 263, "latin1");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148, "latin1");
  const pad = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([h, body, pad]);
}

/** A whole archive from crafted entries (two zero blocks at the end). */
export function tarOf(...entries: Buffer[]): Buffer {
  return Buffer.concat([...entries, Buffer.alloc(1024)]);
}

/** Runs git in `cwd` with a fixed identity (tests make local repositories). */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();
}
