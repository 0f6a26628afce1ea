/**
 * What a recipe version is made of, as input (zod) and as stored, plus the
 * checks zod cannot express: environment names and values, and that the
 * elements resolve over the chosen catalog versions.
 */
import { ZImageType } from "@kiln/contracts/build-request";
import { z } from "zod";
import { AppError } from "../../app-error.ts";
import { ZResourceName } from "../resource-name.ts";

export const ARCHES = [
  "amd64",
  "x86_64",
  "i386",
  "arm64",
  "aarch64",
  "armhf",
  "ppc64le",
  "ppc64el",
  "s390x",
] as const;

export const ZEnvVarInput = z.object({
  /** Variable name, `^[A-Z_][A-Z0-9_]*$`. */
  name: z.string().max(128),
  /** The value; for a secret, omit it to keep the previous version's value. */
  value: z
    .string()
    .max(32 * 1024)
    .optional(),
  /** Stored encrypted and never returned. */
  secret: z.boolean().default(false),
  /** Allow newlines in the value (certificates, keys). */
  multiline: z.boolean().default(false),
});
export type TEnvVarInput = z.input<typeof ZEnvVarInput>;

export const ZAgentLabels = z
  .record(
    z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9._/-]{0,62}$/,
        "label keys: lower-case letters, digits, '.', '_', '/', '-'",
      ),
    z
      .string()
      .max(256)
      .regex(/^[^\0\n\r]*$/, "label values are one line"),
  )
  .refine((r) => Object.keys(r).length <= 50, "at most 50 labels");

export const ZRecipeVersionInput = z.object({
  /** Elements as for disk-image-create (`base` and the block-device default are added). */
  elements: z
    .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/, "not an element name"))
    .min(1, "list at least one element")
    .max(200),
  env: z.array(ZEnvVarInput).max(200).default([]),
  outputTypes: z.array(ZImageType).min(1, "choose at least one output type").max(6),
  /** GB; null: grow to fit. */
  imageSizeGb: z.number().positive().max(4096).nullable().default(null),
  arch: z.enum(ARCHES).default("amd64"),
  /** Ordered: the elements path, earliest wins. */
  catalogVersionIds: z.array(z.string().min(1)).min(1, "choose at least one catalog").max(20),
  agentLabels: ZAgentLabels.default({}),
  /** What changed, for the history. */
  message: z.string().max(500).default(""),
});
export type TRecipeVersionInput = z.input<typeof ZRecipeVersionInput>;
export type TRecipeVersionParsed = z.output<typeof ZRecipeVersionInput>;

export const ZRecipeName = ZResourceName;
export const ZRecipeVisibility = z.enum(["private", "public"]);

/** One stored environment entry (`RecipeVersion.env`); `value` is ciphertext when `secret`. */
export const ZStoredEnvVar = z.object({
  name: z.string(),
  value: z.string(),
  secret: z.boolean(),
  multiline: z.boolean().optional(),
});
export type TStoredEnvVar = z.infer<typeof ZStoredEnvVar>;

/** Names Kiln sets itself for every build: a recipe may not override them. */
const RESERVED = new Set([
  "ARCH",
  "ELEMENTS_PATH",
  "PATH",
  "HOME",
  "IMAGE_ELEMENT",
  "IMAGE_ELEMENT_YAML",
  "TARGET_ROOT",
  "TMP_MOUNT_PATH",
  "TMP_HOOKS_PATH",
  "TMP_BUILD_DIR",
  "DIB_IMAGE_SIZE",
]);
const NAME = /^[A-Z_][A-Z0-9_]*$/;

/** zod parse whose first problem becomes one AppError naming the field. */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix = "",
): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = [prefix, ...(issue?.path ?? []).map(String)].filter(Boolean).join(".");
  throw new AppError(
    "INVALID_INPUT",
    `${field || "input"}: ${issue?.message ?? "invalid"}`,
    field || undefined,
  );
}

/** Checks names and values; secrets without a value must exist in `previous`. */
export function checkEnv(env: TRecipeVersionParsed["env"], previous: TStoredEnvVar[]): void {
  const seen = new Set<string>();
  for (const [i, v] of env.entries()) {
    const bad = (msg: string, part: "name" | "value") =>
      new AppError("INVALID_INPUT", `environment variable '${v.name}': ${msg}`, `env.${i}.${part}`);
    if (!NAME.test(v.name)) throw bad("name must match ^[A-Z_][A-Z0-9_]*$", "name");
    if (RESERVED.has(v.name)) throw bad("is set by Kiln for every build", "name");
    if (seen.has(v.name)) throw bad("is listed twice", "name");
    seen.add(v.name);
    if (v.value === undefined) {
      const prior = previous.find((p) => p.name === v.name && p.secret);
      if (!v.secret || !prior) throw bad("needs a value", "value");
      continue;
    }
    if (v.value.includes("\0")) throw bad("value contains a NUL byte", "value");
    if (!v.multiline && /[\n\r]/.test(v.value))
      throw bad("value has a newline (mark it multi-line to allow)", "value");
    if (v.name === "RUN_PARTS_REGEX") {
      try {
        new RegExp(v.value);
      } catch {
        throw bad("is not a valid regular expression", "value");
      }
    }
  }
}
