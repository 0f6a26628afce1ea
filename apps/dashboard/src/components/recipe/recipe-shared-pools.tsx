"use client";
import { Switch } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useActionFeedback } from "@/lib/mutation-feedback";
import { useTRPC } from "@/lib/trpc";

/**
 * The recipe setting that lets builds carrying its secrets run on shared
 * agent pools (hosts other teams' hooks also run on), not only on its team's
 * own. The server requires the maintainer role to change it.
 */
export function RecipeSharedPools({
  recipeId,
  allowSharedPools,
  canEdit,
}: {
  recipeId: string;
  allowSharedPools: boolean;
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const update = useMutation(
    trpc.recipes.update.mutationOptions(useActionFeedback(trpc.recipes.pathKey())),
  );
  return (
    <Switch
      size="sm"
      label="Builds with secrets may run on shared agent pools"
      description="Off: only on agents of the team's own pools"
      checked={allowSharedPools}
      disabled={!canEdit || update.isPending}
      onChange={(event) =>
        update.mutate({ recipeId, allowSharedPools: event.currentTarget.checked })
      }
    />
  );
}
