/**
 * A multipart/form-data catalog upload, parsed as it streams in (busboy):
 * the `file` part goes straight to a temp file with the archive cap counted
 * byte by byte, the small text fields are kept, and nothing is held in memory
 * whole. The first byte past the cap stops reading the request.
 */
import { createWriteStream } from "node:fs";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import busboy from "busboy";
import { AppError } from "../../app-error.ts";

export interface TMultipartUploadOptions {
  /** Where the `file` part is written (created; must not exist). */
  file: string;
  /** Largest `file` part accepted. */
  maxFileBytes: number;
  /** Counts bytes written to disk against a shared budget; throws to refuse them. */
  reserve: (bytes: number) => void;
  /** The error for a part past `maxFileBytes`. */
  tooLarge: () => AppError;
}

export interface TMultipartUpload {
  /** Text fields of the form (the last value of a repeated name). */
  fields: Map<string, string>;
  /** The `file` part's file name as the client gave it ("" when none). */
  fileName: string;
  /** Whether the form had a `file` part (written to `options.file`). */
  hasFile: boolean;
}

/** Form fields are a handful of short values (target, subdir, description). */
const FIELD_LIMITS = { fields: 20, fieldSize: 4096, fieldNameSize: 100, files: 4, parts: 30 };

export async function receiveMultipartUpload(
  request: Request,
  options: TMultipartUploadOptions,
): Promise<TMultipartUpload> {
  if (!request.body) throw new AppError("INVALID_INPUT", "the request has no body", "file");
  const upload: TMultipartUpload = { fields: new Map(), fileName: "", hasFile: false };
  const abort = new AbortController();
  let failure: unknown;
  const fail = (err: unknown) => {
    failure ??= err;
    // Not from inside busboy's own event (it still touches the part after emitting it).
    queueMicrotask(() => abort.abort());
  };
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { "content-type": request.headers.get("content-type") ?? "" },
      limits: { ...FIELD_LIMITS, fileSize: options.maxFileBytes },
      defParamCharset: "utf8",
    });
  } catch {
    throw new AppError("INVALID_INPUT", "the multipart form is not valid", "file");
  }
  const writes: Promise<void>[] = [];
  parser.on("field", (name, value, info) => {
    if (info.valueTruncated)
      fail(new AppError("INVALID_INPUT", `form field '${name}' is too long`));
    upload.fields.set(name, value);
  });
  parser.on("file", (name, stream, info) => {
    if (name !== "file" || upload.hasFile) {
      stream.resume();
      return;
    }
    upload.hasFile = true;
    upload.fileName = info.filename ?? "";
    stream.once("limit", () => fail(options.tooLarge()));
    const out = createWriteStream(options.file, { flags: "wx", mode: 0o600 });
    writes.push(pipeline(stream, counter(options.reserve), out).catch(fail));
  });
  try {
    await pipeline(Readable.fromWeb(request.body as never), parser, { signal: abort.signal });
    await Promise.all(writes);
  } catch (err) {
    fail(err);
  }
  if (failure !== undefined) {
    if (failure instanceof AppError) throw failure;
    throw new AppError("INVALID_INPUT", "the multipart form is not valid", "file");
  }
  return upload;
}

/** Passes chunks on after counting them with `reserve` (which may refuse them). */
function counter(reserve: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      try {
        reserve(chunk.length);
        done(null, chunk);
      } catch (err) {
        done(err as Error);
      }
    },
  });
}
