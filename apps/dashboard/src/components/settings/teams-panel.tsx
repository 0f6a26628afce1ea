"use client";
import {
  Alert,
  Button,
  Group,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/lib/trpc";

const ROLES = ["viewer", "member", "maintainer", "owner"] as const;
type TRole = (typeof ROLES)[number];

/** Teams, their members and roles (owners and admins change them). */
export function TeamsPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const teams = useQuery(trpc.teams.list.queryOptions());
  const [selected, setSelected] = useState<string | null>(null);
  const teamId = selected ?? teams.data?.[0]?.id ?? null;
  const team = useQuery({
    ...trpc.teams.get.queryOptions({ teamId: teamId ?? "" }),
    enabled: !!teamId,
  });
  const [slug, setSlug] = useState("");
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<TRole>("member");
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.teams.pathKey() });
  const onError = (err: { message: string }) =>
    notifications.show({ color: "red", message: err.message });
  const create = useMutation(
    trpc.teams.create.mutationOptions({
      onSuccess: (t) => {
        setSelected(t.id);
        setSlug("");
        void refresh();
      },
    }),
  );
  const add = useMutation(
    trpc.teams.addMember.mutationOptions({
      onSuccess: () => {
        setEmail("");
        void refresh();
      },
    }),
  );
  const setMemberRole = useMutation(
    trpc.teams.setMemberRole.mutationOptions({ onSuccess: refresh, onError }),
  );
  const remove = useMutation(
    trpc.teams.removeMember.mutationOptions({ onSuccess: refresh, onError }),
  );
  const canManage = team.data?.myRole === "owner" || team.data?.myRole === "maintainer";
  return (
    <Stack>
      <Group align="flex-end">
        <Select
          label="Team"
          data={(teams.data ?? []).map((t) => ({
            value: t.id,
            label: `${t.name} (${t.memberCount})`,
          }))}
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
          onChange={(e) => setSlug(e.currentTarget.value)}
          error={create.error?.message}
        />
        <Button
          variant="default"
          onClick={() => create.mutate({ slug, name: slug })}
          loading={create.isPending}
        >
          Create team
        </Button>
      </Group>
      {team.data && (
        <Paper withBorder p="md">
          <Title order={5} mb="xs">
            {team.data.name} · you are {team.data.myRole}
          </Title>
          <Table verticalSpacing={4}>
            <Table.Tbody>
              {team.data.members.map((m) => (
                <Table.Tr key={m.userId}>
                  <Table.Td>{m.email}</Table.Td>
                  <Table.Td>
                    <Select
                      size="xs"
                      data={[...ROLES]}
                      value={m.role}
                      disabled={!canManage}
                      onChange={(r) =>
                        r &&
                        setMemberRole.mutate({
                          teamId: team.data.id,
                          userId: m.userId,
                          role: r as TRole,
                        })
                      }
                      w={140}
                      allowDeselect={false}
                    />
                  </Table.Td>
                  <Table.Td>
                    {canManage && (
                      <Button
                        size="xs"
                        variant="subtle"
                        color="red"
                        onClick={() => remove.mutate({ teamId: team.data.id, userId: m.userId })}
                      >
                        Remove
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {!team.data.members.length && (
            <Text c="dimmed" size="sm">
              No members.
            </Text>
          )}
          {canManage && (
            <Group align="flex-end" mt="md">
              <TextInput
                label="Add member by email"
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
              />
              <Select
                label="Role"
                data={[...ROLES]}
                value={role}
                onChange={(r) => setRole((r as TRole) ?? "member")}
                w={140}
                allowDeselect={false}
              />
              <Button
                onClick={() => add.mutate({ teamId: team.data.id, email, role })}
                loading={add.isPending}
              >
                Add
              </Button>
            </Group>
          )}
          {add.error && (
            <Alert color="red" mt="xs">
              {add.error.message}
            </Alert>
          )}
        </Paper>
      )}
    </Stack>
  );
}
