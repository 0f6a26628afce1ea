"use client";
import {
  ActionIcon,
  Button,
  Checkbox,
  Group,
  Paper,
  Stack,
  Switch,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { newEnvRow, type TEnvRow } from "./recipe-form-state";

/** The recipe's environment variables: add, edit, mark secret or multi-line, remove. */
export function RecipeEnvEditor({
  env,
  onChange,
  errorFor,
  readOnly,
}: {
  env: TEnvRow[];
  onChange: (env: TEnvRow[]) => void;
  errorFor: (field: string) => string | undefined;
  readOnly?: boolean;
}) {
  return (
    <Paper withBorder p="md">
      <Group justify="space-between" mb="xs">
        <Title order={5}>Environment</Title>
        {!readOnly && (
          <Button
            size="xs"
            variant="default"
            onClick={() => onChange([...env, newEnvRow()])}
            data-testid="add-env"
          >
            Add variable
          </Button>
        )}
      </Group>
      <Stack gap="xs">
        {env.map((row, index) => (
          <EnvRow
            key={row.key}
            row={row}
            onChange={(patch) =>
              onChange(env.map((r) => (r.key === row.key ? { ...r, ...patch } : r)))
            }
            onRemove={() => onChange(env.filter((r) => r.key !== row.key))}
            errorFor={(part) => errorFor(`env.${index}.${part}`)}
            readOnly={readOnly}
          />
        ))}
        {!env.length && (
          <Text size="sm" c="dimmed">
            No variables. DIB_* variables tune elements (see each element&apos;s README); secrets
            are stored encrypted and never shown again.
          </Text>
        )}
      </Stack>
    </Paper>
  );
}

function EnvRow({
  row,
  onChange,
  onRemove,
  errorFor,
  readOnly,
}: {
  row: TEnvRow;
  onChange: (patch: Partial<TEnvRow>) => void;
  onRemove: () => void;
  errorFor: (part: "name" | "value") => string | undefined;
  readOnly?: boolean;
}) {
  const ValueInput = row.multiline ? Textarea : TextInput;
  const toggle = (flag: "secret" | "multiline") => ({
    checked: row[flag],
    onChange: (e: React.ChangeEvent<HTMLInputElement>) =>
      onChange({ [flag]: e.currentTarget.checked }),
    disabled: readOnly,
    mt: 8,
  });
  return (
    <Group align="flex-start" gap="xs" wrap="nowrap" data-testid="env-row">
      <TextInput
        placeholder="DIB_RELEASE"
        value={row.name}
        onChange={(e) => onChange({ name: e.currentTarget.value })}
        error={errorFor("name")}
        disabled={readOnly}
        w={220}
        aria-label="variable name"
      />
      <ValueInput
        placeholder={row.storedSecret ? "•••••• (stored; type to replace)" : "value"}
        value={row.value}
        onChange={(e: React.ChangeEvent<HTMLInputElement & HTMLTextAreaElement>) =>
          onChange({ value: e.currentTarget.value })
        }
        error={errorFor("value")}
        disabled={readOnly}
        style={{ flex: 1 }}
        type={row.secret && !row.multiline ? "password" : undefined}
        aria-label="variable value"
      />
      <Switch label="secret" {...toggle("secret")} />
      <Checkbox label="multi-line" {...toggle("multiline")} />
      {!readOnly && (
        <ActionIcon
          variant="subtle"
          color="red"
          mt={6}
          onClick={onRemove}
          aria-label="remove variable"
        >
          ✕
        </ActionIcon>
      )}
    </Group>
  );
}
