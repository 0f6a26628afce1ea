/**
 * `POST /api/catalogs/upload`: the plain HTTP handler the Next route calls
 * (a tRPC mutation cannot carry a big binary well). The body is streamed and
 * capped, never buffered whole.
 *
 * Request, either:
 * - raw body (application/gzip, application/x-tar, application/octet-stream)
 *   with the target in the query: `?catalogId=…` or `?teamId=…&name=…`,
 *   optional `subdir`, `description`, `visibility`, `fileName` (or header
 *   `X-File-Name`);
 * - multipart/form-data with the same fields and the archive in `file`
 *   (needs Content-Length; parsed as it streams, the file part written to a
 *   temp file under the archive cap).
 *
 * At most a few imports run at once server-wide (catalog-import-gate.ts);
 * past that, or past the shared extraction budget, the answer is 429.
 *
 * Response JSON: 201 `{ catalogId, version, created: true }`, 200 when the
 * content was already a version, or `{ error: { code, message, field } }`
 * with the AppError's HTTP status.
 */
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { AppError, HTTP_STATUS } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { requireWriteScope } from "../tokens/api-token-view.ts";
import { withImportSlot, type TImportSlot } from "./catalog-import-gate.ts";
import { catalogLimits } from "./catalog-limits.ts";
import {
  authorizeCatalogImport,
  importCatalogUpload,
  type TCatalogTarget,
  type TImportResult,
} from "./import-catalog-upload.ts";
import { receiveMultipartUpload } from "./receive-multipart-upload.ts";

/** Multipart overhead allowed above the archive cap (boundaries, other fields). */
const FORM_SLACK = 64 * 1024;

export async function handleCatalogUpload(
  deps: ServerDeps,
  actor: Actor | undefined,
  request: Request,
): Promise<Response> {
  try {
    if (request.method !== "POST") {
      return json(405, { error: { code: "INVALID_INPUT", message: "use POST" } });
    }
    if (!actor) throw new AppError("UNAUTHENTICATED", "sign in first");
    requireWriteScope(actor);
    const max = catalogLimits(deps.config).maxArchiveBytes;
    const length = Number(request.headers.get("content-length") ?? NaN);
    const type = request.headers.get("content-type") ?? "";
    const multipart = type.startsWith("multipart/form-data");
    if (multipart && !Number.isFinite(length)) {
      throw new AppError("INVALID_INPUT", "a multipart upload needs a Content-Length", "file");
    }
    if (Number.isFinite(length) && length > max + (multipart ? FORM_SLACK : 0)) throw tooLarge(max);
    if (!multipart && !request.body) {
      throw new AppError("INVALID_INPUT", "the request has no body", "file");
    }
    // The slot covers the request from its first byte: a form's file on disk counts too.
    const result = await withImportSlot(deps, "catalog upload", (slot) =>
      multipart
        ? importMultipart(deps, actor, request, slot)
        : importRawBody(deps, actor, request, slot),
    );
    return json(result.created ? 201 : 200, result);
  } catch (err) {
    if (err instanceof AppError) {
      return json(HTTP_STATUS[err.code], {
        error: { code: err.code, message: err.message, field: err.field },
      });
    }
    deps.logger.error("catalog upload failed", { err: String(err) });
    return json(500, { error: { code: "INTERNAL", message: "internal error" } });
  }
}

/** A raw archive body, the target in the query string. */
async function importRawBody(
  deps: ServerDeps,
  actor: Actor,
  request: Request,
  slot: TImportSlot,
): Promise<TImportResult> {
  const fields = new Map(new URL(request.url).searchParams);
  const target = readTarget(fields);
  await authorizeCatalogImport(deps, actor, target, "upload");
  return importCatalogUpload(deps, actor, {
    target,
    body: streamChunks(request.body as ReadableStream<Uint8Array>),
    fileName: fields.get("fileName") || request.headers.get("x-file-name") || "upload.tar.gz",
    subdir: fields.get("subdir") || undefined,
    slot,
  });
}

/** A form: its `file` part streamed to a temp file first (fields may follow the file). */
async function importMultipart(
  deps: ServerDeps,
  actor: Actor,
  request: Request,
  slot: TImportSlot,
): Promise<TImportResult> {
  const max = catalogLimits(deps.config).maxArchiveBytes;
  const fields = new Map(new URL(request.url).searchParams);
  // A target in the query is checked before a byte of the form is read.
  if (fields.has("catalogId") || fields.has("teamId")) {
    await authorizeCatalogImport(deps, actor, readTarget(fields), "upload");
  }
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), "kiln-catalog-form-"));
  try {
    const file = path.join(tmp, "archive");
    const form = await receiveMultipartUpload(request, {
      file,
      maxFileBytes: max,
      reserve: slot.reserve,
      tooLarge: () => tooLarge(max),
    });
    for (const [name, value] of form.fields) fields.set(name, value);
    if (!form.hasFile) throw new AppError("INVALID_INPUT", "the form has no 'file' part", "file");
    const target = readTarget(fields);
    await authorizeCatalogImport(deps, actor, target, "upload");
    return await importCatalogUpload(deps, actor, {
      target,
      body: createReadStream(file),
      fileName:
        fields.get("fileName") ||
        request.headers.get("x-file-name") ||
        form.fileName ||
        "upload.tar.gz",
      subdir: fields.get("subdir") || undefined,
      slot,
    });
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

function readTarget(fields: Map<string, string>): TCatalogTarget {
  const catalogId = fields.get("catalogId");
  if (catalogId) return { catalogId };
  const teamId = fields.get("teamId");
  const name = fields.get("name");
  if (!teamId) throw new AppError("INVALID_INPUT", "give catalogId, or teamId and name", "teamId");
  if (!name) throw new AppError("INVALID_INPUT", "give the new catalog's name", "name");
  const visibility = fields.get("visibility");
  if (visibility !== undefined && visibility !== "team" && visibility !== "public") {
    throw new AppError("INVALID_INPUT", "visibility must be 'team' or 'public'", "visibility");
  }
  return { teamId, name, description: fields.get("description"), visibility };
}

function tooLarge(max: number): AppError {
  return new AppError(
    "PAYLOAD_TOO_LARGE",
    `catalog upload rejected: the archive is larger than ${max} bytes`,
    "file",
  );
}

async function* streamChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    // Stop the client's upload when we give up early (rejected or too large).
    await reader.cancel().catch(() => {});
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}
