"use client";
import { QueryClient } from "@tanstack/react-query";
import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  httpSubscriptionLink,
  splitLink,
  TRPCClientError,
} from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import superjson from "superjson";
import type { AppRouter } from "@kiln/server/routers/app-router";

export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

/**
 * The header the server requires on cookie-authenticated mutations and
 * uploads (packages/server/src/http/request-guards.ts): a cross-site form
 * cannot send it.
 */
export const CSRF_HEADERS = { "x-kiln-csrf": "1" } as const;

/**
 * One tRPC client per browser tab: batched queries, SSE subscriptions. Sign-in
 * procedures (`auth.*`) go one per request: the server refuses them batched.
 */
export function makeTrpcClient() {
  const options = { url: "/api/trpc", transformer: superjson, headers: () => CSRF_HEADERS };
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url: "/api/trpc", transformer: superjson }),
        false: splitLink({
          condition: (op) => op.path.startsWith("auth."),
          true: httpLink(options),
          false: httpBatchLink({ ...options, maxURLLength: 4000 }),
        }),
      }),
    ],
  });
}

export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // An auth or validation error will not fix itself by asking again.
        retry: (count, err) => count < 2 && !isClientError(err),
        refetchOnWindowFocus: false,
      },
    },
  });
}

/** tRPC error code of an error, if it is one ("UNAUTHORIZED", "NOT_FOUND", …). */
export function errorCode(err: unknown): string | undefined {
  return err instanceof TRPCClientError
    ? (err.data as { code?: string } | undefined)?.code
    : undefined;
}

/** The input field a server error names (AppError.field), for showing it next to the field. */
export function errorField(err: unknown): string | undefined {
  return err instanceof TRPCClientError
    ? (err.data as { field?: string } | undefined)?.field
    : undefined;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isClientError(err: unknown): boolean {
  const code = errorCode(err);
  return (
    !!code && ["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "BAD_REQUEST", "CONFLICT"].includes(code)
  );
}
