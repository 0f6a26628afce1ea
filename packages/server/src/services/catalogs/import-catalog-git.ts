/**
 * Catalogs from git: fetch one commit (`--depth 1`) of a branch, tag or sha
 * into a throwaway repository, then `git archive <commit>:<subdir>` through
 * the same safe extractor as uploads (so a repository gets exactly the checks
 * an archive gets, and `.git` never enters the tree).
 *
 * Local paths and file:// URLs read the server host's disk, so only Kiln
 * administrators may use them. Network remotes are https only, checked by
 * git-remote-policy.ts, and git runs sandboxed (run-git.ts). An import holds
 * one of the server's import slots (catalog-import-gate.ts) while it runs.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AppError } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { audit } from "../access.ts";
import type { CatalogModel as Catalog } from "@kiln/db/client";
import { withImportSlot, type TImportSlot } from "./catalog-import-gate.ts";
import { catalogLimits } from "./catalog-limits.ts";
import { checkGitRemote } from "./git-remote-policy.ts";
import { fetchRef, runGit, spawnGit, type TGitSandbox } from "./run-git.ts";
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
  /** https:// (see git-remote-policy.ts); local paths and file:// for admins. */
  url: string;
  /** Branch, tag or commit sha (default: the remote's HEAD). */
  ref?: string;
  /** Directory of the repository holding the elements (default: its root). */
  subdir?: string;
}

const DEFAULT_GIT_TIMEOUT_MS = 5 * 60_000;

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
  // Refused hosts are refused before anything is fetched, always with the same words.
  const remote = local
    ? { url: input.url, pin: undefined }
    : await checkGitRemote(input.url, deps.config);
  return withImportSlot(deps, "git import", async (slot) => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "kiln-catalog-git-"));
    try {
      const sandbox: TGitSandbox = {
        repo: path.join(tmp, "repo"),
        home: path.join(tmp, "home"),
        allowFile: local,
        pin: remote.pin,
        caFile: deps.config.gitCaFile,
      };
      const tree = path.join(tmp, "tree");
      await Promise.all([sandbox.repo, sandbox.home, tree].map((dir) => fs.mkdir(dir)));
      const commit = await fetchTree(deps, sandbox, { url: remote.url, ref, subdir, tree, slot });
      return await recordImport(deps, actor, { input, known, ref, subdir, commit, tree });
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });
}

/** Fetches `ref` and extracts its `subdir` into `tree`; returns the commit. */
async function fetchTree(
  deps: ServerDeps,
  sandbox: TGitSandbox,
  job: { url: string; ref: string; subdir: string; tree: string; slot: TImportSlot },
): Promise<string> {
  const limits = catalogLimits(deps.config);
  await runGit(sandbox, ["init", "-q", "--template="], {
    message: "git import failed: could not create a scratch repository",
    field: "url",
  });
  await fetchRef(sandbox, {
    url: job.url,
    ref: job.ref,
    timeoutMs: deps.config.gitTimeoutMs ?? DEFAULT_GIT_TIMEOUT_MS,
    maxBytes: deps.config.gitMaxFetchBytes ?? limits.maxTreeBytes,
  });
  const commit = (
    await runGit(sandbox, ["rev-parse", "--verify", "FETCH_HEAD^{commit}"], {
      message: `git import failed: '${job.ref}' does not name a commit`,
      field: "ref",
    })
  ).trim();
  const object = job.subdir ? `${commit}:${job.subdir}` : `${commit}^{tree}`;
  const kind = await runGit(sandbox, ["cat-file", "-t", object], { message: "", field: "" }).catch(
    () => "",
  );
  if (kind.trim() !== "tree") {
    throw new AppError(
      "INVALID_INPUT",
      `git import rejected: '${job.subdir}' is not a directory at ${job.ref} (${commit.slice(0, 12)})`,
      "subdir",
    );
  }
  const archive = spawnGit(sandbox, ["archive", "--format=tar", object], DEFAULT_GIT_TIMEOUT_MS);
  await Promise.all([
    extractTarSafely({
      source: archive.stdout,
      dir: job.tree,
      limits: { ...limits, maxArchiveBytes: limits.maxTreeBytes * 2 },
      what: "git import",
      reserve: job.slot.reserve,
    }),
    archive.then((result) => {
      if (result.exitCode !== 0 || result.timedOut) {
        throw new AppError("INVALID_INPUT", "git import failed: git archive did not finish", "url");
      }
    }),
  ]).catch((err: unknown) => {
    archive.kill();
    throw err;
  });
  return commit;
}

/** The catalog (found or created), its source, the new version and the audit record. */
async function recordImport(
  deps: ServerDeps,
  actor: Actor,
  job: {
    input: TImportGitInput;
    known: Catalog | undefined;
    ref: string;
    subdir: string;
    commit: string;
    tree: string;
  },
): Promise<TImportResult> {
  const { input, subdir, commit } = job;
  const catalog =
    job.known ??
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
    dir: job.tree,
    origin: commit,
    createdById: actor.userId,
    what: "git import",
  });
  await audit(deps, actor, "catalog.import", `catalog:${catalog.id}`, {
    source: "git",
    url: input.url,
    ref: job.ref,
    subdir,
    commit,
    sha256: version.sha256,
    created,
  });
  return { catalogId: catalog.id, version: toVersionSummary(version), created };
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
  const bad = (why: string) =>
    new AppError("INVALID_INPUT", `git URL '${url.slice(0, 200)}' ${why}`, "url");
  if (!url || url.length > 2000 || /[\0\n\r\\]/.test(url)) throw bad("is not valid");
  if (url.startsWith("-")) throw bad("must not start with '-'");
  return url.startsWith("/") || url.startsWith("file://");
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
