"use client";
import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Stack,
  Text,
  TextInput,
} from "@mantine/core";
import { useInputState } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { DataTable, MONO_CELL, type TColumn } from "@/components/data-table";
import { InlineForm } from "@/components/inline-form";
import { RowActionButton } from "@/components/row-action-button";
import { formatAgo } from "@/lib/format";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";

type TToken = RouterOutputs["tokens"]["list"][number];
type TScope = "read" | "write" | "admin";

/** The caller's API tokens: `Authorization: Bearer kiln_…` for scripts and the CLI. */
export function TokensPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const [name, setName] = useInputState("");
  const [scopes, setScopes] = useState<string[]>(["read", "write"]);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.tokens.pathKey() });
  const create = useMutation(trpc.tokens.create.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: refresh }));
  const columns: TColumn<TToken>[] = [
    { header: "Name", cell: (t) => t.name },
    { header: "Token", td: MONO_CELL, cell: (t) => `${t.prefix}…` },
    { header: "Scopes", cell: (t) => <ScopeBadges scopes={t.scopes} /> },
    { header: "Last used", cell: (t) => formatAgo(t.lastUsedAt) },
    { header: "Created", cell: (t) => formatAgo(t.createdAt) },
    {
      cell: (t) =>
        t.revokedAt ? (
          <Text size="xs">revoked</Text>
        ) : (
          <RowActionButton onClick={() => revoke.mutate({ tokenId: t.id })}>Revoke</RowActionButton>
        ),
    },
  ];
  return (
    <Stack>
      <InlineForm
        submitLabel="Create token"
        onSubmit={() => create.mutate({ name, scopes: scopes as TScope[] })}
        loading={create.isPending}
      >
        <TextInput
          label="New token name"
          placeholder="ci"
          value={name}
          onChange={setName}
          error={create.error?.message}
        />
        <Checkbox.Group label="Scopes" value={scopes} onChange={setScopes}>
          <Group gap="xs" mt={6}>
            <Checkbox value="read" label="read" />
            <Checkbox value="write" label="write" />
            <Checkbox value="admin" label="admin" />
          </Group>
        </Checkbox.Group>
      </InlineForm>
      {create.data && <NewToken token={create.data.token} />}
      <DataTable
        verticalSpacing="xs"
        columns={columns}
        rows={tokens.data ?? []}
        rowKey={(t) => t.id}
        rowProps={(t) => ({ style: { opacity: t.revokedAt ? 0.5 : 1 } })}
      />
    </Stack>
  );
}

function ScopeBadges({ scopes }: { scopes: string[] }) {
  return scopes.map((scope) => (
    <Badge key={scope} size="xs" mr={4} variant="light">
      {scope}
    </Badge>
  ));
}

/** A token just created: shown this once, with a copy button. */
function NewToken({ token }: { token: string }) {
  return (
    <Alert color="green" title="Copy the token now: it is not shown again">
      <Group>
        <Code data-testid="new-token">{token}</Code>
        <CopyButton value={token}>
          {({ copied, copy }) => (
            <Button size="xs" variant="light" onClick={copy}>
              {copied ? "Copied" : "Copy"}
            </Button>
          )}
        </CopyButton>
      </Group>
    </Alert>
  );
}
