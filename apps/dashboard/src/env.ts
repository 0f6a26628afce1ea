import path from "node:path";
import {
  resolveStorageLocation,
  StorageSettingsError,
  type TArtifactStoreChoice,
} from "@kiln/db/storage-location";
import { parseTrustedProxies } from "@kiln/server/http/client-address";
import { z } from "zod";

/**
 * The dashboard server's environment, parsed once at start (this is the only
 * file in apps/dashboard that reads process.env; an eslint override enforces
 * it). A bad value stops start-up with a line that names the variable.
 */
const ZPort = z.coerce.number().int().min(0).max(65535);

export const ZDashboardEnv = z.object({
  /** TCP port to listen on (0: any free port, printed at start). */
  PORT: ZPort.default(3000),
  /** Address to listen on. The default keeps Kiln off the network until asked. */
  HOST: z.string().min(1).default("127.0.0.1"),
  /** Where SQLite, the artifact directory and the generated secret key live. */
  KILN_DATA_DIR: z.string().min(1).default("./data"),
  /** `postgresql://user:pass@host:5432/db` selects PostgreSQL; unset: SQLite in the data dir. */
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|file:)/, "expected postgresql://… or file:…")
    .optional(),
  /** First administrator, created at start when no user exists (with the password below). */
  KILN_ADMIN_EMAIL: z.email().optional(),
  /**
   * Password of the first administrator; without it a one-time setup link is
   * written to `${KILN_DATA_DIR}/setup-link.txt` (0600) and a terminal, never the log.
   */
  KILN_ADMIN_PASSWORD: z.string().min(10, "at least 10 characters").optional(),
  /**
   * Secret from which the key encrypting recipe secrets is derived (scrypt), so
   * a long passphrase works as well as random hex. Every server sharing a
   * database needs the same one. Unset: a random one is generated and kept in
   * `${KILN_DATA_DIR}/secret.key` (with a warning; losing it makes stored
   * secrets unreadable).
   */
  KILN_SECRET_KEY: z.string().trim().min(16, "at least 16 characters").optional(),
  /** Directory artifact store root; default `${KILN_DATA_DIR}/artifacts`. */
  KILN_ARTIFACTS_DIR: z.string().min(1).optional(),
  /**
   * S3-compatible artifact store: set KILN_S3_BUCKET to use it instead of the
   * directory store. The endpoint is the service's URL (unset for AWS).
   */
  KILN_S3_ENDPOINT: z.url().optional(),
  /** S3 bucket (must exist); setting it selects the S3 store. */
  KILN_S3_BUCKET: z.string().min(1).optional(),
  /** S3 region. */
  KILN_S3_REGION: z.string().min(1).default("us-east-1"),
  /** S3 access key id. */
  KILN_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  /** S3 secret access key (never logged). */
  KILN_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Path-style addressing (MinIO and most self-hosted services need it). */
  KILN_S3_FORCE_PATH_STYLE: z.enum(["true", "false"]).default("true"),
  /** Key prefix inside the bucket, e.g. `kiln/`. */
  KILN_S3_PREFIX: z.string().min(1).optional(),
  /** Successful builds kept per recipe when the recipe does not say (pinned builds always stay). */
  KILN_KEEP_BUILDS: z.coerce.number().int().min(1).default(10),
  /** Largest accepted catalog upload in MiB. */
  KILN_MAX_CATALOG_MB: z.coerce.number().int().min(1).default(200),
  /** Catalog imports (uploads and git) running at once; more get 429 "busy, try again". */
  KILN_MAX_CONCURRENT_IMPORTS: z.coerce.number().int().min(1).default(4),
  /**
   * MiB all running catalog imports may have extracted together (one import may
   * expand to 10 × KILN_MAX_CATALOG_MB); an import that would pass it gets 429.
   * Default: twice one import's limit.
   */
  KILN_CATALOG_EXTRACT_BUDGET_MB: z.coerce.number().int().min(1).optional(),
  /**
   * Comma-separated hosts git imports may fetch from (`git.example.com`,
   * `*.example.com`, `10.0.0.5`); a listed host may have private addresses.
   * Unset: any host whose every address is public. Loopback, link-local and
   * cloud metadata addresses of unlisted hosts are always refused.
   */
  KILN_GIT_ALLOWED_HOSTS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? "")
        .split(",")
        .map((host) => host.trim().toLowerCase())
        .filter(Boolean),
    ),
  /** PEM bundle git trusts for https imports instead of the system CAs (e.g. a company CA). */
  KILN_GIT_CA_FILE: z.string().min(1).optional(),
  /** Longest a git import's fetch may take, seconds. */
  KILN_GIT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(300),
  /** Largest git fetch in MiB (the repository's packed objects); default 10 × KILN_MAX_CATALOG_MB. */
  KILN_GIT_MAX_FETCH_MB: z.coerce.number().int().min(1).optional(),
  /** URL people and agents reach this server at (setup links, `kiln agent --server`). */
  KILN_PUBLIC_URL: z.url().optional(),
  /**
   * Reverse proxies in front of Kiln whose `X-Forwarded-For` is believed:
   * addresses or CIDRs, comma- or space-separated (`10.0.0.5, fd00::/8`).
   * The client is the right-most address in the header that is not one of
   * them. Unset: the header is ignored and the socket's peer is the client,
   * so behind a proxy every client shares the proxy's address.
   */
  KILN_TRUSTED_PROXIES: z
    .string()
    .default("")
    .transform((text, ctx) => {
      try {
        return parseTrustedProxies(text);
      } catch (err) {
        ctx.addIssue({ code: "custom", message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /**
   * Failed sign-ins from one client address (any accounts) before that address
   * must wait, the wait doubling per further failure up to 15 minutes. Each
   * account has its own, smaller allowance (3) whatever the address.
   */
  KILN_SIGNIN_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).default(100),
  /** Kiln's built-in elements directory, registered as a catalog; default: `elements/` of this checkout. */
  KILN_BUILTIN_ELEMENTS: z.string().min(1).optional(),
  /** Operational log level (pino). */
  KILN_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** `pretty`: one readable line per record; `json`: pino's JSON lines. */
  KILN_LOG_FORMAT: z.enum(["pretty", "json"]).default("pretty"),
  /**
   * `auto`: when this host can build (root, loop devices, debootstrap, qemu-img…)
   * start a local `kiln agent` next to the server, registered automatically;
   * `off`: never (dedicated agents only). Why it did not start shows on the Agents page.
   */
  KILN_LOCAL_AGENT: z.enum(["auto", "off"]).default("auto"),
  /**
   * Largest request body of the API in KiB (tRPC and every /api route but
   * catalog uploads, which KILN_MAX_CATALOG_MB caps). Over it: 413, the rest unread.
   */
  KILN_MAX_BODY_KB: z.coerce.number().int().min(16).default(1024),
  /** Most procedures in one tRPC batch request (sign-in procedures are never batched). */
  KILN_TRPC_MAX_BATCH: z.coerce.number().int().min(1).max(1000).default(20),
  /** Seconds a client has to send a request's headers (slow clients are cut). */
  KILN_HEADERS_TIMEOUT_S: z.coerce.number().int().min(1).default(20),
  /** Seconds a client has to send a whole request, body included (big catalog uploads). */
  KILN_REQUEST_TIMEOUT_S: z.coerce.number().int().min(1).default(600),
  /** Seconds an idle keep-alive connection stays open between requests. */
  KILN_KEEPALIVE_TIMEOUT_S: z.coerce.number().int().min(1).default(5),
  /** Seconds without any traffic after which a connection is closed. */
  KILN_IDLE_TIMEOUT_S: z.coerce.number().int().min(10).default(120),
  /** Days a browser session lasts at most from sign-in, however active (it also ends after 14 idle days). */
  KILN_SESSION_MAX_DAYS: z.coerce.number().int().min(1).default(30),
  /** Skip the "is the Next build current?" check and use `.next` as it is (containers). */
  KILN_SKIP_NEXT_BUILD: z
    .enum(["0", "1", "true", "false"])
    .default("0")
    .transform((v) => v === "1" || v === "true"),
});

/** Every variable the server reads (docker/compose.yaml may set only these; test/docker checks). */
export const DASHBOARD_ENV_KEYS: readonly string[] = Object.keys(ZDashboardEnv.shape);

export type TDashboardEnvRaw = z.infer<typeof ZDashboardEnv>;

/** The parsed environment plus the values derived from it. */
export interface TDashboardEnv extends TDashboardEnvRaw {
  /** Absolute data directory. */
  dataDir: string;
  /** DATABASE_URL, or the SQLite file in the data dir. */
  databaseUrl: string;
  /** S3 when KILN_S3_BUCKET is set, else the artifact directory (absolute). */
  artifactStore: TArtifactStoreChoice;
  /** Absolute built-in elements directory. */
  builtinElementsDir: string;
  /** The file holding a generated key when KILN_SECRET_KEY is unset (see loadSecretKey). */
  secretKeyFile: string;
  /** KILN_PUBLIC_URL, or http://HOST:PORT. */
  publicUrl: string;
}

/** Thrown for a bad variable: one line, naming it. */
export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EnvError";
  }
}

