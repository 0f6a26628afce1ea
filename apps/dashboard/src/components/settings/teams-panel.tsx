"use client";
import { Paper, Select, Stack, Text, TextInput, Title } from "@mantine/core";
import { useInputState } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { DataTable, type TColumn } from "@/components/data-table";
import { InlineForm } from "@/components/inline-form";
import { RowActionButton } from "@/components/row-action-button";
import { useActionFeedback } from "@/lib/mutation-feedback";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";

const ROLES = ["viewer", "member", "maintainer", "owner"] as const;
type TRole = (typeof ROLES)[number];
type TTeam = RouterOutputs["teams"]["get"];
type TMember = TTeam["members"][number];

/** Invalidates every teams query (the list and each team's members). */
function useRefreshTeams() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: trpc.teams.pathKey() });
}

/** Teams, their members and roles (owners and admins change them). */
export function TeamsPanel() {
  const trpc = useTRPC();
  const refresh = useRefreshTeams();
  const teams = useQuery(trpc.teams.list.queryOptions());
  const [selected, setSelected] = useState<string | null>(null);
  const teamId = selected ?? teams.data?.[0]?.id ?? null;
  const team = useQuery({
    ...trpc.teams.get.queryOptions({ teamId: teamId ?? "" }),
    enabled: !!teamId,
  });
  const [slug, setSlug] = useInputState("");
  const create = useMutation(
    trpc.teams.create.mutationOptions({
      onSuccess: (t) => {
        setSelected(t.id);
        setSlug("");
        void refresh();
      },
    }),
  );
  const teamOptions = (teams.data ?? []).map((t) => ({
    value: t.id,
    label: `${t.name} (${t.memberCount})`,
  }));
  return (
    <Stack>
      <InlineForm
        submitLabel="Create team"
        submitVariant="default"
        onSubmit={() => create.mutate({ slug, name: slug })}
        loading={create.isPending}
      >
        <Select
          label="Team"
          data={teamOptions}
          value={teamId}
          onChange={setSelected}
          w={260}
          allowDeselect={false}
        />
        <TextInput
          label="New team"
          placeholder="platform"
          data-testid="new-team"
          value={slug}
          onChange={setSlug}
          error={create.error?.message}
        />
      </InlineForm>
      {team.data && <TeamMembers team={team.data} />}
    </Stack>
  );
}

/** One team's members: roles to change and people to add or remove (owners, maintainers). */
function TeamMembers({ team }: { team: TTeam }) {
  const trpc = useTRPC();
  const feedback = useActionFeedback(trpc.teams.pathKey());
  const setMemberRole = useMutation(trpc.teams.setMemberRole.mutationOptions(feedback));
  const remove = useMutation(trpc.teams.removeMember.mutationOptions(feedback));
  const canManage = team.myRole === "owner" || team.myRole === "maintainer";
  const columns: TColumn<TMember>[] = [
    { cell: (m) => m.email },
    {
      cell: (m) => (
        <RoleSelect
          size="xs"
          value={m.role}
          disabled={!canManage}
          onChange={(role) => setMemberRole.mutate({ teamId: team.id, userId: m.userId, role })}
        />
      ),
    },
    {
      cell: (m) =>
        canManage && (
          <RowActionButton onClick={() => remove.mutate({ teamId: team.id, userId: m.userId })}>
            Remove
          </RowActionButton>
        ),
    },
  ];
  return (
    <Paper withBorder p="md">
      <Title order={5} mb="xs">
        {team.name} · you are {team.myRole}
      </Title>
      <DataTable
        verticalSpacing={4}
        withHeader={false}
        columns={columns}
        rows={team.members}
        rowKey={(m) => m.userId}
      />
      {!team.members.length && (
        <Text c="dimmed" size="sm">
          No members.
        </Text>
      )}
      {canManage && <AddMember teamId={team.id} />}
    </Paper>
  );
}

function AddMember({ teamId }: { teamId: string }) {
  const trpc = useTRPC();
  const refresh = useRefreshTeams();
  const [email, setEmail] = useInputState("");
  const [role, setRole] = useState<TRole>("member");
  const add = useMutation(
    trpc.teams.addMember.mutationOptions({
      onSuccess: () => {
        setEmail("");
        void refresh();
      },
    }),
  );
  return (
    <>
      <InlineForm
        submitLabel="Add"
        onSubmit={() => add.mutate({ teamId, email, role })}
        loading={add.isPending}
        error={add.error}
        errorMt="xs"
        mt="md"
      >
        <TextInput label="Add member by email" value={email} onChange={setEmail} />
        <RoleSelect label="Role" value={role} onChange={setRole} />
      </InlineForm>
      {/* The server answers alike for unknown addresses, so the list above is the proof. */}
      {add.isSuccess && (
        <Text c="dimmed" size="xs" mt="xs">
          If that address has a Kiln account, it is now a member.
        </Text>
      )}
    </>
  );
}

function RoleSelect({
  label,
  size,
  value,
  disabled,
  onChange,
}: {
  label?: string;
  size?: "xs";
  value: string;
  disabled?: boolean;
  onChange: (role: TRole) => void;
}) {
  return (
    <Select
      label={label}
      size={size}
      data={[...ROLES]}
      value={value}
      disabled={disabled}
      onChange={(r) => r && onChange(r as TRole)}
      w={140}
      allowDeselect={false}
    />
  );
}
