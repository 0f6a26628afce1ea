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
  Table,
  Text,
  TextInput,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { formatAgo } from "@/lib/format";
import { useTRPC } from "@/lib/trpc";

/** The caller's API tokens: `Authorization: Bearer kiln_…` for scripts and the CLI. */
export function TokensPanel() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<string[]>(["read", "write"]);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.tokens.pathKey() });
  const create = useMutation(trpc.tokens.create.mutationOptions({ onSuccess: refresh }));
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions({ onSuccess: refresh }));
  return (
    <Stack>
      <Group align="flex-end">
        <TextInput
          label="New token name"
          placeholder="ci"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={create.error?.message}
        />
        <Checkbox.Group label="Scopes" value={scopes} onChange={setScopes}>
          <Group gap="xs" mt={6}>
            <Checkbox value="read" label="read" />
            <Checkbox value="write" label="write" />
            <Checkbox value="admin" label="admin" />
          </Group>
        </Checkbox.Group>
        <Button
          onClick={() => create.mutate({ name, scopes: scopes as ("read" | "write" | "admin")[] })}
          loading={create.isPending}
        >
          Create token
        </Button>
      </Group>
      {create.data && (
        <Alert color="green" title="Copy the token now: it is not shown again">
          <Group>
            <Code data-testid="new-token">{create.data.token}</Code>
            <CopyButton value={create.data.token}>
              {({ copied, copy }) => (
                <Button size="xs" variant="light" onClick={copy}>
                  {copied ? "Copied" : "Copy"}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
      )}
      <Table verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Name</Table.Th>
            <Table.Th>Token</Table.Th>
            <Table.Th>Scopes</Table.Th>
            <Table.Th>Last used</Table.Th>
            <Table.Th>Created</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {(tokens.data ?? []).map((t) => (
            <Table.Tr key={t.id} style={{ opacity: t.revokedAt ? 0.5 : 1 }}>
              <Table.Td>{t.name}</Table.Td>
              <Table.Td ff="monospace">{t.prefix}…</Table.Td>
              <Table.Td>
                {t.scopes.map((s) => (
                  <Badge key={s} size="xs" mr={4} variant="light">
                    {s}
                  </Badge>
                ))}
              </Table.Td>
              <Table.Td>{formatAgo(t.lastUsedAt)}</Table.Td>
              <Table.Td>{formatAgo(t.createdAt)}</Table.Td>
              <Table.Td>
                {t.revokedAt ? (
                  <Text size="xs">revoked</Text>
                ) : (
                  <Button
                    size="xs"
                    color="red"
                    variant="subtle"
                    onClick={() => revoke.mutate({ tokenId: t.id })}
                  >
                    Revoke
                  </Button>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
