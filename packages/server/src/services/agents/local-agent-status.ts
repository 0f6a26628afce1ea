import type { ServerDeps } from "../../context.ts";
import { z } from "zod";
import { parseStoredJson } from "../stored-json.ts";

/** Setting key holding `TLocalAgentStatus` as JSON (written by the dashboard at start). */
export const LOCAL_AGENT_STATUS_SETTING = "local-agent-status";

const ZLocalAgentStatus = z.object({ running: z.boolean(), reason: z.string().optional() });

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
  const v = parseStoredJson(ZLocalAgentStatus, row.value, `Setting ${LOCAL_AGENT_STATUS_SETTING}`);
  return { running: v.running, ...(v.reason !== undefined ? { reason: v.reason } : {}) };
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
