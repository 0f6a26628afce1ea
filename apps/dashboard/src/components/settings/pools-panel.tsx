"use client";
import { Badge, Group, Select, Stack, Switch, Text, TextInput } from "@mantine/core";
import { useInputState } from "@mantine/hooks";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useMe } from "@/components/app-frame";
import { DataTable, type TColumn } from "@/components/data-table";
import { InlineForm } from "@/components/inline-form";
import { RowActionButton } from "@/components/row-action-button";
import { useActionFeedback } from "@/lib/mutation-feedback";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";

type TPool = RouterOutputs["pools"]["list"][number];
type TTeamOption = { value: string; label: string };

/** Who may use a pool, in words: its team, every team, or the teams it is shared with. */
function poolUsers(pool: TPool): string {
  if (pool.team) return `team ${pool.team.slug} only`;
  if (pool.sharedWithAll) return "every team";
  return pool.sharedWith.length
    ? pool.sharedWith.map((team) => team.slug).join(", ")
    : "no team yet";
}

/**
 * Agent pools: the build hosts each team's builds may run on. Administrators
 * create shared pools and share them with teams; team owners create their
 * team's own pools.
 */
export function PoolsPanel() {
  const trpc = useTRPC();
  const isAdmin = useMe().data?.role === "admin";
  const pools = useQuery(trpc.pools.list.queryOptions());
  const teams = useQuery(trpc.teams.list.queryOptions());
  const feedback = useActionFeedback(trpc.pools.pathKey());
  const remove = useMutation(trpc.pools.delete.mutationOptions(feedback));
  const teamOptions = (teams.data ?? []).map((team) => ({ value: team.id, label: team.slug }));
  const columns: TColumn<TPool>[] = [
    {
      header: "Pool",
      cell: (pool) => (
        <Group gap="xs">
          <Text size="sm" ff="monospace">
            {pool.name}
          </Text>
          {!pool.team && <Badge variant="light">shared</Badge>}
        </Group>
      ),
    },
    { header: "Used by", cell: poolUsers },
    { header: "Agents", align: "right", cell: (pool) => pool.agentCount },
    {
      cell: (pool) => isAdmin && !pool.team && <SharePool pool={pool} teamOptions={teamOptions} />,
    },
    {
      cell: (pool) =>
        pool.id !== "default" &&
        (isAdmin || pool.team) && (
          <RowActionButton
            confirm={`Delete pool ${pool.name}?`}
            onClick={() => remove.mutate({ poolId: pool.id })}
          >
            Delete
          </RowActionButton>
        ),
    },
  ];
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        A build runs only on agents of pools its team may use; a recipe with secrets only on its
        team&apos;s own pools unless the recipe allows shared ones.
      </Text>
      <DataTable columns={columns} rows={pools.data ?? []} rowKey={(pool) => pool.id} />
      <CreatePool isAdmin={isAdmin} teamOptions={teamOptions} />
    </Stack>
  );
}

/** A new pool: a team's own (its owners), or shared (administrators). */
function CreatePool({ isAdmin, teamOptions }: { isAdmin: boolean; teamOptions: TTeamOption[] }) {
  const trpc = useTRPC();
  const [name, setName] = useInputState("");
  const [teamId, setTeamId] = useState<string | null>(null);
  const [everyTeam, setEveryTeam] = useState(false);
  const feedback = useActionFeedback(trpc.pools.pathKey());
  const create = useMutation(
    trpc.pools.create.mutationOptions({
      ...feedback,
      onError: undefined,
      onSuccess: () => {
        setName("");
        return feedback.onSuccess();
      },
    }),
  );
  const submit = () =>
    create.mutate({
      name,
      ...(teamId ? { teamId } : { sharedWithAll: everyTeam }),
    });
  return (
    <InlineForm
      submitLabel="Create pool"
      submitVariant="default"
      onSubmit={submit}
      loading={create.isPending}
      error={create.error}
    >
      <TextInput label="New pool" placeholder="team-builders" value={name} onChange={setName} />
      <Select
        label="Owned by"
        placeholder={isAdmin ? "shared (administrators)" : "team"}
        data={teamOptions}
        value={teamId}
        onChange={setTeamId}
        clearable
        w={220}
      />
      {isAdmin && !teamId && (
        <Switch
          label="Every team"
          checked={everyTeam}
          onChange={(event) => setEveryTeam(event.currentTarget.checked)}
        />
      )}
    </InlineForm>
  );
}

/** Opens a shared pool to one more team, or closes it to one. */
function SharePool({ pool, teamOptions }: { pool: TPool; teamOptions: TTeamOption[] }) {
  const trpc = useTRPC();
  const share = useMutation(
    trpc.pools.share.mutationOptions(useActionFeedback(trpc.pools.pathKey())),
  );
  const sharedIds = new Set(pool.sharedWith.map((team) => team.id));
  if (pool.sharedWithAll) return null;
  return (
    <Select
      size="xs"
      placeholder="Share with / stop sharing"
      aria-label={`Share ${pool.name}`}
      data={teamOptions.map((team) => ({
        value: team.value,
        label: `${sharedIds.has(team.value) ? "stop sharing with" : "share with"} ${team.label}`,
      }))}
      value={null}
      onChange={(teamId) =>
        teamId && share.mutate({ poolId: pool.id, teamId, shared: !sharedIds.has(teamId) })
      }
      w={220}
    />
  );
}
