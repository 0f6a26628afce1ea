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
 *   (needs Content-Length; the form is parsed by the platform).
 *
 * Response JSON: 201 `{ catalogId, version, created: true }`, 200 when the
 * content was already a version, or `{ error: { code, message, field } }`
 * with the AppError's HTTP status.
 */
import { AppError, HTTP_STATUS } from "../../app-error.ts";
import type { Actor, ServerDeps } from "../../context.ts";
import { requireWriteScope } from "../tokens/api-token-view.ts";
import { catalogLimits } from "./catalog-limits.ts";
import {
  authorizeCatalogImport,
  importCatalogUpload,
  type TCatalogTarget,
} from "./import-catalog-upload.ts";

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
    const url = new URL(request.url);
    const fields = new Map(url.searchParams);
    let body: AsyncIterable<Uint8Array>;
    let fileName = fields.get("fileName") ?? request.headers.get("x-file-name") ?? "";

    if (type.startsWith("multipart/form-data")) {
      if (!Number.isFinite(length)) {
        throw new AppError("INVALID_INPUT", "a multipart upload needs a Content-Length", "file");
      }
      if (length > max + FORM_SLACK) throw tooLarge(max);
      const form = await request.formData();
      for (const [k, v] of form) if (typeof v === "string") fields.set(k, v);
      const file = form.get("file");
      if (!file || typeof file === "string") {
        throw new AppError("INVALID_INPUT", "the form has no 'file' part", "file");
      }
      fileName = fileName || file.name;
      body = streamChunks(file.stream());
    } else {
      if (Number.isFinite(length) && length > max) throw tooLarge(max);
      if (!request.body) throw new AppError("INVALID_INPUT", "the request has no body", "file");
      body = streamChunks(request.body);
    }

    const target = readTarget(fields);
    await authorizeCatalogImport(deps, actor, target, "upload");
    const result = await importCatalogUpload(deps, actor, {
      target,
      body,
      fileName: fileName || "upload.tar.gz",
      subdir: fields.get("subdir") || undefined,
    });
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
