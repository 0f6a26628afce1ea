/**
 * The `kiln remote` commands' connection to a Kiln server: tRPC over plain
 * HTTP (superjson, batched queries) plus the download routes, both with
 * `Authorization: Bearer <API token>`. Every failure becomes one KilnError
 * line naming the server (and the build when there is one).
 */
import { createTRPCClient, httpBatchLink, TRPCClientError, type TRPCClient } from "@trpc/client";
import superjson from "superjson";
import { KilnError } from "@kiln/contracts/errors";
import type { AppRouter } from "@kiln/server/routers/app-router";

export type KilnApi = TRPCClient<AppRouter>;

export interface RemoteOptions {
  /** `--server` or KILN_SERVER: the dashboard's base URL. */
  server?: string;
  /** `--token` or KILN_TOKEN: an API token (`kiln_…`, from `kiln admin create-token`). */
  token?: string;
  /** Replaceable in tests; default the global fetch. */
  fetch?: typeof fetch;
}

export interface RemoteClient {
  /** The server's origin, e.g. `http://kiln.example.com:3000`. */
  server: string;
  api: KilnApi;
  /** GET a path under the server with the token; non-2xx becomes a KilnError. */
  get(path: string, subject?: string): Promise<Response>;
  /** Runs one API call, turning its failure into one line naming the server and `subject`. */
  call<T>(subject: string | undefined, run: (api: KilnApi) => Promise<T>): Promise<T>;
  /** The dashboard page of a build. */
  buildUrl(buildId: string): string;
}

/** Checks the flags (flags win over KILN_SERVER / KILN_TOKEN, applied by the caller). */
export function connectRemote(o: RemoteOptions): RemoteClient {
  if (!o.server) throw new KilnError("USAGE", "--server: required (or set KILN_SERVER)");
  let server: string;
  try {
    const url = new URL(o.server);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
    server = url.origin;
  } catch {
    throw new KilnError("USAGE", `--server: "${o.server}" is not an http(s) URL`);
  }
  const token = o.token?.trim();
  if (!token) throw new KilnError("USAGE", "--token: required (or set KILN_TOKEN)");
  if (token.startsWith("kiln_reg_")) {
    throw new KilnError(
      "USAGE",
      "--token: that is an agent registration token; kiln remote needs an API token (kiln admin create-token)",
    );
  }
  const doFetch = o.fetch ?? fetch;
  const authorization = `Bearer ${token}`;
  const api = createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: `${server}/api/trpc`,
        transformer: superjson,
        maxURLLength: 4000,
        headers: () => ({ authorization }),
        fetch: doFetch,
      }),
    ],
  });
  const client: RemoteClient = {
    server,
    api,
    buildUrl: (id) => `${server}/builds/${encodeURIComponent(id)}`,
    async call(subject, run) {
      try {
        return await run(api);
      } catch (err) {
        throw remoteFailure(err, server, subject);
      }
    },
    async get(path, subject) {
      let res: Response;
      try {
        res = await doFetch(`${server}${path}`, { headers: { authorization } });
      } catch (err) {
        throw remoteFailure(err, server, subject);
      }
      if (res.ok) return res;
      const body = (await res.json().catch(() => undefined)) as { error?: string } | undefined;
      // Kiln's routes answer errors in JSON; anything else is not a Kiln server (or a proxy's page).
      if (!body)
        throw new KilnError(
          "HOST",
          `${server} did not answer like a Kiln server (HTTP ${res.status} on ${path})`,
        );
      throw httpFailure(res.status, body.error, server, subject);
    },
  };
  return client;
}

/**
 * Why a request never got an answer: the first `code` (ECONNREFUSED,
 * ENOTFOUND, …) along the cause chain, else the innermost message when the
 * error is fetch's own "fetch failed"; undefined for anything else.
 */
function networkReason(err: unknown): string | undefined {
  let inner: string | undefined;
  for (let e = err, depth = 0; e && depth < 6; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return code;
    const message = (e as { message?: unknown }).message;
    if (typeof message === "string" && message) inner = message;
    e = (e as { cause?: unknown }).cause;
  }
  return hasFetchFailed(err) ? inner : undefined;
}

function hasFetchFailed(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 6; depth++) {
    if ((e as { message?: unknown }).message === "fetch failed") return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function httpFailure(
  status: number,
  message: string | undefined,
  server: string,
  subject: string | undefined,
): KilnError {
  const what = message ? `: ${message}` : "";
  if (status === 401)
    return new KilnError(
      "USAGE",
      `${server} refused the token (401${what}); check --token / KILN_TOKEN`,
    );
  if (status === 403) return new KilnError("USAGE", `${server}: not allowed (403${what})`);
  if (status === 404)
    return new KilnError(
      "USAGE",
      subject ? `${subject} not found on ${server}` : `${server}: not found (404${what})`,
    );
  if (status >= 400 && status < 500)
    return new KilnError(
      "USAGE",
      `${server} refused${subject ? ` (${subject})` : ""}: ${message ?? `HTTP ${status}`}`,
    );
  return new KilnError("HOST", `${server} failed (HTTP ${status}${what})`);
}

/** tRPC puts zod input errors in the message as a JSON issue list; keep the first, as one line. */
function oneLine(message: string): string {
  try {
    const issues = JSON.parse(message) as { path?: (string | number)[]; message?: string }[];
    const first = Array.isArray(issues) ? issues[0] : undefined;
    if (first?.message) return `${first.path?.join(".") || "input"}: ${first.message}`;
  } catch {
    /* a plain message */
  }
  return message.split("\n")[0] ?? "";
}

/** One line for a failed call: unreachable, bad token, not found, or the server's message. */
export function remoteFailure(err: unknown, server: string, subject?: string): KilnError {
  if (err instanceof KilnError) return err;
  const reason = networkReason(err);
  if (reason) {
    return new KilnError("HOST", `cannot reach the Kiln server at ${server} (${reason})`, {
      cause: err,
    });
  }
  if (err instanceof TRPCClientError) {
    const status =
      (err.data as { httpStatus?: number } | undefined)?.httpStatus ??
      (err.meta?.response as Response | undefined)?.status;
    if (!err.data && (status || err.cause instanceof SyntaxError)) {
      // Not a tRPC answer at all (an HTML page, a proxy's error).
      return new KilnError(
        "HOST",
        `${server} did not answer like a Kiln server (${status ? `HTTP ${status}, ` : ""}no tRPC JSON at /api/trpc)`,
        { cause: err },
      );
    }
    if (status) {
      const e = httpFailure(status, oneLine(err.message), server, subject);
      return new KilnError(e.code, e.message, { cause: err });
    }
    return new KilnError("HOST", `${server}: ${oneLine(err.message)}`, { cause: err });
  }
  return new KilnError("HOST", `${server}: ${(err as Error)?.message ?? String(err)}`, {
    cause: err,
  });
}