/** The repository root (apps/dashboard/src → ../../..). */
export const repoRoot = path.resolve(import.meta.dirname, "..", "..", "..");

/** Parse `source` (default: process.env). Throws EnvError naming the culprit. */
export function readDashboardEnv(
  source: Record<string, string | undefined> = process.env,
  cwd = process.cwd(),
): TDashboardEnv {
  // An empty variable means "unset": `PORT= npm start` should not fail.
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== ""));
  const parsed = ZDashboardEnv.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EnvError(`environment variable ${String(issue?.path[0])}: ${issue?.message}`);
  }
  const e = parsed.data;
  let storage;
  try {
    storage = resolveStorageLocation(e, cwd);
  } catch (err) {
    if (err instanceof StorageSettingsError) throw new EnvError(err.message);
    throw err;
  }
  if (e.KILN_ADMIN_PASSWORD && !e.KILN_ADMIN_EMAIL) {
    throw new EnvError("environment variable KILN_ADMIN_EMAIL: required with KILN_ADMIN_PASSWORD");
  }
  return {
    ...e,
    dataDir: storage.dataDir,
    databaseUrl: storage.databaseUrl,
    artifactStore: storage.artifactStore,
    builtinElementsDir: path.resolve(
      cwd,
      e.KILN_BUILTIN_ELEMENTS ?? path.join(repoRoot, "elements"),
    ),
    secretKeyFile: path.join(storage.dataDir, "secret.key"),
    publicUrl: (e.KILN_PUBLIC_URL ?? `http://${hostForUrl(e.HOST)}:${e.PORT}`).replace(/\/+$/, ""),
  };
}

/** The environment for child processes (`next build`): no telemetry, ever. */
export function childProcessEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
}

/**
 * Settings Next and tRPC read from the environment themselves, so they must
 * be in place before either is imported: no telemetry, and production mode
 * (tRPC would otherwise put stack traces in error responses).
 */
export function prepareProcessEnv(): void {
  process.env.NEXT_TELEMETRY_DISABLED = "1";
  if (process.env.NODE_ENV !== "test")
    (process.env as Record<string, string>).NODE_ENV = "production";
}

function hostForUrl(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}
