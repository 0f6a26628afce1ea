import os from "node:os";
import path from "node:path";
import { z } from "zod";

/**
 * The CLI's environment, parsed once at start (only this file reads
 * process.env; an eslint rule in eslint.config.js enforces it). DIB's own variables (`DIB_*`, `ARCH`, …) are
 * passed through to the engine untouched as `buildEnv`.
 */
/** An optional value where an empty string means unset, as shells treat `VAR=`. */
const optionalString = () =>
  z.preprocess((v) => (v === "" ? undefined : v), z.string().min(1).optional());

export const ZCliEnv = z.object({
  /** Colon-separated element directories searched before Kiln's built-ins. */
  ELEMENTS_PATH: z.string().optional(),
  /** Target architecture; default: the host's, in Debian naming. */
  ARCH: optionalString(),
  /** Kiln's built-in elements directory; default: `elements/` of this checkout. */
  KILN_BUILTIN_ELEMENTS: optionalString(),
  /** Operational log level for the CLI's own messages. */
  KILN_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** Any value: print stack traces of unexpected errors. */
  KILN_DEBUG: optionalString(),
  /** dib-run-parts' name filter override. */
  RUN_PARTS_REGEX: z.string().optional(),
  /** Parent directory of build directories (DIB's TMP_DIR); default /tmp. */
  TMP_DIR: z.string().min(1).default("/tmp"),
  /** Image cache (debootstrap tarballs, apt debs); `--image-cache` wins. Default: $XDG_CACHE_HOME/kiln. */
  DIB_IMAGE_CACHE: optionalString(),
  /** Base of the default cache directory. */
  XDG_CACHE_HOME: optionalString(),
  /** The server's database: a PostgreSQL URL; unset means SQLite in KILN_DATA_DIR. */
  DATABASE_URL: optionalString(),
  /** The server's data directory (SQLite file, artifacts); default ./data. */
  KILN_DATA_DIR: optionalString(),
  /** The server's artifact store, read by `kiln admin` as the server reads it (see the dashboard's env). */
  KILN_ARTIFACTS_DIR: optionalString(),
  KILN_S3_BUCKET: optionalString(),
  KILN_S3_ENDPOINT: optionalString(),
  KILN_S3_REGION: optionalString(),
  KILN_S3_ACCESS_KEY_ID: optionalString(),
  KILN_S3_SECRET_ACCESS_KEY: optionalString(),
  KILN_S3_FORCE_PATH_STYLE: optionalString(),
  KILN_S3_PREFIX: optionalString(),
  /**
   * `kiln admin backup`/`restore` on PostgreSQL: the directory holding pg_dump and
   * pg_restore (e.g. /usr/lib/postgresql/16/bin); unset: found on the PATH.
   */
  KILN_PG_BIN_DIR: optionalString(),
  /** `kiln agent`/`kiln remote`: the server URL (the `--server` flag wins). */
  KILN_SERVER: optionalString(),
  /**
   * The `--token` flag's fallback (never logged): for `kiln agent` a registration token
   * (`kiln_reg_…`), for `kiln remote` an API token (`kiln_…`).
   */
  KILN_TOKEN: optionalString(),
  /** `kiln agent`: work directory (spools, credentials, build dirs). */
  KILN_AGENT_WORK_DIR: optionalString(),
  /** `kiln agent`: labels `k=v,…`. */
  KILN_AGENT_LABELS: optionalString(),
  /** `kiln agent`: concurrent builds (1–64). */
  KILN_AGENT_MAX_BUILDS: z.coerce.number().int().min(1).max(64).optional(),
  /** `kiln agent`: agent name (default: the host name). */
  KILN_AGENT_NAME: optionalString(),
  /** Home directory, for the default cache directory. */
  HOME: z.string().min(1).default("/root"),
});

/** Every variable the CLI and `kiln agent` read (besides DIB_* pass-through; test/docker checks compose.yaml). */
export const CLI_ENV_KEYS: readonly string[] = Object.keys(ZCliEnv.shape);

export type TCliEnv = z.infer<typeof ZCliEnv> & {
  /** Every variable of the process environment, for DIB_* pass-through to builds. */
  buildEnv: Record<string, string | undefined>;
  /** Resolved built-in elements directory. */
  builtinElements: string;
  /** Resolved default image cache directory. */
  cacheDir: string;
};

/** Parse the process environment; a bad value names the variable. */
export function readCliEnv(source: NodeJS.ProcessEnv = process.env): TCliEnv {
  const parsed = ZCliEnv.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`environment variable ${String(issue?.path[0])}: ${issue?.message}`);
  }
  const builtinElements =
    parsed.data.KILN_BUILTIN_ELEMENTS ??
    path.resolve(import.meta.dirname, "..", "..", "..", "elements");
  const cacheDir =
    parsed.data.DIB_IMAGE_CACHE ??
    path.join(parsed.data.XDG_CACHE_HOME ?? path.join(parsed.data.HOME, ".cache"), "kiln");
  return { ...parsed.data, buildEnv: { ...source }, builtinElements, cacheDir };
}

/** The host architecture in Debian's naming, as DIB defaults ARCH. */
export function hostArch(): string {
  const map: Record<string, string> = {
    x64: "amd64",
    arm64: "arm64",
    arm: "armhf",
    ia32: "i386",
    ppc64: os.endianness() === "LE" ? "ppc64el" : "ppc64",
    s390x: "s390x",
    riscv64: "riscv64",
  };
  return map[process.arch] ?? process.arch;
}
