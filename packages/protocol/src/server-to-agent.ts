/**
 * The server → agent catalog. See README.md for when each message is sent.
 */
import { z } from "zod";
import { ZBuildRequest } from "@kiln/contracts/build-request";
import { ZErrorMessage } from "./agent-to-server.ts";
import {
  ZElementsPathEntry,
  ZEnvEntry,
  ZFileName,
  ZHeartbeatIntervalMs,
  ZId,
  ZLabels,
  ZMessageText,
  ZSeq,
  ZStreamPosition,
} from "./fields.ts";
import { LIMITS } from "./limits.ts";
import { defineMessage } from "./message.ts";

/** Answer to HELLO: the session is open. */
export const ZWelcome = defineMessage("WELCOME", {
  agentId: ZId,
  /** Protocol version the server will speak on this connection (one of HELLO's `protocols`). */
  protocol: z.number().int().min(1),
  heartbeatIntervalMs: ZHeartbeatIntervalMs,
  /** The agent's labels as the server records them (registration token labels included). */
  labels: ZLabels,
  /** The server has this agent draining (it survives reconnects). */
  draining: z.boolean(),
  /**
   * For each build of HELLO's `builds` the server still expects: the last seqs it
   * has stored without gaps. The agent resends everything after them.
   */
  resume: z.array(ZStreamPosition).max(LIMITS.capacity * 4),
  /** Builds of HELLO's `builds` the server has given up on (already ERRORED or cancelled): stop, clean up, drop the spool. */
  abandon: z.array(ZId).max(LIMITS.capacity * 4),
});

export const ZHeartbeatAck = defineMessage("HEARTBEAT_ACK", {
  /** Server clock, ms since the epoch (lets the agent log clock skew). */
  serverTime: z.number().int().min(0),
});

export const ZAssign = defineMessage("ASSIGN", {
  buildId: ZId,
  /** "build #42". */
  number: z.number().int().min(1),
  request: ZBuildRequest,
  /** Environment for the build, in order, secrets included (send over wss only). */
  env: z
    .array(ZEnvEntry)
    .max(LIMITS.envEntries)
    .refine((e) => new Set(e.map((x) => x.name)).size === e.length, "duplicate variable name"),
  /**
   * Catalog versions forming the elements path, earliest wins (the agent's own
   * built-ins after them). Ad-hoc builds: the server's `builtin` version they
   * were resolved against, so every agent release builds the same elements.
   */
  elementsPath: z.array(ZElementsPathEntry).max(LIMITS.elementsPath),
  /** Base URL artifacts are PUT to: `${artifactUploadUrl}${fileName}`. */
  artifactUploadUrl: z.string().min(1).max(2048),
  /** Wall-clock limit; past it the agent cancels and reports `errored`. */
  timeoutMs: z.number().int().min(1).optional(),
});

/** Cumulative: every log chunk of the build up to `seq` is stored. */
export const ZLogAck = defineMessage("LOG_ACK", { buildId: ZId, seq: ZSeq });

/** Cumulative: every build event of the build up to `seq` is stored. */
export const ZEventAck = defineMessage("EVENT_ACK", { buildId: ZId, seq: ZSeq });

/** The uploaded artifact was checked (size, sha256) and recorded, or refused. */
export const ZArtifactAck = defineMessage("ARTIFACT_ACK", {
  buildId: ZId,
  fileName: ZFileName,
  ok: z.boolean(),
  /** Why it was refused (e.g. sha256 mismatch): the agent uploads again. */
  reason: ZMessageText.optional(),
});

/** BUILD_FINISHED is recorded: the agent may drop the build's spool and work dir. */
export const ZBuildFinishedAck = defineMessage("BUILD_FINISHED_ACK", { buildId: ZId });

export const ZCancel = defineMessage("CANCEL", {
  buildId: ZId,
  /** Shown in the build log, e.g. "cancelled by alice". */
  reason: ZMessageText,
});

/** Finish running builds, take no new ones. */
export const ZDrain = defineMessage("DRAIN", { reason: ZMessageText.optional() });

/** Undo DRAIN. */
export const ZResume = defineMessage("RESUME", {});

/** The agent's secret was revoked; the server closes the socket right after. */
export const ZRevoked = defineMessage("REVOKED", { reason: ZMessageText.optional() });

/** Server → agent messages by type. */
export const ServerToAgent = {
  WELCOME: ZWelcome,
  HEARTBEAT_ACK: ZHeartbeatAck,
  ASSIGN: ZAssign,
  LOG_ACK: ZLogAck,
  EVENT_ACK: ZEventAck,
  ARTIFACT_ACK: ZArtifactAck,
  BUILD_FINISHED_ACK: ZBuildFinishedAck,
  CANCEL: ZCancel,
  DRAIN: ZDrain,
  RESUME: ZResume,
  REVOKED: ZRevoked,
  ERROR: ZErrorMessage,
} as const;

export type TServerToAgentType = keyof typeof ServerToAgent;
/** One server → agent message of the given type (all of them by default). */
export type TServerToAgent<K extends TServerToAgentType = TServerToAgentType> = {
  [P in K]: z.infer<(typeof ServerToAgent)[P]>;
}[K];
