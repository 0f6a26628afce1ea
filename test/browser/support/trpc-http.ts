/**
 * tRPC over plain HTTP with the browser's session (the page's cookies), so a
 * test can set things up as the signed-in user exactly as the dashboard's own
 * client would, without a second database connection. Inputs and outputs go
 * through superjson's envelope (`{ json }`); only JSON-safe fields are read.
 */
import type { Page } from "playwright-core";

async function unwrap<T>(what: string, res: { status(): number; text(): Promise<string> }) {
  const text = await res.text();
  if (res.status() !== 200) throw new Error(`${what}: HTTP ${res.status()}: ${text.slice(0, 500)}`);
  return (JSON.parse(text) as { result: { data: { json: T } } }).result.data.json;
}

/** POST a mutation (`teams.create`, …) as the page's user. */
export async function trpcMutate<T>(
  page: Page,
  baseUrl: string,
  procedure: string,
  input: unknown,
): Promise<T> {
  // The dashboard's own client sends its Origin and the CSRF header; the server refuses mutations without them.
  const res = await page.request.post(`${baseUrl}/api/trpc/${procedure}`, {
    data: { json: input },
    headers: { origin: new URL(baseUrl).origin, "x-kiln-csrf": "1" },
  });
  return unwrap<T>(procedure, res);
}

/** GET a query (`agents.list`, …) as the page's user. */
export async function trpcQuery<T>(
  page: Page,
  baseUrl: string,
  procedure: string,
  input?: unknown,
): Promise<T> {
  const q =
    input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const res = await page.request.get(`${baseUrl}/api/trpc/${procedure}${q}`);
  return unwrap<T>(procedure, res);
}
