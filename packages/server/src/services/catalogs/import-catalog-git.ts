/**
 * Catalogs from git: fetch one commit (`--depth 1`) of a branch, tag or sha
 * into a throwaway repository, then `git archive <commit>:<subdir>` through
 * the same safe extractor as uploads (so a repository gets exactly the checks
 * an archive gets, and `.git` never enters the tree).
 *
 * Local paths and file:// URLs read the server host's disk, so only Kiln
 * administrators may use them; other users get http(s), ssh and git URLs.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit } from "../access.ts";
import { catalogLimits } from "./catalog-limits.ts";
import { extractTarSafely } from "./extract-tar-safely.ts";
import { importCatalogTree } from "./import-catalog-tree.ts";
import {
  authorizeCatalogImport,
  requireSourceKind,
  checkSubdir,
  type TCatalogTarget,
  type TImportResult,
} from "./import-catalog-upload.ts";
import { findOrCreateCatalog, requireCatalog, toVersionSummary } from "./manage-catalogs.ts";

export interface TImportGitInput {
  target: TCatalogTarget;
  /** https://, ssh://, git:// or scp-like `user@host:path`; local paths and file:// for admins. */
  url: string;
  /** Branch, tag or commit sha (default: the remote's HEAD). */
  ref?: string;
  /** Directory of the repository holding the elements (default: its root). */
  subdir?: string;
}

const GIT_TIMEOUT_MS = 5 * 60_000;

