#!/usr/bin/env node
// `disk-image-create` is an alias for `kiln build`, for DIB users' habits.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/main.ts");
process.exitCode = await main(["build", ...process.argv.slice(2)]);
