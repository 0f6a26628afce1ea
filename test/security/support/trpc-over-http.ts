/**
 * tRPC calls as raw HTTP requests, the way an attacker (or curl) makes them:
 * no tRPC client, so every header and the batch shape are the test's choice.
 * The server's transformer is superjson: inputs and results sit under `json`.
 */

export interface THttpAnswer {
  status: number;
  /** The parsed JSON body (tRPC's envelope). */
  body: unknown;
  headers: Headers;
}

export interface TCallOptions {
  /** Extra request headers (Authorization, X-Forwarded-For…). */
  headers?: Record<string, string>;
}

/** POST one mutation: `/api/trpc/<procedure>` with `{ json: input }`. */
export async function mutate(
  base: string,
  procedure: string,
  input: unknown,
  options: TCallOptions = {},
): Promise<THttpAnswer> {
  const res = await fetch(`${base}/api/trpc/${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...options.headers },
    body: JSON.stringify({ json: input }),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** GET one query: `/api/trpc/<procedure>?input=…`. */
export async function query(
  base: string,
  procedure: string,
  input: unknown,
  options: TCallOptions = {},
): Promise<THttpAnswer> {
  const search =
    input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const res = await fetch(`${base}/api/trpc/${procedure}${search}`, { headers: options.headers });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

/** The `result.data.json` of a successful call. */
export function resultOf<T>(answer: THttpAnswer): T {
  return (answer.body as { result: { data: { json: T } } }).result.data.json;
}

/** The error message of a failed call. */
export function errorOf(answer: THttpAnswer): string {
  return (answer.body as { error: { json: { message: string } } }).error.json.message;
}

/** `Authorization: Bearer <token>`. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
