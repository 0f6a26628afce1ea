// Lint rules: typescript-eslint's recommended set, plus the house rules: only an
// app's env.ts reads process.env, and transports (the agent gateway, tRPC routers,
// CLI commands) leave the database to the services.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "**/.next/**", "data/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["packages/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Packages take options; apps read env.ts." },
        { object: "process", property: "exit", message: "Packages never exit the process." },
      ],
    },
  },
  {
    files: ["apps/dashboard/**/*.{ts,tsx}", "apps/cli/**/*.ts"],
    ignores: ["apps/dashboard/src/env.ts", "apps/cli/src/env.ts", "**/*.test.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        {
          object: "process",
          property: "env",
          message: "Apps read the environment only in src/env.ts.",
        },
      ],
    },
  },
  {
    // Transports parse, call one service and encode: the database is the services' business.
    files: [
      "packages/server/src/gateway/**/*.ts",
      "packages/server/src/routers/**/*.ts",
      "apps/cli/src/commands/**/*.ts",
    ],
    ignores: ["**/*.test.ts", "packages/server/src/gateway/fake-agent.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          name: "@kiln/db/client",
          message: "Transports call services; services use the database.",
        },
      ],
      "no-restricted-syntax": [
        "error",
        {
          selector: "MemberExpression[property.name='prisma']",
          message: "Transports call services; services use the database.",
        },
      ],
    },
  },
  {
    // Imports run gateway → services, never back.
    files: ["packages/server/src/services/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/gateway/*"],
              message: "Services never import the agent gateway (a transport).",
            },
          ],
        },
      ],
    },
  },
);
