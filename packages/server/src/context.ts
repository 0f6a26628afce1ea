import type { Db } from "@kiln/db/client";
import type { ArtifactStore } from "@kiln/db/artifact-store";
import type { Logger } from "@kiln/contracts/logger";
import type { EventBus } from "./event-bus.ts";
import type { THttpSettings } from "./http/http-settings.ts";

/** Server-wide configuration (from the app's env.ts; packages never read env). */
export interface ServerConfig {
  /** Kiln's version, for /api/health and agents. */
  version: string;
  /** Kiln's built-in elements directory, registered as a catalog at start. */
  builtinElementsDir: string;
  /** Successful builds kept per recipe unless the recipe says otherwise. */
  keepBuildsDefault: number;
  /** Largest accepted catalog upload, bytes. */
  maxCatalogBytes: number;
  /** Public base URL of the server (for setup links and agent commands). */
  publicUrl: string;
  /**
   * Whether `publicUrl` was configured (KILN_PUBLIC_URL) rather than derived
   * from the listening address: then it decides which Origin may send
   * cookie-authenticated mutations, the cookie's Secure flag and HSTS.
   */
  publicUrlConfigured?: boolean;
  /** Body caps, batch size and timeouts of the HTTP server (defaults in http/http-settings.ts). */
  http?: Partial<THttpSettings>;
  /** A session ends this long after sign-in however active it is, ms (default 30 days). */
  sessionMaxLifetimeMs?: number;
  /** Key material for encrypting recipe secrets (KILN_SECRET_KEY or a generated key file). */
  secretKey?: string;
  /** Where catalog trees are unpacked for the engine (default: under the OS temp dir). */
  catalogCacheDir?: string;
  /** Largest total unpacked size of a catalog, bytes (default 10 × maxCatalogBytes). */
  maxCatalogTreeBytes?: number;
  /** Most entries in a catalog archive (default 20000). */
  maxCatalogEntries?: number;
  /**
   * Proxies whose `X-Forwarded-For` names the client (addresses or CIDRs);
   * empty or unset: the peer address is the client, the header is ignored.
   */
  trustedProxies?: readonly string[];
  /** Failed sign-ins from one client address before backoff starts (default 100). */
  signInFailuresPerAddress?: number;
  /** Catalog imports (uploads and git) running at once; more are refused (default 4). */
  maxConcurrentImports?: number;
  /** Bytes all running catalog imports may have extracted together (default 2 × the tree limit). */
  maxExtractingBytes?: number;
  /** Hosts git imports may fetch from; empty: any host with only public addresses. */
  gitAllowedHosts?: string[];
  /** PEM bundle git trusts for https instead of the system CAs (e.g. a company CA). */
  gitCaFile?: string;
  /** Longest a git fetch may take, milliseconds (default 5 minutes). */
  gitTimeoutMs?: number;
  /** Largest git fetch (the packed objects on disk), bytes (default: the tree limit). */
  gitMaxFetchBytes?: number;
}

/** Everything services need: one object, created once per server process. */
export interface ServerDeps {
  db: Db;
  store: ArtifactStore;
  bus: EventBus;
  logger: Logger;
  config: ServerConfig;
  /** Clock, replaceable in tests. */
  now: () => Date;
}

/** The authenticated caller of a request. */
export interface Actor {
  userId: string;
  email: string;
  /** "admin" sees and does everything. */
  role: "admin" | "user";
  /** API token scopes when authenticated by a token; undefined for sessions. */
  scopes?: string[];
}

/** tRPC context: the deps plus who is calling (if anyone). */
export interface RequestContext {
  deps: ServerDeps;
  actor?: Actor;
  /** Client address, for login rate limiting. */
  ip?: string;
  /** Set a cookie on the response (session login/logout). */
  setCookie?: (name: string, value: string, options: { maxAgeSeconds: number }) => void;
}