export async function importCatalogGit(
  deps: ServerDeps,
  actor: Actor,
  input: TImportGitInput,
): Promise<TImportResult> {
  const known = await authorizeCatalogImport(deps, actor, input.target, "git");
  const local = checkGitUrl(input.url);
  if (local && actor.role !== "admin") {
    throw new AppError(
      "FORBIDDEN",
      "only Kiln administrators may import from a path on the server",
      "url",
    );
  }
  const ref = checkRef(input.ref ?? "HEAD");
  const subdir = input.subdir ? checkSubdir(input.subdir) : "";

  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "kiln-catalog-git-"));
  try {
    const repo = path.join(tmp, "repo");
    const tree = path.join(tmp, "tree");
    await fs.mkdir(tree);
    const git = gitRunner(repo, local);
    await git(["init", "-q", repo], "url", tmp);
    await git(["fetch", "--depth", "1", "--no-tags", "--", input.url, ref], "ref");
    const commit = (await git(["rev-parse", "--verify", "FETCH_HEAD^{commit}"], "ref")).trim();
    const object = subdir ? `${commit}:${subdir}` : `${commit}^{tree}`;
    const kind = await git(["cat-file", "-t", object], "subdir").catch(() => "");
    if (kind.trim() !== "tree") {
      throw new AppError(
        "INVALID_INPUT",
        `git import rejected: '${subdir}' is not a directory at ${ref} (${commit.slice(0, 12)})`,
        "subdir",
      );
    }
    const archive = execa("git", ["-C", repo, "archive", "--format=tar", object], {
      stdout: "pipe",
      buffer: false,
      stderr: "pipe",
      timeout: GIT_TIMEOUT_MS,
      env: gitEnv(),
    });
    const limits = catalogLimits(deps.config);
    await Promise.all([
      extractTarSafely({
        source: archive.stdout,
        dir: tree,
        limits: { ...limits, maxArchiveBytes: limits.maxTreeBytes * 2 },
        what: "git import",
      }),
      archive,
    ]).catch((err: unknown) => {
      archive.kill();
      throw err;
    });

    const catalog =
      known ??
      (await findOrCreateCatalog(deps, actor, {
        ...(input.target as Exclude<TCatalogTarget, { catalogId: string }>),
        sourceKind: "git",
        sourceUrl: input.url,
        sourceRef: input.ref ?? null,
        sourceSubdir: subdir || null,
      }));
    requireSourceKind(catalog, "git", "name");
    await deps.db.prisma.catalog.update({
      where: { id: catalog.id },
      data: { sourceUrl: input.url, sourceRef: input.ref ?? null, sourceSubdir: subdir || null },
    });
    const { version, created } = await importCatalogTree(deps, {
      catalogId: catalog.id,
      dir: tree,
      origin: commit,
      createdById: actor.userId,
      what: "git import",
    });
    await audit(deps, actor, "catalog.import", `catalog:${catalog.id}`, {
      source: "git",
      url: input.url,
      ref,
      subdir,
      commit,
      sha256: version.sha256,
      created,
    });
    return { catalogId: catalog.id, version: toVersionSummary(version), created };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** Imports the catalog's stored git source again (a new version if the tree changed). */
export async function refreshCatalogGit(
  deps: ServerDeps,
  actor: Actor,
  input: { catalogId: string },
): Promise<TImportResult> {
  const c = await requireCatalog(deps, actor, input.catalogId, "write");
  if (c.sourceKind !== "git" || !c.sourceUrl) {
    throw new AppError("INVALID_INPUT", `catalog '${c.name}' has no git source`, "catalogId");
  }
  return importCatalogGit(deps, actor, {
    target: { catalogId: c.id },
    url: c.sourceUrl,
    ref: c.sourceRef ?? undefined,
    subdir: c.sourceSubdir ?? undefined,
  });
}

/** True for a local path or file:// URL; throws for anything git could misread. */
function checkGitUrl(url: string): boolean {
  const bad = (why: string) => new AppError("INVALID_INPUT", `git URL '${url}' ${why}`, "url");
  if (!url || url.length > 2000 || /[\0\n\r]/.test(url)) throw bad("is not valid");
  if (url.startsWith("-")) throw bad("must not start with '-'");
  if (url.startsWith("/") || url.startsWith("file://")) return true;
  if (/^(https?|ssh|git):\/\/[^\s]+$/.test(url)) return false;
  if (/^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:[^\s]+$/.test(url)) return false;
  throw bad("must be https://, ssh://, git:// or user@host:path (an absolute path for admins)");
}

function checkRef(ref: string): string {
  if (!/^[A-Za-z0-9._/-]{1,200}$/.test(ref) || ref.startsWith("-") || ref.includes("..")) {
    throw new AppError(
      "INVALID_INPUT",
      `git ref '${ref}' is not a branch, tag or commit name`,
      "ref",
    );
  }
  return ref;
}

function gitEnv(): Record<string, string> {
  // Never prompt for credentials on the server; ignore the host's system config.
  return {
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_SSH_COMMAND: "ssh -o BatchMode=yes",
  };
}

/** Runs git in the scratch repository with only the allowed transports switched on. */
function gitRunner(repo: string, allowFile: boolean) {
  const protocols = [
    "-c",
    "protocol.allow=never",
    "-c",
    "protocol.https.allow=always",
    "-c",
    "protocol.http.allow=always",
    "-c",
    "protocol.ssh.allow=always",
    "-c",
    "protocol.git.allow=always",
    "-c",
    `protocol.file.allow=${allowFile ? "always" : "never"}`,
  ];
  return async (args: string[], field: string, cwd?: string): Promise<string> => {
    const r = await execa("git", [...protocols, ...(cwd ? [] : ["-C", repo]), ...args], {
      cwd,
      reject: false,
      timeout: GIT_TIMEOUT_MS,
      env: gitEnv(),
      stdin: "ignore",
    });
    if (r.exitCode !== 0 || r.timedOut) {
      const last =
        String(r.stderr).trim().split("\n").filter(Boolean).pop() ?? `exit ${r.exitCode}`;
      throw new AppError(
        "INVALID_INPUT",
        `git ${args[0]} failed: ${r.timedOut ? "timed out" : last}`,
        field,
      );
    }
    return String(r.stdout);
  };
}
