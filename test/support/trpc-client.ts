/**
 * The typed tRPC client the CLI and dashboard use, for tests that drive a real
 * server over HTTP with an API token.
 */
import { createTRPCClient, httpLink, type TRPCClient } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter } from "@kiln/server/routers/app-router";

/** A client of the server at `base` (`http://host:port`) sending `Authorization: Bearer <token>`. */
export function tokenClient(base: string, token: string): TRPCClient<AppRouter> {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${base}/api/trpc`,
        transformer: superjson,
        headers: () => ({ authorization: `Bearer ${token}` }),
      }),
    ],
  });
}
