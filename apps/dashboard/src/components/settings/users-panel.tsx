"use client";
import { Badge, PasswordInput, Select, Stack, TextInput } from "@mantine/core";
import { useInputState } from "@mantine/hooks";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { DataTable, type TColumn } from "@/components/data-table";
import { InlineForm } from "@/components/inline-form";
import { RowActionButton } from "@/components/row-action-button";
import { formatAgo } from "@/lib/format";
import { useActionFeedback } from "@/lib/mutation-feedback";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";

type TUser = RouterOutputs["users"]["list"][number];
type TUserRole = "user" | "admin";
const USER_ROLES: TUserRole[] = ["user", "admin"];

/** Kiln's users (administrators only). */
export function UsersPanel() {
  const trpc = useTRPC();
  const users = useQuery(trpc.users.list.queryOptions());
  const [email, setEmail] = useInputState("");
  const [password, setPassword] = useInputState("");
  const [role, setRole] = useState<TUserRole>("user");
  const feedback = useActionFeedback(trpc.users.pathKey());
  const create = useMutation(
    trpc.users.create.mutationOptions({
      onSuccess: () => {
        setEmail("");
        setPassword("");
        void feedback.onSuccess();
      },
    }),
  );
  const setDisabled = useMutation(trpc.users.setDisabled.mutationOptions(feedback));
  const setUserRole = useMutation(trpc.users.setRole.mutationOptions(feedback));
  const columns: TColumn<TUser>[] = [
    { header: "Email", cell: (u) => <UserEmail user={u} /> },
    {
      header: "Role",
      cell: (u) => (
        <Select
          size="xs"
          data={USER_ROLES}
          value={u.role}
          onChange={(r) => r && setUserRole.mutate({ userId: u.id, role: r as TUserRole })}
          w={110}
          allowDeselect={false}
        />
      ),
    },
    { header: "Created", cell: (u) => formatAgo(u.createdAt) },
    {
      cell: (u) => (
        <RowActionButton
          color={u.disabled ? "green" : "red"}
          onClick={() => setDisabled.mutate({ userId: u.id, disabled: !u.disabled })}
        >
          {u.disabled ? "Enable" : "Disable"}
        </RowActionButton>
      ),
    },
  ];
  return (
    <Stack>
      <InlineForm
        submitLabel="Create user"
        onSubmit={() => create.mutate({ email, password, role })}
        loading={create.isPending}
        error={create.error}
      >
        <TextInput label="Email" value={email} onChange={setEmail} />
        <PasswordInput label="Initial password" value={password} onChange={setPassword} w={220} />
        <Select
          label="Role"
          data={USER_ROLES}
          value={role}
          onChange={(r) => setRole((r as TUserRole) ?? "user")}
          w={120}
          allowDeselect={false}
        />
      </InlineForm>
      <DataTable
        verticalSpacing="xs"
        data-testid="users-table"
        columns={columns}
        rows={users.data ?? []}
        rowKey={(u) => u.id}
        rowProps={(u) => ({ style: { opacity: u.disabled ? 0.5 : 1 } })}
      />
    </Stack>
  );
}

function UserEmail({ user }: { user: TUser }) {
  return (
    <>
      {user.email}{" "}
      {user.disabled && (
        <Badge size="xs" color="gray">
          disabled
        </Badge>
      )}
    </>
  );
}
