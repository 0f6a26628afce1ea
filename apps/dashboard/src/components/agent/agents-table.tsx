"use client";
import { Anchor, Badge, Button, Group, Text, Tooltip } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { DataTable, type TColumn } from "@/components/data-table";
import { RowActionButton } from "@/components/row-action-button";
import { StatusBadge } from "@/components/status-badge";
import { formatAgo } from "@/lib/format";
import { useActionFeedback } from "@/lib/mutation-feedback";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { hostChecks } from "./agent-facts";

type TAgent = RouterOutputs["agents"]["list"][number];

/**
 * Every registered agent: state, pool, labels, current builds, last contact and
 * host checks (pool, labels and checks only for agents of pools the viewer's
 * teams may use).
 */
export function AgentsTable({ agents, isAdmin }: { agents: TAgent[]; isAdmin: boolean }) {
  const columns: TColumn<TAgent>[] = [
    { header: "Agent", cell: (a) => <AgentName agent={a} /> },
    { header: "State", cell: (a) => <AgentState agent={a} /> },
    { header: "Pool", cell: (a) => <AgentPool agent={a} /> },
    {
      header: "Labels",
      cell: (a) => (
        <Group gap={4}>
          {Object.entries(a.labels).map(([k, v]) => (
            <Badge key={k} variant="outline" size="sm">
              {k}={v}
            </Badge>
          ))}
        </Group>
      ),
    },
    { header: "Current builds", cell: (a) => <AgentBuilds agent={a} /> },
    { header: "Last seen", cell: (a) => formatAgo(a.lastSeenAt) },
    { header: "Host checks", cell: (a) => <HostChecks facts={a.hostFacts} /> },
    ...(isAdmin ? [{ cell: (a: TAgent) => !a.revoked && <AgentActions agent={a} /> }] : []),
  ];
  return (
    <DataTable
      striped
      verticalSpacing="xs"
      data-testid="agents-table"
      columns={columns}
      rows={agents}
      rowKey={(a) => a.id}
    />
  );
}

function AgentName({ agent: a }: { agent: TAgent }) {
  return (
    <>
      <Text fw={600}>{a.name}</Text>
      <Text size="xs" c="dimmed">
        {a.arch} · kiln {a.version || "?"} · {a.capacity} slot
        {a.capacity === 1 ? "" : "s"}
      </Text>
    </>
  );
}

function AgentState({ agent: a }: { agent: TAgent }) {
  if (a.revoked) return <Badge color="dark">revoked</Badge>;
  return (
    <Group gap={4}>
      <StatusBadge status={a.state} />
      {a.draining && a.state !== "DRAINING" && (
        <Badge color="orange" variant="light" size="sm">
          draining
        </Badge>
      )}
    </Group>
  );
}

/** The agent's pool; only its teams (and administrators) are told which. */
function AgentPool({ agent: a }: { agent: TAgent }) {
  if (!a.pool)
    return (
      <Text size="sm" c="dimmed">
        another team&apos;s
      </Text>
    );
  return (
    <Text size="sm" ff="monospace">
      {a.pool.name}
    </Text>
  );
}

function AgentBuilds({ agent: a }: { agent: TAgent }) {
  return (
    <>
      {a.builds.map((b) => (
        <Anchor key={b.id} component={Link} href={`/builds/${b.id}`} mr={6}>
          #{b.number}
        </Anchor>
      ))}
      {a.hiddenBuilds > 0 && (
        <Text size="xs" c="dimmed">
          +{a.hiddenBuilds} of other teams
        </Text>
      )}
      {!a.builds.length && !a.hiddenBuilds && (
        <Text size="sm" c="dimmed">
          idle
        </Text>
      )}
    </>
  );
}

function HostChecks({ facts }: { facts: TAgent["hostFacts"] }) {
  const checks = hostChecks(facts);
  const failing = checks.filter((c) => !c.ok);
  if (checks.length === 0)
    return (
      <Text size="sm" c="dimmed">
        not reported
      </Text>
    );
  if (failing.length)
    return (
      <Tooltip label={failing.map((c) => `${c.name}: ${c.detail}`).join("\n")} multiline w={320}>
        <Badge color="red">{failing.length} failing</Badge>
      </Tooltip>
    );
  return (
    <Badge color="green" variant="light">
      {checks.length} ok
    </Badge>
  );
}

/** Drain or resume, and revoke after a confirmation (administrators). */
function AgentActions({ agent: a }: { agent: TAgent }) {
  const trpc = useTRPC();
  const feedback = useActionFeedback(trpc.agents.pathKey());
  const drain = useMutation(trpc.agents.drain.mutationOptions(feedback));
  const revoke = useMutation(trpc.agents.revoke.mutationOptions(feedback));
  return (
    <Group gap={4} wrap="nowrap">
      <Button
        size="xs"
        variant="default"
        onClick={() => drain.mutate({ agentId: a.id, draining: !a.draining })}
      >
        {a.draining ? "Resume" : "Drain"}
      </Button>
      <RowActionButton
        confirm={`Revoke ${a.name}? Its running builds are lost.`}
        onClick={() => revoke.mutate({ agentId: a.id })}
      >
        Revoke
      </RowActionButton>
    </Group>
  );
}
