import path from "node:path";
import type { NextConfig } from "next";

/**
 * Pages are client components talking to /api/trpc, which the custom server
 * (server.ts) answers outside Next; so the bundle only needs types from
 * @kiln/*, and server-only packages are kept external in case one is ever
 * imported from a route.
 */
const config: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // Kiln's own tsc run type-checks the app (tsconfig.json here); skipping it
  // in `next build` saves ~10 s on every start after a change.
  typescript: { ignoreBuildErrors: true },
  turbopack: { root: path.resolve(import.meta.dirname, "..", "..") },
  transpilePackages: ["@kiln/server", "@kiln/db", "@kiln/engine", "@kiln/protocol"],
  serverExternalPackages: [
    "better-sqlite3",
    "pg",
    "@prisma/adapter-better-sqlite3",
    "@prisma/adapter-pg",
    "@prisma/client",
    "@node-rs/argon2",
    "pino",
  ],
  experimental: {
    optimizePackageImports: ["@mantine/core", "@mantine/hooks", "@mantine/charts"],
  },
};

export default config;
