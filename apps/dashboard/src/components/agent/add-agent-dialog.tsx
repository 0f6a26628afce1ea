"use client";
import {
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  TagsInput,
  Text,
} from "@mantine/core";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "@/lib/trpc";
import { parseLabels } from "./agent-facts";

/** Creates a one-time registration token and shows the command to run on the agent host. */
export function AddAgentDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const trpc = useTRPC();
  const [labels, setLabels] = useState<string[]>([]);
  const [ttl, setTtl] = useState<number>(24);
  const [pool, setPool] = useState<string | null>(null);
  const pools = useQuery({ ...trpc.pools.list.queryOptions(), enabled: opened });
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
          <Select
            label="Pool"
            description="The teams whose builds it runs"
            placeholder="default (every team)"
            data={(pools.data ?? []).map((option) => option.name)}
            value={pool}
            onChange={setPool}
            clearable
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
          <AgentCommand command={create.data.command} expiresAt={create.data.expiresAt} />
        ) : (
          <Button
            onClick={() =>
              create.mutate({
                labels: parseLabels(labels),
                ttlHours: ttl,
                ...(pool ? { pool } : {}),
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

function AgentCommand({ command, expiresAt }: { command: string; expiresAt: Date | string }) {
  return (
    <Stack gap="xs" data-testid="agent-command">
      <Text size="sm">
        Run this on the agent host (the token is shown only now; it expires{" "}
        {new Date(expiresAt).toLocaleString()}):
      </Text>
      <Code block>{command}</Code>
      <CopyButton value={command}>
        {({ copied, copy }) => (
          <Button size="xs" variant="light" onClick={copy} w={160}>
            {copied ? "Copied" : "Copy command"}
          </Button>
        )}
      </CopyButton>
    </Stack>
  );
}
