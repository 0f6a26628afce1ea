/**
 * The agent → server catalog. See README.md for when each message is sent.
 */
import { z } from "zod";
import { ZBuildEvent, ZBuildFailure, ZFinishStatus } from "@kiln/contracts/build-event";
import {
  ZFileName,
  ZHostFacts,
  ZId,
  ZLabels,
  ZLogData,
  ZManifestPackage,
  ZMd5,
  ZMessageText,
  ZName,
  ZRecovered,
  ZSeq,
  ZSeqOrNone,
  ZSha256,
  ZStreamPosition,
} from "./fields.ts";
import { LIMITS } from "./limits.ts";
import { defineMessage, ZErrorCode } from "./message.ts";

/** A build the agent still holds when it (re)connects. */
export const ZHeldBuild = ZStreamPosition.extend({
  /** The job has ended locally; only resends and BUILD_FINISHED remain. */
  finished: z.boolean(),
});
export type THeldBuild = z.infer<typeof ZHeldBuild>;

/** First frame on every connection. */
export const ZHello = defineMessage("HELLO", {
  /** Known after registration; when given, must match the agent the secret belongs to. */
  agentId: ZId.optional(),
  name: ZName,
  /** Agent software version. */
  version: z.string().min(1).max(64),
  /** `amd64`, `arm64`, … (kernel names such as `x86_64` are accepted and normalised by the server). */
  arch: z.string().min(1).max(32),
  /**
   * Deprecated and ignored: routing labels are the server's (registration
   * token, administrators). Still parsed so older agents connect.
   */
  labels: ZLabels,
  /** Builds it runs at once. */
  capacity: z.number().int().min(1).max(LIMITS.capacity),
  /** Protocol versions the agent speaks, for the server to choose from. */
  protocols: z.array(z.number().int().min(1)).min(1).max(16),
  hostFacts: ZHostFacts,
  /** Builds still running or not yet acknowledged, with the last seqs the agent *sent*. */
  builds: z.array(ZHeldBuild).max(LIMITS.capacity * 4),
  /** Leftovers of a crashed predecessor that were cleaned up at start. */
  recovered: ZRecovered.optional(),
});

export const ZHeartbeat = defineMessage("HEARTBEAT", {
  /** Builds running now. */
  running: z.array(ZId).max(LIMITS.capacity * 4),
  freeSlots: z.number().int().min(0).max(LIMITS.capacity),
  draining: z.boolean(),
});

export const ZAccept = defineMessage("ACCEPT", { buildId: ZId });

/** Why an agent refuses an ASSIGN; the server requeues the build. */
export const ZRejectCode = z.enum([
  "NO_CAPACITY",
  "DRAINING",
  "ARCH_MISMATCH",
  "LABELS_MISMATCH",
  "DUPLICATE",
  "HOST_NOT_READY",
  "INVALID_REQUEST",
]);

export const ZReject = defineMessage("REJECT", {
  buildId: ZId,
  code: ZRejectCode,
  /** One line for the build's waiting reason. */
  reason: ZMessageText,
});

export const ZBuildEventMessage = defineMessage("BUILD_EVENT", {
  buildId: ZId,
  /** Per-build event seq, its own sequence apart from log chunks. */
  seq: ZSeq,
  event: ZBuildEvent,
});

export const ZLogChunkMessage = defineMessage("LOG_CHUNK", {
  buildId: ZId,
  /** Per-build log seq; the server stores by (buildId, seq). */
  seq: ZSeq,
  /** Byte offset of the first byte of `data` in the build's log. */
  offset: z.number().int().min(0),
  /** The bytes, base64 (see ZLogData). */
  data: ZLogData,
});

export const ZArtifactReady = defineMessage("ARTIFACT_READY", {
  buildId: ZId,
  /** qcow2 | raw | tar | vhd | … (the server's `recordArtifact` calls it `type`; here `type` is the message's). */
  kind: z.string().min(1).max(32),
  fileName: ZFileName,
  sizeBytes: z.number().int().min(0),
  sha256: ZSha256,
  md5: ZMd5,
  /** Where the agent uploaded it, when not the default from ASSIGN's `artifactUploadUrl`. */
  uploadUrl: z.string().min(1).max(2048).optional(),
});

export const ZManifest = defineMessage("MANIFEST", {
  buildId: ZId,
  packages: z.array(ZManifestPackage).max(LIMITS.manifestPackages),
});

export const ZBuildFinishedMessage = defineMessage("BUILD_FINISHED", {
  buildId: ZId,
  status: ZFinishStatus,
  error: ZBuildFailure.optional(),
  /** Last log chunk seq the build produced (null: no log), so the server knows when it has all. */
  lastLogSeq: ZSeqOrNone,
  lastEventSeq: ZSeqOrNone,
  /** Total log bytes. */
  logBytes: z.number().int().min(0),
});

/** Either side, about a frame it could not use. */
export const ZErrorMessage = defineMessage("ERROR", {
  code: ZErrorCode,
  message: ZMessageText,
  /** The `type` of the frame this is about, when known. */
  refType: z.string().max(64).optional(),
  buildId: ZId.optional(),
});

/** Agent → server messages by type. */
export const AgentToServer = {
  HELLO: ZHello,
  HEARTBEAT: ZHeartbeat,
  ACCEPT: ZAccept,
  REJECT: ZReject,
  BUILD_EVENT: ZBuildEventMessage,
  LOG_CHUNK: ZLogChunkMessage,
  ARTIFACT_READY: ZArtifactReady,
  MANIFEST: ZManifest,
  BUILD_FINISHED: ZBuildFinishedMessage,
  ERROR: ZErrorMessage,
} as const;

export type TAgentToServerType = keyof typeof AgentToServer;
/** One agent → server message of the given type (all of them by default). */
export type TAgentToServer<K extends TAgentToServerType = TAgentToServerType> = {
  [P in K]: z.infer<(typeof AgentToServer)[P]>;
}[K];
