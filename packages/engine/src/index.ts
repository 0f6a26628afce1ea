// Public surface of the engine. Prefer the subpath imports
// (`@kiln/engine/elements/expand-elements`) where bundle size matters.
export * from "./errors.ts";
export * from "@kiln/contracts/logger";
export * from "./elements/types.ts";
export * from "./elements/find-elements.ts";
export * from "./elements/expand-elements.ts";
export * from "./elements/request.ts";
export * from "./elements/element-env.ts";
export * from "./hooks/sort-run-parts.ts";
export * from "./hooks/list-run-parts.ts";
export * from "./hooks/merge-hooks.ts";
export * from "@kiln/contracts/phases";
export * from "./plan/plan-build.ts";
