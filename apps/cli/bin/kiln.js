#!/usr/bin/env node
// Entry point for `kiln`: load the TypeScript sources through tsx so the
// checkout runs without a build step.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(process.argv.slice(2));
