import fs from "node:fs";
import path from "node:path";
import { imageBaseName } from "../plan/build-request.ts";
import type { BuildPlan } from "../plan/plan-build.ts";
import { listDebianPackages } from "./build-steps.ts";
import type { CommandRunner } from "./host/types.ts";
import type { RunBuildOptions } from "./run-build.ts";

/** Variables whose values must never be written to the record. */
const SECRET = /(PASSWORD|TOKEN|SECRET|_KEY$|PRIVATE)/i;

/**
 * Write `<image name>.d/` next to the image: the installed packages with
 * versions (JSON), the element list, and the build's arguments and
 * environment (DIB_* and the like; secret-looking values redacted).
 * Returns the directory.
 */
export async function writeBuildRecord(a: {
  o: RunBuildOptions;
  plan: BuildPlan;
  root: string;
  env: Record<string, string>;
  runner: CommandRunner;
}): Promise<string> {
  const dir = path.resolve(a.o.cwd, `${imageBaseName(a.o.request)}.d`);
  fs.mkdirSync(dir, { recursive: true });
  const packages = await listDebianPackages(a.runner, a.root, a.env);
  fs.writeFileSync(path.join(dir, "packages.json"), JSON.stringify(packages, null, 1) + "\n");
  fs.writeFileSync(
    path.join(dir, "elements.json"),
    JSON.stringify(
      a.plan.elements.map((e) => ({ name: e.name, path: e.path })),
      null,
      1,
    ) + "\n",
  );
  fs.writeFileSync(
    path.join(dir, "element-manifest"),
    a.plan.elements.map((e) => e.name).join("\n") + "\n",
  );
  const env = Object.fromEntries(
    Object.entries(a.o.env)
      .filter(
        ([k, v]) =>
          v !== undefined && (k.startsWith("DIB_") || k === "ELEMENTS_PATH" || k === "ARCH"),
      )
      .sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([k, v]) => [k, SECRET.test(k) ? "<redacted>" : v]),
  );
  fs.writeFileSync(
    path.join(dir, "build.json"),
    JSON.stringify({ args: a.o.args, request: a.o.request, env }, null, 1) + "\n",
  );
  return dir;
}
