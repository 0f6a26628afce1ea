// Lint rules: typescript-eslint's recommended set, plus the house rule that only
// an app's env.ts reads process.env (conventions.md, rule 1).
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
          message: "Apps read the environment only in src/env.ts (conventions rule 1).",
        },
      ],
    },
  },
);
