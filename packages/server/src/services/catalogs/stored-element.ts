/**
 * The JSON columns of a `CatalogElement` row, as import-catalog-tree.ts writes
 * them, read through their schemas (see stored-json.ts).
 */
import type { CatalogElementModel as CatalogElement } from "@kiln/db/client";
import { z } from "zod";
import { parseStoredJson, ZStringList } from "../stored-json.ts";

/** A finding as stored on CatalogElement.lint: paths relative to the element. */
export const ZStoredFinding = z.object({
  rule: z.string(),
  severity: z.enum(["error", "warning"]),
  /** Path inside the element ("" for the element directory itself). */
  file: z.string(),
  line: z.number().optional(),
  message: z.string(),
});
export type TStoredFinding = z.infer<typeof ZStoredFinding>;

/** One package of CatalogElement.packages. */
export const ZPackageRow = z.object({
  name: z.string(),
  phase: z.string(),
  action: z.enum(["install", "uninstall", "build-only"]),
});
export type TPackageRow = z.infer<typeof ZPackageRow>;

/** CatalogElement.hooks: script names per phase. */
export const ZElementHooks = z.record(z.string(), z.array(z.string()));

export interface TStoredElement {
  deps: string[];
  provides: string[];
  hooks: Record<string, string[]>;
  packages: TPackageRow[];
  lint: TStoredFinding[];
}

type TJsonColumn = "deps" | "provides" | "hooks" | "packages" | "lint";

function column<S extends z.ZodType, C extends TJsonColumn>(
  schema: S,
  row: Pick<CatalogElement, "id" | C>,
  name: C,
): z.output<S> {
  return parseStoredJson(schema, row[name], `CatalogElement.${name} of ${row.id}`);
}

export function storedDeps(row: Pick<CatalogElement, "id" | "deps">): string[] {
  return column(ZStringList, row, "deps");
}

export function storedProvides(row: Pick<CatalogElement, "id" | "provides">): string[] {
  return column(ZStringList, row, "provides");
}

/** Every JSON column of the row. */
export function storedElement(row: Pick<CatalogElement, "id" | TJsonColumn>): TStoredElement {
  return {
    deps: storedDeps(row),
    provides: storedProvides(row),
    hooks: column(ZElementHooks, row, "hooks"),
    packages: column(ZPackageRow.array(), row, "packages"),
    lint: column(ZStoredFinding.array(), row, "lint"),
  };
}
