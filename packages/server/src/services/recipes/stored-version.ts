import type { RecipeVersionModel as RecipeVersion } from "@kiln/db/client";
import { ZAgentLabels } from "../builds/stored-request.ts";
import { parseStoredJson, ZStringList } from "../stored-json.ts";
import { ZStoredEnvVar, type TStoredEnvVar } from "./recipe-input.ts";

type TJsonColumns = Pick<RecipeVersion, "id" | "elements" | "outputTypes" | "agentLabels">;

/** A recipe version's JSON columns, checked (see stored-json.ts). */
export function storedVersionColumns(v: TJsonColumns): {
  elements: string[];
  outputTypes: string[];
  agentLabels: Record<string, string>;
} {
  return {
    elements: parseStoredJson(ZStringList, v.elements, `RecipeVersion.elements of ${v.id}`),
    outputTypes: parseStoredJson(
      ZStringList,
      v.outputTypes,
      `RecipeVersion.outputTypes of ${v.id}`,
    ),
    agentLabels: parseStoredJson(
      ZAgentLabels,
      v.agentLabels,
      `RecipeVersion.agentLabels of ${v.id}`,
    ),
  };
}

/** `RecipeVersion.env`, checked; secret values are still ciphertext. */
export function storedEnv(v: Pick<RecipeVersion, "id" | "env">): TStoredEnvVar[] {
  return parseStoredJson(ZStoredEnvVar.array(), v.env, `RecipeVersion.env of ${v.id}`);
}
