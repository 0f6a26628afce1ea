/**
 * Bus topics and messages for builds. The agent gateway listens on
 * `agent:<id>` and forwards to the agent; tRPC subscriptions listen on
 * `builds` and `build:<id>`. The bus is per process: a second server process
 * sees its own publications only (the database stays the source of truth;
 * subscriptions replay from it).
 */
import type { TBuildEvent } from "@kiln/contracts/build-event";
import type { TBuildStatus } from "@kiln/contracts/build-status";

/** Status changes of every build (the list page). */
export const BUILDS_TOPIC = "builds";
/** One build's events and log chunks. */
export const buildTopic = (buildId: string): `build:${string}` => `build:${buildId}`;
/** Commands for one agent, forwarded by the gateway. */
export const agentTopic = (agentId: string): `agent:${string}` => `agent:${agentId}`;

/** On `builds`: a build changed status (or was created, deleted, pinned). */
export interface TBuildChangeMessage {
  buildId: string;
  number: number;
  status: TBuildStatus;
  teamId: string | null;
  recipeId: string | null;
  /** The build's recipe is public: every signed-in user may see it. */
  isPublic: boolean;
  agentId: string | null;
  waitingReason: string | null;
  deleted: boolean;
}

/** On `build:<id>`. */
export type TBuildStreamMessage =
  | { kind: "event"; seq: number; event: TBuildEvent }
  | { kind: "log"; seq: number; offset: number; data: Uint8Array }
  | { kind: "status"; status: TBuildStatus }
  | { kind: "artifact"; type: string; fileName: string; sizeBytes: number };

/** On `agent:<id>`: what the gateway must tell the agent. */
export type TAgentCommand =
  | { type: "assign"; buildId: string }
  | { type: "cancel"; buildId: string }
  | { type: "drain" }
  | { type: "resume" }
  | { type: "revoked" };

/** Every bus topic and the one message type it carries (the EventBus is typed by this). */
export interface TBusMessages {
  [BUILDS_TOPIC]: TBuildChangeMessage;
  [build: `build:${string}`]: TBuildStreamMessage;
  [agent: `agent:${string}`]: TAgentCommand;
}
