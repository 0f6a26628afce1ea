"use client";
import { Alert, Group } from "@mantine/core";
import { errorField } from "@/lib/trpc";
import { RecipeEditor } from "./recipe-editor";
import type { TRecipeForm } from "./recipe-form-state";

/**
 * The recipe editor with its save error and buttons, for creating a recipe and
 * for saving a new version: an error naming a field shows at that field, any
 * other under the editor.
 */
export function RecipeSaveForm({
  teamId,
  recipeId,
  form,
  onChange,
  error,
  children,
}: {
  teamId: string | null;
  recipeId?: string;
  /** The editor waits for the form (a new recipe's default catalog). */
  form: TRecipeForm | null;
  onChange: (form: TRecipeForm) => void;
  error: { message: string } | null;
  /** The buttons under the editor. */
  children: React.ReactNode;
}) {
  const field = errorField(error);
  const saveError = error ? { message: error.message, field } : undefined;
  return (
    <>
      {form && (
        <RecipeEditor
          teamId={teamId}
          recipeId={recipeId}
          form={form}
          onChange={onChange}
          saveError={saveError}
        />
      )}
      {error && !field && <Alert color="red">{error.message}</Alert>}
      <Group>{children}</Group>
    </>
  );
}
