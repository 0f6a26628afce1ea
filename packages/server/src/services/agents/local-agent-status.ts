import type { ServerDeps } from "../../context.ts";
import { parseJson } from "../builds/stored-request.ts";

/** Setting key holding `TLocalAgentStatus` as JSON (written by the dashboard at start). */
export const LOCAL_AGENT_STATUS_SETTING = "local-agent-status";

export interface TLocalAgentStatus {
  running: boolean;
  /** Why it is not running (only when `running` is false). */
  reason?: string;
}

/** What the dashboard's start-up decided about a local agent; null when it never said (e.g. tests). */
export async function getLocalAgentStatus(deps: ServerDeps): Promise<TLocalAgentStatus | null> {
  const row = await deps.db.prisma.setting.findUnique({
    where: { key: LOCAL_AGENT_STATUS_SETTING },
  });
  if (!row) return null;
  const v = parseJson<Partial<TLocalAgentStatus>>(row.value, {});
  return typeof v.running === "boolean"
    ? { running: v.running, ...(typeof v.reason === "string" ? { reason: v.reason } : {}) }
    : null;
}

/** Records the local agent's status for the Agents page. */
export async function writeLocalAgentStatus(
  deps: ServerDeps,
  status: TLocalAgentStatus,
): Promise<void> {
  const value = JSON.stringify(status);
  await deps.db.prisma.setting.upsert({
    where: { key: LOCAL_AGENT_STATUS_SETTING },
    create: { key: LOCAL_AGENT_STATUS_SETTING, value },
    update: { value },
  });
}
