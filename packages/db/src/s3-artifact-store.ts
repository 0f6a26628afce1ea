/**
 * The ArtifactStore on any S3-compatible service (AWS S3, MinIO, Ceph RGW,
 * Garage…). Keys map to object names under an optional prefix; the content's
 * sha256 travels as user metadata (`x-amz-meta-sha256`) so `stat` can report
 * it without reading the object.
 */
import { createHash, randomUUID } from "node:crypto";
import { Readable, Transform } from "node:stream";
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  UploadPartCopyCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { KilnError } from "@kiln/contracts/errors";
import {
  validateArtifactKey,
  type ArtifactStore,
  type TArtifactBody,
  type TArtifactInfo,
  type TGetOptions,
  type TPutOptions,
  type TPutResult,
} from "./artifact-store.ts";
import { ArtifactIntegrityError, ArtifactKeyError, ArtifactNotFoundError } from "./errors.ts";

export interface TS3ArtifactStoreOptions {
  /** Service URL, e.g. `http://minio:9000`; omit for AWS S3 itself. */
  endpoint?: string;
  /** Signing region (`us-east-1` for most non-AWS services). */
  region: string;
  /** Existing bucket; the store never creates it. */
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** `http://host/bucket/key` URLs instead of `http://bucket.host/key`; most self-hosted services need it. */
  forcePathStyle?: boolean;
  /** Prepended to every key (e.g. `kiln/`), so Kiln can share a bucket. */
  prefix?: string;
  /** Multipart part size in bytes (default 16 MiB, S3 minimum 5 MiB). */
  partSize?: number;
  /** Keys per ListObjectsV2 page (default and service maximum 1000); for tests. */
  listPageSize?: number;
  /** Objects larger than this are copied in parts (default 5 GiB, S3's CopyObject limit); for tests. */
  singleCopyLimit?: number;
}

/** Metadata read back by `stat`: the directory store's fields plus the recorded hash. */
export interface TS3ArtifactInfo extends TArtifactInfo {
  /** Hex sha256 recorded at `put`; absent for objects written by other tools. */
  sha256?: string;
}

/** Thrown when the S3 service fails a request for a reason other than a missing object. */
export class ArtifactStoreError extends KilnError {
  constructor(operation: string, target: string, cause: unknown) {
    const detail = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super("HOST", `artifact store ${operation} ${target}: ${detail}`, { cause });
  }
}

const tmpDir = ".tmp/";
const copyPartSize = 1024 ** 3;

/** An ArtifactStore on an S3-compatible bucket. No request is made until first use. */
export function createS3ArtifactStore(opts: TS3ArtifactStoreOptions): S3ArtifactStore {
  return new S3ArtifactStore(opts);
}

