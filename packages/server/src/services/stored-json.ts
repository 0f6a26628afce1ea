/**
 * Reading the JSON columns (the model stores enums and JSON as strings, so
 * both databases share one model text). Every read goes through a zod schema
 * of the stored shape: a row of the wrong shape is the server's fault and
 * fails loudly, naming the column, instead of turning into a silent default.
 */
import { z } from "zod";
import { AppError } from "../app-error.ts";

export type TStoredJsonResult<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * Parses `text` and checks it against `schema`. A NULL or empty column reads
 * as `undefined`, so a schema with `.default(…)` gives the value for "none
 * stored" and one without refuses it.
 */
export function readStoredJson<S extends z.ZodType>(
  schema: S,
  text: string | null | undefined,
): TStoredJsonResult<z.output<S>> {
  let json: unknown;
  if (text != null && text !== "") {
    try {
      json = JSON.parse(text);
    } catch (err) {
      return { ok: false, problem: `not JSON (${(err as Error).message})` };
    }
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? `at ${issue.path.join(".")}: ` : "";
  return { ok: false, problem: `${where}${issue?.message ?? "wrong shape"}` };
}

/**
 * The value of a JSON column; `what` names it for the error, e.g.
 * `Build.phaseTimings of build ${id}`.
 */
export function parseStoredJson<S extends z.ZodType>(
  schema: S,
  text: string | null | undefined,
  what: string,
): z.output<S> {
  const result = readStoredJson(schema, text);
  if (!result.ok) throw new AppError("INTERNAL", `stored ${what} is invalid: ${result.problem}`);
  return result.value;
}

/** A JSON list of names (elements, output types, deps, provides). */
export const ZStringList = z.array(z.string());

/** `{ key: value }` labels (agents, registration tokens, build requirements). */
export const ZLabels = z.record(z.string(), z.string());

/** The `labels` column of an Agent or AgentRegistrationToken row. */
export function storedLabels(
  row: { id: string; labels: string },
  model: "Agent" | "AgentRegistrationToken",
): Record<string, string> {
  return parseStoredJson(ZLabels, row.labels, `${model}.labels of ${row.id}`);
}

/** Any JSON object (host facts, audit details). */
export const ZJsonObject = z.record(z.string(), z.unknown());
