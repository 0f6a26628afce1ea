"use client";
import { Button, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { AddAgentDialog } from "@/components/agent/add-agent-dialog";
import { LocalAgentNotice, NoAgentNotice, QueueReasons } from "@/components/agent/agent-notices";
import { AgentsTable } from "@/components/agent/agents-table";
import { useMe } from "@/components/app-frame";
import { PageHeader } from "@/components/page-header";
import { QueryState } from "@/components/query-state";
import { useTRPC } from "@/lib/trpc";

export default function AgentsPage() {
  const trpc = useTRPC();
  const me = useMe();
  const [opened, { open, close }] = useDisclosure();
  const agents = useQuery(trpc.agents.list.queryOptions(undefined, { refetchInterval: 5000 }));
  const local = useQuery(trpc.agents.localStatus.queryOptions());
  const queued = useQuery(
    trpc.builds.list.queryOptions({ status: ["QUEUED"], limit: 50 }, { refetchInterval: 5000 }),
  );
  const isAdmin = me.data?.role === "admin";
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
      <Text size="sm" c="dimmed" mb="sm">
        Each agent belongs to one pool, set by its registration token or an administrator: a build
        runs only on agents of pools its team may use, and a recipe with secrets only on its
        team&apos;s own pools unless the recipe allows shared ones. Pools are managed under
        Settings, Agent pools.
      </Text>
      <LocalAgentNotice status={local.data} />
      {agents.isSuccess && <NoAgentNotice agents={agents.data} />}
      <QueueReasons queued={queued.data?.items ?? []} />
      <QueryState query={agents}>
        {(rows) => <AgentsTable agents={rows} isAdmin={isAdmin} />}
      </QueryState>
      <AddAgentDialog opened={opened} onClose={close} />
    </>
  );
}