export class S3ArtifactStore implements ArtifactStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly partSize: number;
  private readonly singleCopyLimit: number;
  private readonly listPageSize: number | undefined;

  constructor(opts: TS3ArtifactStoreOptions) {
    if (opts.prefix) validatePrefix(opts.prefix);
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ?? "";
    this.partSize = opts.partSize ?? 16 * 1024 * 1024;
    this.singleCopyLimit = opts.singleCopyLimit ?? 5 * 1024 ** 3;
    this.listPageSize = opts.listPageSize;
    this.client = new S3Client({
      endpoint: opts.endpoint,
      region: opts.region,
      forcePathStyle: opts.forcePathStyle ?? false,
      credentials: { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey },
      // We hash every byte ourselves; the SDK's default CRC trailers break
      // many S3-compatible services that predate them.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  private bucketSeen = false;

  /**
   * HeadObject answers a bare 404 for a missing bucket too; before calling
   * an object missing, prove (once) that the bucket exists.
   */
  private async bucketExists(): Promise<boolean> {
    if (this.bucketSeen) return true;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      this.bucketSeen = true;
    } catch (err) {
      if (!isNotFound(err)) throw new ArtifactStoreError("open", `s3://${this.bucket}`, err);
    }
    return this.bucketSeen;
  }

  private async notFound(err: unknown, operation: string, name: string): Promise<boolean> {
    if (!isNotFound(err)) return false;
    if (await this.bucketExists()) return true;
    throw new ArtifactStoreError(operation, this.where(name), "bucket not found");
  }

  /** Closes the HTTP agent's sockets. */
  destroy(): void {
    this.client.destroy();
  }

  private name(key: string): string {
    return this.prefix + validateArtifactKey(key);
  }

  private where(name: string): string {
    return `s3://${this.bucket}/${name}`;
  }

  async put(key: string, body: TArtifactBody, opts: TPutOptions = {}): Promise<TPutResult> {
    const final = this.name(key);
    const expected = opts.expectedSha256?.toLowerCase();
    const hash = createHash("sha256");
    let size = 0;
    let sha256 = "";
    // Upload may report a failed abort instead of the error that caused it.
    let bodyError: unknown;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
      // lib-storage only completes the upload after the body ends, so failing
      // here aborts it: a mismatching body never becomes visible.
      flush(done) {
        sha256 = hash.digest("hex");
        if (expected && expected !== sha256) {
          bodyError = new ArtifactIntegrityError(key, sha256, expected);
        }
        done(bodyError as Error | undefined);
      },
    });
    const source = body instanceof Uint8Array ? Readable.from([body]) : Readable.from(body);
    source.once("error", (err) => {
      bodyError ??= err;
      meter.destroy(err);
    });
    source.pipe(meter);
    // Without a known hash the metadata can only be written by a server-side
    // copy from a temporary object once the body has been read.
    const target = expected ? final : `${this.prefix}${tmpDir}${randomUUID()}`;
    try {
      await new Upload({
        client: this.client,
        params: {
          Bucket: this.bucket,
          Key: target,
          Body: meter,
          ...(expected ? { Metadata: { sha256: expected } } : {}),
        },
        partSize: this.partSize,
        queueSize: 4,
      }).done();
    } catch (err) {
      source.destroy();
      if (bodyError) throw bodyError;
      if (!(err instanceof Error && "$metadata" in err)) throw err;
      throw new ArtifactStoreError("put", this.where(final), err);
    }
    if (target !== final) {
      try {
        await this.copy(target, final, size, sha256);
      } catch (err) {
        throw new ArtifactStoreError("put", this.where(final), err);
      } finally {
        await this.client
          .send(new DeleteObjectCommand({ Bucket: this.bucket, Key: target }))
          .catch(() => undefined);
      }
    }
    return { size, sha256 };
  }

  private async copy(from: string, to: string, size: number, sha256: string): Promise<void> {
    const source = `${this.bucket}/${from}`;
    const Metadata = { sha256 };
    if (size <= this.singleCopyLimit) {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: to,
          CopySource: source,
          Metadata,
          MetadataDirective: "REPLACE",
        }),
      );
      return;
    }
    const { UploadId } = await this.client.send(
      new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: to, Metadata }),
    );
    const partSize = Math.min(copyPartSize, this.singleCopyLimit);
    try {
      const Parts = [];
      for (let start = 0, n = 1; start < size; start += partSize, n++) {
        const end = Math.min(start + partSize, size) - 1;
        const res = await this.client.send(
          new UploadPartCopyCommand({
            Bucket: this.bucket,
            Key: to,
            UploadId,
            PartNumber: n,
            CopySource: source,
            CopySourceRange: `bytes=${start}-${end}`,
          }),
        );
        Parts.push({ PartNumber: n, ETag: res.CopyPartResult?.ETag });
      }
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: to,
          UploadId,
          MultipartUpload: { Parts },
        }),
      );
    } catch (err) {
      await this.client
        .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: to, UploadId }))
        .catch(() => undefined);
      throw err;
    }
  }

  async get(key: string, opts: TGetOptions = {}): Promise<Readable> {
    const name = this.name(key);
    const range =
      opts.start !== undefined || opts.end !== undefined
        ? `bytes=${opts.start ?? 0}-${opts.end ?? ""}`
        : undefined;
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: name, Range: range }),
      );
      return res.Body as Readable;
    } catch (err) {
      if (await this.notFound(err, "get", name)) throw new ArtifactNotFoundError(key);
      // A range starting past the end: the directory store yields no bytes.
      if (statusOf(err) === 416 && (await this.stat(key))) return Readable.from([]);
      throw new ArtifactStoreError("get", this.where(name), err);
    }
  }

  async stat(key: string): Promise<TS3ArtifactInfo | null> {
    const name = this.name(key);
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: name }));
      const info: TS3ArtifactInfo = {
        key,
        size: res.ContentLength ?? 0,
        modifiedAt: res.LastModified ?? new Date(0),
      };
      const sha256 = res.Metadata?.sha256;
      if (sha256) info.sha256 = sha256;
      return info;
    } catch (err) {
      if (await this.notFound(err, "stat", name)) return null;
      throw new ArtifactStoreError("stat", this.where(name), err);
    }
  }

  async delete(key: string): Promise<boolean> {
    const name = this.name(key);
    // DeleteObject succeeds whether or not the object existed; ask first.
    if (!(await this.stat(key))) return false;
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: name }));
    } catch (err) {
      throw new ArtifactStoreError("delete", this.where(name), err);
    }
    return true;
  }

  async *list(prefix: string): AsyncIterable<TArtifactInfo> {
    validatePrefix(prefix);
    // Paging by StartAfter (the last key seen) rather than ContinuationToken:
    // same order and cost on S3, and some S3-compatible servers mishandle tokens.
    let after: string | undefined;
    for (;;) {
      let res;
      try {
        res = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix + prefix,
            StartAfter: after,
            MaxKeys: this.listPageSize,
          }),
        );
      } catch (err) {
        throw new ArtifactStoreError("list", this.where(this.prefix + prefix), err);
      }
      for (const obj of res.Contents ?? []) {
        const key = obj.Key?.slice(this.prefix.length);
        // Skip our temporaries and anything other tools wrote that no key could name.
        if (!key || !isValidKey(key)) continue;
        yield { key, size: obj.Size ?? 0, modifiedAt: obj.LastModified ?? new Date(0) };
      }
      const last = res.Contents?.at(-1)?.Key;
      if (!res.IsTruncated || !last) return;
      after = last;
    }
  }
}

function validatePrefix(prefix: string): void {
  if (prefix === "") return;
  validateArtifactKey(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix);
}

function isValidKey(key: string): boolean {
  try {
    validateArtifactKey(key);
    return true;
  } catch (err) {
    if (err instanceof ArtifactKeyError) return false;
    throw err;
  }
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string })?.name;
  if (name === "NoSuchBucket") return false;
  return name === "NoSuchKey" || name === "NotFound" || statusOf(err) === 404;
}
