"use client";
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Code,
  CopyButton,
  Group,
  List,
  Modal,
  NumberInput,
  Stack,
  Table,
  TagsInput,
  Text,
  Tooltip,
} from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useMe } from "@/components/app-frame";
import { PageHeader } from "@/components/page-header";
import { QueryState } from "@/components/query-state";
import { StatusBadge } from "@/components/status-badge";
import { formatAgo } from "@/lib/format";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";

type TAgent = RouterOutputs["agents"]["list"][number];

/** Pre-flight results an agent reports, whatever their exact shape: name → ok/detail. */
function hostChecks(
  facts: Record<string, unknown>,
): { name: string; ok: boolean; detail: string }[] {
  const checks = facts.checks;
  if (Array.isArray(checks)) {
    return checks.map((c: { name?: string; ok?: boolean; detail?: string; message?: string }) => ({
      name: String(c.name ?? "?"),
      ok: c.ok !== false,
      detail: String(c.detail ?? c.message ?? ""),
    }));
  }
  if (checks && typeof checks === "object") {
    return Object.entries(checks as Record<string, unknown>).map(([name, v]) => ({
      name,
      ok:
        v === true || (typeof v === "object" && v !== null && (v as { ok?: boolean }).ok !== false),
      detail:
        typeof v === "object" && v !== null ? String((v as { detail?: string }).detail ?? "") : "",
    }));
  }
  return [];
}

function AddAgentDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const [labels, setLabels] = useState<string[]>([]);
  const [ttl, setTtl] = useState<number>(24);
  const create = useMutation(trpc.agents.createRegistrationToken.mutationOptions());
  return (
    <Modal
      opened={opened}
      onClose={() => {
        create.reset();
        onClose();
      }}
      title="Add an agent"
      size="xl"
    >
      <Stack>
        <Text size="sm">
          An agent is a Linux host with root, loop devices and the build tools (the same host checks
          as <Code>kiln build</Code>). A registration token is used once: the agent trades it for
          its own credentials.
        </Text>
        <Group grow>
          <TagsInput
            label="Labels for this agent"
            description="key=value, e.g. site=lab"
            value={labels}
            onChange={setLabels}
          />
          <NumberInput
            label="Token valid for (hours)"
            min={1}
            max={720}
            value={ttl}
            onChange={(v) => setTtl(Number(v) || 24)}
          />
        </Group>
        {create.error && <Alert color="red">{create.error.message}</Alert>}
        {create.data ? (
          <Stack gap="xs" data-testid="agent-command">
            <Text size="sm">
              Run this on the agent host (the token is shown only now; it expires{" "}
              {new Date(create.data.expiresAt).toLocaleString()}):
            </Text>
            <Code block>{create.data.command}</Code>
            <CopyButton value={create.data.command}>
              {({ copied, copy }) => (
                <Button size="xs" variant="light" onClick={copy} w={160}>
                  {copied ? "Copied" : "Copy command"}
                </Button>
              )}
            </CopyButton>
          </Stack>
        ) : (
          <Button
            onClick={() =>
              create.mutate({
                labels: Object.fromEntries(
                  labels.map((l) => [
                    l.split("=")[0] ?? l,
                    l.includes("=") ? l.slice(l.indexOf("=") + 1) : "",
                  ]),
                ),
                ttlHours: ttl,
              })
            }
            loading={create.isPending}
            data-testid="create-agent-token"
          >
            Create registration token
          </Button>
        )}
      </Stack>
    </Modal>
  );
}

