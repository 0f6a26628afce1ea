/** The editor's state and how it maps to the API's recipe version input. */

export const OUTPUT_TYPES = ["qcow2", "raw", "tar", "tgz", "vhd", "squashfs"] as const;
export const ARCHES = ["amd64", "arm64", "i386", "armhf", "ppc64el", "s390x"] as const;

export interface TEnvRow {
  key: number;
  name: string;
  value: string;
  secret: boolean;
  /** A stored secret: leaving the value empty keeps it. */
  storedSecret: boolean;
  multiline: boolean;
}

export interface TRecipeForm {
  elements: string[];
  catalogVersionIds: string[];
  env: TEnvRow[];
  outputTypes: string[];
  imageSizeGb: number | null;
  arch: string;
  /** `key=value` per entry. */
  labels: string[];
  message: string;
}

let nextKey = 1;
export const newEnvRow = (over: Partial<TEnvRow> = {}): TEnvRow => ({
  key: nextKey++,
  name: "",
  value: "",
  secret: false,
  storedSecret: false,
  multiline: false,
  ...over,
});

export function emptyForm(defaultCatalogVersionIds: string[]): TRecipeForm {
  return {
    elements: [],
    catalogVersionIds: defaultCatalogVersionIds,
    env: [],
    outputTypes: ["qcow2"],
    imageSizeGb: null,
    arch: "amd64",
    labels: [],
    message: "",
  };
}

/** A stored version as the editor's state (secret values are never sent to us). */
export function formFromVersion(v: {
  elements: string[];
  catalogVersions: { id: string }[];
  env: { name: string; value?: string; secret: boolean; multiline: boolean }[];
  outputTypes: string[];
  imageSizeGb: number | null;
  arch: string;
  agentLabels: Record<string, string>;
}): TRecipeForm {
  return {
    elements: [...v.elements],
    catalogVersionIds: v.catalogVersions.map((c) => c.id),
    env: v.env.map((e) =>
      newEnvRow({
        name: e.name,
        value: e.value ?? "",
        secret: e.secret,
        storedSecret: e.secret,
        multiline: e.multiline,
      }),
    ),
    outputTypes: [...v.outputTypes],
    imageSizeGb: v.imageSizeGb,
    arch: v.arch,
    labels: Object.entries(v.agentLabels).map(([k, val]) => `${k}=${val}`),
    message: "",
  };
}

/** The API's version input. An untouched stored secret goes without a value (kept server-side). */
export function toVersionInput(f: TRecipeForm) {
  return {
    elements: f.elements,
    catalogVersionIds: f.catalogVersionIds,
    env: f.env.map((e) => ({
      name: e.name,
      ...(e.secret && e.storedSecret && e.value === "" ? {} : { value: e.value }),
      secret: e.secret,
      multiline: e.multiline,
    })),
    outputTypes: f.outputTypes as (typeof OUTPUT_TYPES)[number][],
    imageSizeGb: f.imageSizeGb,
    arch: f.arch as "amd64",
    agentLabels: Object.fromEntries(
      f.labels.map((l) => {
        const eq = l.indexOf("=");
        return eq < 0 ? [l, ""] : [l.slice(0, eq), l.slice(eq + 1)];
      }),
    ),
    message: f.message,
  };
}

/** Which part of the form a server `field` path belongs to ("env.2.value" → env row 2). */
export function fieldMatches(field: string | null | undefined, prefix: string): boolean {
  return !!field && (field === prefix || field.startsWith(`${prefix}.`));
}
