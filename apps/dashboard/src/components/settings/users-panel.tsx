"use client";
import {
  Alert,
  Badge,
  Button,
  Group,
  PasswordInput,
  Select,
  Stack,
  Table,
  TextInput,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { formatAgo } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

/** Kiln's users (administrators only). */
export function UsersPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.users.list.queryOptions());
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<"user" | "admin">("user");
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.pathKey() });
  const onError = (err: { message: string }) =>
    notifications.show({ color: "red", message: err.message });
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: () => {
        setEmail("");
        setPassword("");
        void refresh();
      },
    }),
  );
  const setDisabled = useMutation(
    trpc.users.setDisabled.mutationOptions({ onSuccess: refresh, onError }),
  );
  const setRoleM = useMutation(trpc.users.setRole.mutationOptions({ onSuccess: refresh, onError }));
  return (
    <Stack>
      <Group align="flex-end">
        <TextInput label="Email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
        <PasswordInput
          label="Initial password"
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          w={220}
        />
        <Select
          label="Role"
          data={["user", "admin"]}
          value={role}
          onChange={(r) => setRole((r as "user" | "admin") ?? "user")}
          w={120}
          allowDeselect={false}
        />
        <Button onClick={() => create.mutate({ email, password, role })} loading={create.isPending}>
          Create user
        </Button>
      </Group>
      {create.error && <Alert color="red">{create.error.message}</Alert>}
      <Table verticalSpacing="xs" data-testid="users-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Email</Table.Th>
            <Table.Th>Role</Table.Th>
            <Table.Th>Created</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(users.data ?? []).map((u) => (
            <Table.Tr key={u.id} style={{ opacity: u.disabled ? 0.5 : 1 }}>
              <Table.Td>
                {u.email}{" "}
                {u.disabled && (
                  <Badge size="xs" color="gray">
                    disabled
                  </Badge>
                )}
              </Table.Td>
              <Table.Td>
                <Select
                  size="xs"
                  data={["user", "admin"]}
                  value={u.role}
                  onChange={(r) =>
                    r && setRoleM.mutate({ userId: u.id, role: r as "user" | "admin" })
                  }
                  w={110}
                  allowDeselect={false}
                />
              </Table.Td>
              <Table.Td>{formatAgo(u.createdAt)}</Table.Td>
              <Table.Td>
                <Button
                  size="xs"
                  variant="subtle"
                  color={u.disabled ? "green" : "red"}
                  onClick={() => setDisabled.mutate({ userId: u.id, disabled: !u.disabled })}
                >
                  {u.disabled ? "Enable" : "Disable"}
                </Button>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
