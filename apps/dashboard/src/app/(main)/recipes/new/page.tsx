"use client";
import {
  Alert,
  Button,
  Group,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  TextInput,
} from "@mantine/core";
import { useInputState } from "@mantine/hooks";
import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { PageHeader } from "@/components/page-header";
import {
  emptyForm,
  fieldMatches,
  toVersionInput,
  type TRecipeForm,
} from "@/components/recipe/recipe-form-state";
import { RecipeSaveForm } from "@/components/recipe/recipe-save-form";
import { errorField, useTRPC, type RouterOutputs } from "@/lib/trpc";

type TVisibility = "private" | "public";

export default function NewRecipePage() {
  const trpc = useTRPC();
  const router = useRouter();
  const teams = useQuery(trpc.teams.list.queryOptions());
  const [teamId, setTeamId] = useState<string | null>(null);
  const [name, setName] = useInputState("");
  const [description, setDescription] = useInputState("");
  const [visibility, setVisibility] = useState<TVisibility>("private");
  const [form, setForm] = useInitialForm();
  const team = teamId ?? defaultTeam(teams.data ?? []);
  const create = useMutation(
    trpc.recipes.create.mutationOptions({
      onSuccess: (r) => router.push(`/recipes/${r.recipeId}`),
    }),
  );
  const nameError = fieldMatches(errorField(create.error), "name")
    ? create.error?.message
    : undefined;
  const submit = () =>
    form &&
    team &&
    create.mutate({ teamId: team, name, description, visibility, version: toVersionInput(form) });
  return (
    <>
      <PageHeader title="New recipe" />
      <Stack maw={960}>
        <Paper withBorder p="md">
          <Group grow align="flex-start">
            <Select
              label="Team"
              data={(teams.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
              value={team}
              onChange={setTeamId}
              allowDeselect={false}
            />
            <TextInput
              label="Name"
              placeholder="debian-vm"
              value={name}
              onChange={setName}
              error={nameError}
              data-testid="recipe-name"
            />
            <div>
              <SegmentedControl
                value={visibility}
                onChange={(v) => setVisibility(v as TVisibility)}
                data={["private", "public"]}
                mt={24}
              />
            </div>
          </Group>
          <TextInput label="Description" value={description} onChange={setDescription} mt="sm" />
        </Paper>
        {!teams.isLoading && !teams.data?.length && (
          <Alert color="yellow">
            You are in no team yet: an administrator can add you in Settings → Teams.
          </Alert>
        )}
        <RecipeSaveForm teamId={team} form={form} onChange={setForm} error={create.error}>
          <Button
            onClick={submit}
            loading={create.isPending}
            disabled={!form || !team}
            data-testid="save-recipe"
          >
            Create recipe
          </Button>
        </RecipeSaveForm>
      </Stack>
    </>
  );
}

/** The first team the caller can write to, else their first team. */
function defaultTeam(teams: RouterOutputs["teams"]["list"]): string | null {
  return teams.find((t) => t.myRole && t.myRole !== "viewer")?.id ?? teams[0]?.id ?? null;
}

/**
 * An empty form once the catalogs are known. It starts from Kiln's built-in
 * catalog so the first element search finds something.
 */
function useInitialForm() {
  const trpc = useTRPC();
  const catalogs = useQuery(trpc.catalogs.list.queryOptions({}));
  const [form, setForm] = useState<TRecipeForm | null>(null);
  useEffect(() => {
    if (form || !catalogs.data) return;
    const builtin = catalogs.data.find((c) => c.sourceKind === "builtin")?.latestVersion?.id;
    setForm(emptyForm(builtin ? [builtin] : []));
  }, [catalogs.data, form]);
  return [form, setForm] as const;
}
