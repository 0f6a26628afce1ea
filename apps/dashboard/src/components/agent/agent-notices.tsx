"use client";
import { Alert, List } from "@mantine/core";
import type { RouterOutputs } from "@/lib/trpc";
import { countWaitingReasons } from "./agent-facts";

type TAgent = RouterOutputs["agents"]["list"][number];
type TLocalStatus = RouterOutputs["agents"]["localStatus"];
type TQueuedBuild = RouterOutputs["builds"]["list"]["items"][number];

/** Why the dashboard runs no agent of its own (only shown when it does not). */
export function LocalAgentNotice({ status }: { status: TLocalStatus | undefined }) {
  if (!status || status.running) return null;
  return (
    <Alert color="gray" title="No local agent" mb="md" data-testid="local-agent-status">
      The dashboard did not start an agent on its own host: {status.reason ?? "unknown"}.
    </Alert>
  );
}

/** Says so when no agent is online, and names each registered one's state. */
export function NoAgentNotice({ agents }: { agents: TAgent[] }) {
  if (agents.some((a) => a.state === "ONLINE" && !a.revoked)) return null;
  const states = agents
    .map((a) => `${a.name}: ${a.revoked ? "revoked" : a.state.toLowerCase()}`)
    .join(", ");
  return (
    <Alert color="yellow" title="No agent can run builds" mb="md" data-testid="no-agent">
      {agents.length === 0
        ? "No agent has registered yet, so queued builds wait. Add one with the button above and run the command it gives on a build host."
        : `None of the ${agents.length} registered agents is online (${states}).`}
    </Alert>
  );
}

/** The queued builds counted by why they wait. */
export function QueueReasons({ queued }: { queued: TQueuedBuild[] }) {
  const reasons = countWaitingReasons(queued);
  if (reasons.length === 0) return null;
  return (
    <Alert
      color="blue"
      title={`${queued.length} build(s) waiting`}
      mb="md"
      data-testid="queue-reasons"
    >
      <List size="sm">
        {reasons.map(([reason, n]) => (
          <List.Item key={reason}>
            {n} × {reason}
          </List.Item>
        ))}
      </List>
    </Alert>
  );
}
