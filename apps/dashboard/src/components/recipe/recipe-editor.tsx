"use client";
import {
  Alert,
  Badge,
  Chip,
  Group,
  MultiSelect,
  NumberInput,
  Paper,
  Select,
  Stack,
  TagsInput,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQueries, useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTRPC, type RouterOutputs } from "@/lib/trpc";
import { RecipeEnvEditor } from "./recipe-env-editor";
import {
  ARCHES,
  fieldMatches,
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

type TValidation = ReturnType<typeof useRecipeValidation>["validation"];

/** What every section of the editor works with. */
interface TSectionProps {
  form: TRecipeForm;
  set: <K extends keyof TRecipeForm>(key: K, value: TRecipeForm[K]) => void;
  errorFor: (field: string) => string | undefined;
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
  const { validation, invalid } = useRecipeValidation({ teamId, recipeId, form, readOnly });
  const problem = saveError?.field ? saveError : invalid;
  const section: TSectionProps = {
    form,
    set: (key, value) => onChange({ ...form, [key]: value }),
    errorFor: (prefix) => (fieldMatches(problem?.field, prefix) ? problem?.message : undefined),
    readOnly,
  };
  return (
    <Stack gap="md" data-testid="recipe-editor">
      <ElementsSection {...section} validation={validation} />
      <OutputsSection {...section} />
      <RecipeEnvEditor
        env={form.env}
        onChange={(env) => section.set("env", env)}
        errorFor={section.errorFor}
        readOnly={readOnly}
      />
      {!readOnly && (
        <TextInput
          label="What changed"
          placeholder="bump to bookworm"
          value={form.message}
          onChange={(e) => section.set("message", e.currentTarget.value)}
        />
      )}
      {!readOnly && <ValidationStatus validation={validation} invalid={invalid} />}
    </Stack>
  );
}

/** The server's verdict on the form, asked for after a 400 ms pause in typing. */
function useRecipeValidation({
  teamId,
  recipeId,
  form,
  readOnly,
}: Pick<RecipeEditorProps, "teamId" | "recipeId" | "form" | "readOnly">) {
  const trpc = useTRPC();
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
  return { validation, invalid };
}

/** Element names offered by the search: every element of the chosen catalog versions. */
function useElementNames(catalogVersionIds: string[]): string[] {
  const trpc = useTRPC();
  const elementLists = useQueries({
    queries: catalogVersionIds.map((id) =>
      trpc.elements.list.queryOptions({ catalogVersionId: id }),
    ),
  });
  return useMemo(
    () => [...new Set(elementLists.flatMap((q) => q.data?.map((e) => e.name) ?? []))].sort(),
    [elementLists.map((q) => q.dataUpdatedAt).join()],
  );
}

/** Each catalog's latest version, plus any version the recipe pins that is not the latest. */
function catalogOptions(
  catalogs: RouterOutputs["catalogs"]["list"],
  pinned: string[],
): { value: string; label: string }[] {
  const options = catalogs
    .filter((c) => c.latestVersion)
    .map((c) => ({
      value: c.latestVersion!.id,
      label: `${c.name} @ ${c.latestVersion!.sha256.slice(0, 10)}`,
    }));
  for (const id of pinned) {
    if (!options.some((o) => o.value === id))
      options.push({ value: id, label: `pinned version ${id.slice(0, 10)}` });
  }
  return options;
}

function ElementsSection({
  form,
  set,
  errorFor,
  readOnly,
  validation,
}: TSectionProps & { validation: TValidation }) {
  const trpc = useTRPC();
  const catalogs = useQuery(trpc.catalogs.list.queryOptions({}));
  const elementNames = useElementNames(form.catalogVersionIds);
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Title order={5}>Elements</Title>
        <MultiSelect
          label="Catalog versions (elements path, first wins)"
          data={catalogOptions(catalogs.data ?? [], form.catalogVersionIds)}
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
          limit={50}
          data-testid="recipe-elements"
          value={form.elements}
          onChange={(v) => set("elements", v)}
          error={errorFor("elements")}
          disabled={readOnly}
        />
        {validation.data?.ok && (
          <Text size="xs" c="dimmed" data-testid="recipe-resolution">
            Resolves to {validation.data.resolution.elements.length} elements:{" "}
            {validation.data.resolution.elements.map((e) => e.name).join(" ")}
          </Text>
        )}
      </Stack>
    </Paper>
  );
}

function OutputsSection({ form, set, errorFor, readOnly }: TSectionProps) {
  return (
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
  );
}

function ValidationStatus({
  validation,
  invalid,
}: {
  validation: TValidation;
  invalid: { message: string } | undefined;
}) {
  return (
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
  );
}
