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
import { useMutation, useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { PageHeader } from "@/components/page-header";
import { RecipeEditor } from "@/components/recipe/recipe-editor";
import {
  emptyForm,
  fieldMatches,
  toVersionInput,
  type TRecipeForm,
} from "@/components/recipe/recipe-form-state";
import { errorField, useTRPC } from "@/lib/trpc";

export default function NewRecipePage() {
  const trpc = useTRPC();
  const router = useRouter();
  const teams = useQuery(trpc.teams.list.queryOptions());
  const catalogs = useQuery(trpc.catalogs.list.queryOptions({}));
  const [teamId, setTeamId] = useState<string | null>(null);
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [visibility, setVisibility] = useState<"private" | "public">("private");
  const [form, setForm] = useState<TRecipeForm | null>(null);
  const team =
    teamId ??
    teams.data?.find((t) => t.myRole && t.myRole !== "viewer")?.id ??
    teams.data?.[0]?.id ??
    null;

  // Start from Kiln's built-in catalog so the first element search finds something.
  useEffect(() => {
    if (form || !catalogs.data) return;
    const builtin = catalogs.data.find((c) => c.sourceKind === "builtin")?.latestVersion?.id;
    setForm(emptyForm(builtin ? [builtin] : []));
  }, [catalogs.data, form]);

  const create = useMutation(
    trpc.recipes.create.mutationOptions({
      onSuccess: (r) => router.push(`/recipes/${r.recipeId}`),
    }),
  );
  const field = errorField(create.error);
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
              onChange={(e) => setName(e.currentTarget.value)}
              error={fieldMatches(field, "name") ? create.error?.message : undefined}
              data-testid="recipe-name"
            />
            <div>
              <SegmentedControl
                value={visibility}
                onChange={(v) => setVisibility(v as "private" | "public")}
                data={["private", "public"]}
                mt={24}
              />
            </div>
          </Group>
          <TextInput
            label="Description"
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            mt="sm"
          />
        </Paper>
        {!teams.isLoading && !teams.data?.length && (
          <Alert color="yellow">
            You are in no team yet: an administrator can add you in Settings → Teams.
          </Alert>
        )}
        {form && (
          <RecipeEditor
            teamId={team}
            form={form}
            onChange={setForm}
            saveError={create.error ? { message: create.error.message, field } : undefined}
          />
        )}
        {create.error && !field && <Alert color="red">{create.error.message}</Alert>}
        <Group>
          <Button
            onClick={() =>
              form &&
              team &&
              create.mutate({
                teamId: team,
                name,
                description,
                visibility,
                version: toVersionInput(form),
              })
            }
            loading={create.isPending}
            disabled={!form || !team}
            data-testid="save-recipe"
          >
            Create recipe
          </Button>
        </Group>
      </Stack>
    </>
  );
}