export default function AgentsPage() {
  const trpc = useTRPC();
  const me = useMe();
  const queryClient = useQueryClient();
  const [opened, { open, close }] = useDisclosure();
  const agents = useQuery(trpc.agents.list.queryOptions(undefined, { refetchInterval: 5000 }));
  const local = useQuery(trpc.agents.localStatus.queryOptions());
  const queued = useQuery(
    trpc.builds.list.queryOptions({ status: ["QUEUED"], limit: 50 }, { refetchInterval: 5000 }),
  );
  const isAdmin = me.data?.role === "admin";
  const onError = (err: { message: string }) =>
    notifications.show({ color: "red", message: err.message });
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.agents.pathKey() });
  const drain = useMutation(trpc.agents.drain.mutationOptions({ onSuccess: refresh, onError }));
  const revoke = useMutation(trpc.agents.revoke.mutationOptions({ onSuccess: refresh, onError }));

  const list = agents.data ?? [];
  const online = list.filter((a) => a.state === "ONLINE" && !a.revoked);
  const reasons = new Map<string, number>();
  for (const b of queued.data?.items ?? [])
    if (b.waitingReason) reasons.set(b.waitingReason, (reasons.get(b.waitingReason) ?? 0) + 1);

  return (
    <>
      <PageHeader
        title="Agents"
        subtitle="Hosts that run builds. They connect to this server and take queued builds whose labels and architecture they match."
        actions={
          isAdmin && (
            <Button onClick={open} data-testid="add-agent">
              Add an agent
            </Button>
          )
        }
      />
      {local.data && !local.data.running && (
        <Alert color="gray" title="No local agent" mb="md" data-testid="local-agent-status">
          The dashboard did not start an agent on its own host: {local.data.reason ?? "unknown"}.
        </Alert>
      )}
      {agents.isSuccess && online.length === 0 && (
        <Alert color="yellow" title="No agent can run builds" mb="md" data-testid="no-agent">
          {list.length === 0
            ? "No agent has registered yet, so queued builds wait. Add one with the button above and run the command it gives on a build host."
            : `None of the ${list.length} registered agents is online (${list.map((a) => `${a.name}: ${a.revoked ? "revoked" : a.state.toLowerCase()}`).join(", ")}).`}
        </Alert>
      )}
      {reasons.size > 0 && (
        <Alert
          color="blue"
          title={`${queued.data?.items.length} build(s) waiting`}
          mb="md"
          data-testid="queue-reasons"
        >
          <List size="sm">
            {[...reasons].map(([reason, n]) => (
              <List.Item key={reason}>
                {n} × {reason}
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      <QueryState query={agents}>
        {(rows) => (
          <Table striped verticalSpacing="xs" data-testid="agents-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Agent</Table.Th>
                <Table.Th>State</Table.Th>
                <Table.Th>Labels</Table.Th>
                <Table.Th>Current builds</Table.Th>
                <Table.Th>Last seen</Table.Th>
                <Table.Th>Host checks</Table.Th>
                {isAdmin && <Table.Th />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((a: TAgent) => {
                const checks = hostChecks(a.hostFacts);
                const failing = checks.filter((c) => !c.ok);
                return (
                  <Table.Tr key={a.id}>
                    <Table.Td>
                      <Text fw={600}>{a.name}</Text>
                      <Text size="xs" c="dimmed">
                        {a.arch} · kiln {a.version || "?"} · {a.capacity} slot
                        {a.capacity === 1 ? "" : "s"}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {a.revoked ? (
                        <Badge color="dark">revoked</Badge>
                      ) : (
                        <Group gap={4}>
                          <StatusBadge status={a.state} />
                          {a.draining && a.state !== "DRAINING" && (
                            <Badge color="orange" variant="light" size="sm">
                              draining
                            </Badge>
                          )}
                        </Group>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        {Object.entries(a.labels).map(([k, v]) => (
                          <Badge key={k} variant="outline" size="sm">
                            {k}={v}
                          </Badge>
                        ))}
                      </Group>
                    </Table.Td>
                    <Table.Td>
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
                    </Table.Td>
                    <Table.Td>{formatAgo(a.lastSeenAt)}</Table.Td>
                    <Table.Td>
                      {checks.length === 0 ? (
                        <Text size="sm" c="dimmed">
                          not reported
                        </Text>
                      ) : failing.length ? (
                        <Tooltip
                          label={failing.map((c) => `${c.name}: ${c.detail}`).join("\n")}
                          multiline
                          w={320}
                        >
                          <Badge color="red">{failing.length} failing</Badge>
                        </Tooltip>
                      ) : (
                        <Badge color="green" variant="light">
                          {checks.length} ok
                        </Badge>
                      )}
                    </Table.Td>
                    {isAdmin && (
                      <Table.Td>
                        {!a.revoked && (
                          <Group gap={4} wrap="nowrap">
                            <Button
                              size="xs"
                              variant="default"
                              onClick={() => drain.mutate({ agentId: a.id, draining: !a.draining })}
                            >
                              {a.draining ? "Resume" : "Drain"}
                            </Button>
                            <Button
                              size="xs"
                              color="red"
                              variant="subtle"
                              onClick={() =>
                                window.confirm(`Revoke ${a.name}? Its running builds are lost.`) &&
                                revoke.mutate({ agentId: a.id })
                              }
                            >
                              Revoke
                            </Button>
                          </Group>
                        )}
                      </Table.Td>
                    )}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
      <AddAgentDialog opened={opened} onClose={close} />
    </>
  );
}
