"use client";
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Checkbox,
  Chip,
  Group,
  MultiSelect,
  NumberInput,
  Paper,
  Select,
  Stack,
  Switch,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQueries, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTRPC } from "@/lib/trpc";
import {
  ARCHES,
  fieldMatches,
  newEnvRow,
  OUTPUT_TYPES,
  toVersionInput,
  type TRecipeForm,
} from "./recipe-form-state";

export interface RecipeEditorProps {
  teamId: string | null;
  recipeId?: string;
  form: TRecipeForm;
  onChange: (f: TRecipeForm) => void;
  /** A save error's field and message, shown like validation. */
  saveError?: { message: string; field?: string | null };
  readOnly?: boolean;
}

/**
 * The recipe version editor. Every change is validated by the server after a
 * short pause (the engine resolves the elements over the chosen catalog
 * versions), and the problem is shown next to the field it names.
 */
export function RecipeEditor({
  teamId,
  recipeId,
  form,
  onChange,
  saveError,
  readOnly,
}: RecipeEditorProps) {
  const trpc = useTRPC();
  const set = <K extends keyof TRecipeForm>(k: K, v: TRecipeForm[K]) =>
    onChange({ ...form, [k]: v });
  const catalogs = useQuery(trpc.catalogs.list.queryOptions({}));
  const [debounced] = useDebouncedValue(form, 400);
  const validation = useQuery({
    ...trpc.recipes.validate.queryOptions({
      teamId: teamId ?? "",
      recipeId,
      version: toVersionInput(debounced),
    }),
    enabled: !!teamId && !readOnly,
    placeholderData: (prev) => prev,
    staleTime: 60_000,
  });
  const invalid = validation.data && !validation.data.ok ? validation.data.error : undefined;
  const problem = saveError?.field ? saveError : invalid;
  const errorFor = (prefix: string) =>
    fieldMatches(problem?.field, prefix) ? problem?.message : undefined;

  // Element names offered by the search: every element of the chosen catalog versions.
  const elementLists = useQueries({
    queries: form.catalogVersionIds.map((id) =>
      trpc.elements.list.queryOptions({ catalogVersionId: id }),
    ),
  });
  const elementNames = useMemo(
    () => [...new Set(elementLists.flatMap((q) => q.data?.map((e) => e.name) ?? []))].sort(),
    [elementLists.map((q) => q.dataUpdatedAt).join()],
  );
  const catalogOptions = (catalogs.data ?? [])
    .filter((c) => c.latestVersion)
    .map((c) => ({
      value: c.latestVersion!.id,
      label: `${c.name} @ ${c.latestVersion!.sha256.slice(0, 10)}`,
    }));
  // Versions the recipe pins that are not the latest of their catalog still need a label.
  for (const id of form.catalogVersionIds) {
    if (!catalogOptions.some((o) => o.value === id))
      catalogOptions.push({ value: id, label: `pinned version ${id.slice(0, 10)}` });
  }

  return (
    <Stack gap="md" data-testid="recipe-editor">
      <Paper withBorder p="md">
        <Stack gap="sm">
          <Title order={5}>Elements</Title>
          <MultiSelect
            label="Catalog versions (elements path, first wins)"
            data={catalogOptions}
            value={form.catalogVersionIds}
            onChange={(v) => set("catalogVersionIds", v)}
            error={errorFor("catalogVersionIds")}
            disabled={readOnly}
            searchable
            data-testid="recipe-catalogs"
          />
          <TagsInput
            label="Elements"
            description="Search the chosen catalogs; dependencies, base and the block-device default are added when the build is planned."
            placeholder="debian vm …"
            data={elementNames}
            value={form.elements}
            onChange={(v) => set("elements", v)}
            error={errorFor("elements")}
            disabled={readOnly}
            limit={50}
            data-testid="recipe-elements"
          />
          {validation.data?.ok && (
            <Text size="xs" c="dimmed" data-testid="recipe-resolution">
              Resolves to {validation.data.resolution.elements.length} elements:{" "}
              {validation.data.resolution.elements.map((e) => e.name).join(" ")}
            </Text>
          )}
        </Stack>
      </Paper>

      <Paper withBorder p="md">
        <Stack gap="sm">
          <Title order={5}>Outputs</Title>
          <div>
            <Chip.Group multiple value={form.outputTypes} onChange={(v) => set("outputTypes", v)}>
              <Group gap="xs">
                {OUTPUT_TYPES.map((t) => (
                  <Chip key={t} value={t} disabled={readOnly} size="sm">
                    {t}
                  </Chip>
                ))}
              </Group>
            </Chip.Group>
            {errorFor("outputTypes") && (
              <Text c="red" size="xs" mt={4}>
                {errorFor("outputTypes")}
              </Text>
            )}
          </div>
          <Group grow>
            <Select
              label="Architecture"
              data={[...ARCHES]}
              value={form.arch}
              onChange={(v) => set("arch", v ?? "amd64")}
              error={errorFor("arch")}
              disabled={readOnly}
              allowDeselect={false}
            />
            <NumberInput
              label="Image size (GB)"
              description="empty: grow to fit"
              min={0.1}
              step={1}
              decimalScale={2}
              value={form.imageSizeGb ?? ""}
              onChange={(v) => set("imageSizeGb", v === "" ? null : Number(v))}
              error={errorFor("imageSizeGb")}
              disabled={readOnly}
            />
          </Group>
          <TagsInput
            label="Agent labels"
            description="key=value labels an agent must carry to run this recipe"
            value={form.labels}
            onChange={(v) => set("labels", v)}
            error={errorFor("agentLabels")}
            disabled={readOnly}
          />
        </Stack>
      </Paper>

      <Paper withBorder p="md">
        <Group justify="space-between" mb="xs">
          <Title order={5}>Environment</Title>
          {!readOnly && (
            <Button
              size="xs"
              variant="default"
              onClick={() => set("env", [...form.env, newEnvRow()])}
              data-testid="add-env"
            >
              Add variable
            </Button>
          )}
        </Group>
        <Stack gap="xs">
          {form.env.map((row, i) => {
            const update = (patch: Partial<typeof row>) =>
              set(
                "env",
                form.env.map((r) => (r.key === row.key ? { ...r, ...patch } : r)),
              );
            const ValueInput = row.multiline ? Textarea : TextInput;
            return (
              <Group key={row.key} align="flex-start" gap="xs" wrap="nowrap" data-testid="env-row">
                <TextInput
                  placeholder="DIB_RELEASE"
                  value={row.name}
                  onChange={(e) => update({ name: e.currentTarget.value })}
                  error={errorFor(`env.${i}.name`)}
                  disabled={readOnly}
                  w={220}
                  aria-label="variable name"
                />
                <ValueInput
                  placeholder={row.storedSecret ? "•••••• (stored; type to replace)" : "value"}
                  value={row.value}
                  onChange={(e: React.ChangeEvent<HTMLInputElement & HTMLTextAreaElement>) =>
                    update({ value: e.currentTarget.value })
                  }
                  error={errorFor(`env.${i}.value`)}
                  disabled={readOnly}
                  style={{ flex: 1 }}
                  type={row.secret && !row.multiline ? "password" : undefined}
                  aria-label="variable value"
                />
                <Switch
                  label="secret"
                  checked={row.secret}
                  onChange={(e) => update({ secret: e.currentTarget.checked })}
                  disabled={readOnly}
                  mt={8}
                />
                <Checkbox
                  label="multi-line"
                  checked={row.multiline}
                  onChange={(e) => update({ multiline: e.currentTarget.checked })}
                  disabled={readOnly}
                  mt={8}
                />
                {!readOnly && (
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    mt={6}
                    onClick={() =>
                      set(
                        "env",
                        form.env.filter((r) => r.key !== row.key),
                      )
                    }
                    aria-label="remove variable"
                  >
                    ✕
                  </ActionIcon>
                )}
              </Group>
            );
          })}
          {!form.env.length && (
            <Text size="sm" c="dimmed">
              No variables. DIB_* variables tune elements (see each element&apos;s README); secrets
              are stored encrypted and never shown again.
            </Text>
          )}
        </Stack>
      </Paper>

      {!readOnly && (
        <TextInput
          label="What changed"
          placeholder="bump to bookworm"
          value={form.message}
          onChange={(e) => set("message", e.currentTarget.value)}
        />
      )}

      {!readOnly && (
        <Group gap="xs" data-testid="recipe-validation">
          {validation.isFetching && <Badge variant="light">checking…</Badge>}
          {validation.data?.ok && !validation.isFetching && (
            <Badge color="green" variant="light" data-testid="recipe-valid">
              valid
            </Badge>
          )}
          {invalid && (
            <Alert color="red" p="xs" data-testid="recipe-invalid" style={{ flex: 1 }}>
              {invalid.message}
            </Alert>
          )}
          {validation.error && <Alert color="red">{validation.error.message}</Alert>}
        </Group>
      )}
    </Stack>
  );
}
