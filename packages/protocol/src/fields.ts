/** Field schemas the message catalogs share. */
import { z } from "zod";
import {
  HEARTBEAT_INTERVAL_MS,
  LIMITS,
  MAX_LOG_CHUNK_BASE64,
  MAX_LOG_CHUNK_BYTES,
} from "./limits.ts";

/** Database ids (cuid) and other opaque identifiers. */
export const ZId = z.string().min(1).max(LIMITS.idChars);

/** Per-build sequence numbers, from 0, strictly increasing per stream. */
export const ZSeq = z.number().int().min(0);

/** A sequence number or null when nothing has been sent/acknowledged yet. */
export const ZSeqOrNone = ZSeq.nullable();

export const ZName = z.string().min(1).max(LIMITS.nameChars);

/** One human-readable line (a reason, an error message). */
export const ZMessageText = z.string().max(LIMITS.messageChars);

export const ZSha256 = z.string().regex(/^[0-9a-f]{64}$/, "expected lowercase hex sha256");
export const ZMd5 = z.string().regex(/^[0-9a-f]{32}$/, "expected lowercase hex md5");

/** `key=value` labels an agent offers and builds require. */
export const ZLabels = z
  .record(z.string().min(1).max(LIMITS.labelKeyChars), z.string().max(LIMITS.labelValueChars))
  .refine((o) => Object.keys(o).length <= LIMITS.labels, `at most ${LIMITS.labels} labels`);

/** A plain file name, no directories (artifacts). Same rule as the server's store. */
export const ZFileName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/, "expected a plain file name");

/**
 * Log bytes as standard padded base64. Logs are bytes, not text: a chunk
 * boundary may split a UTF-8 sequence and hooks may print invalid UTF-8, and
 * the stored log must equal the agent's byte for byte.
 */
export const ZLogData = z
  .string()
  .min(1, "empty log chunk")
  .max(MAX_LOG_CHUNK_BASE64, `log chunk over ${MAX_LOG_CHUNK_BYTES} bytes`)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, "expected base64")
  .refine((s) => s.length % 4 === 0, "expected padded base64");

/** Server-chosen heartbeat interval. */
export const ZHeartbeatIntervalMs = z
  .number()
  .int()
  .min(HEARTBEAT_INTERVAL_MS.min)
  .max(HEARTBEAT_INTERVAL_MS.max);

/** One pre-flight check the agent ran at start (root, loop devices, tools, disk). */
export const ZPreflightCheck = z.object({
  /** Stable id, e.g. `root`, `loop-devices`, `qemu-img`. */
  name: z.string().min(1).max(100),
  ok: z.boolean(),
  /** Why it failed, or what was found. */
  detail: ZMessageText.optional(),
});
export type TPreflightCheck = z.infer<typeof ZPreflightCheck>;

/** What the agent knows about its host; stored as `Agent.hostFacts`. */
export const ZHostFacts = z.object({
  hostname: z.string().max(255),
  /** e.g. "Debian GNU/Linux 12 (bookworm)". */
  os: z.string().max(255),
  kernel: z.string().max(255),
  cpus: z.number().int().min(1),
  memoryBytes: z.number().int().min(0),
  /** Free space where builds run. */
  workDirFreeBytes: z.number().int().min(0).optional(),
  /** The agent runs as root (the real pipeline needs it). */
  root: z.boolean(),
  /** Every required pre-flight check passed: the agent can take builds. */
  canBuild: z.boolean(),
  preflight: z.array(ZPreflightCheck).max(LIMITS.preflightChecks),
});
export type THostFacts = z.infer<typeof ZHostFacts>;

/** What start-up cleanup found and removed after a crashed predecessor. */
export const ZRecovered = z.object({
  mounts: z.array(z.string().max(4096)).max(1000),
  loopDevices: z.array(z.string().max(255)).max(1000),
  workDirs: z.array(z.string().max(4096)).max(1000),
});
export type TRecovered = z.infer<typeof ZRecovered>;

/** One environment variable handed to a build. */
export const ZEnvEntry = z.object({
  name: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an environment variable name")
    .max(255),
  value: z.string(),
  /** The agent masks this value in logs it sends. */
  secret: z.boolean(),
});
export type TEnvEntry = z.infer<typeof ZEnvEntry>;

/** One catalog version on a build's elements path; the agent fetches it by hash and caches it. */
export const ZElementsPathEntry = z.object({
  /** Catalog name, for logs. */
  name: ZName,
  /** sha256 of the catalog version's archive; the cache key and the integrity check. */
  sha256: ZSha256,
  /** Where to GET the archive: absolute, or a path on the server the agent is connected to. */
  url: z.string().min(1).max(2048),
});
export type TElementsPathEntry = z.infer<typeof ZElementsPathEntry>;

/** Where a build's log and event streams stand. */
export const ZStreamPosition = z.object({
  buildId: ZId,
  /** Log chunk seq (null: none). */
  lastLogSeq: ZSeqOrNone,
  /** Build event seq (null: none). */
  lastEventSeq: ZSeqOrNone,
});
export type TStreamPosition = z.infer<typeof ZStreamPosition>;

/** One installed package of the image's manifest. */
export const ZManifestPackage = z.object({
  name: z.string().min(1).max(255),
  version: z.string().max(255),
  arch: z.string().max(64).optional(),
});
