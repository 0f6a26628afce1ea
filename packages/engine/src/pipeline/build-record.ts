import fs from "node:fs";
import path from "node:path";
import { imageBaseName } from "@kiln/contracts/build-request";
import type { BuildPlan } from "../plan/plan-build.ts";
import { listDebianPackages } from "./build-steps.ts";
import type { CommandRunner } from "./host/types.ts";
import type { RunBuildOptions } from "./run-build.ts";

/** Variables whose values are never written to the record, besides those named secret. */
const SECRET_LOOKING = /(PASSWORD|TOKEN|SECRET|_KEY$|PRIVATE)/i;

/**
 * Write `<image name>.d/` next to the image: the installed packages with
 * versions (JSON), the element list, and the build's arguments and
 * environment (DIB_* and the like; secrets and secret-looking values redacted).
 * Returns the directory.
 */
export async function writeBuildRecord(record: {
  options: RunBuildOptions;
  plan: BuildPlan;
  root: string;
  env: Record<string, string>;
  runner: CommandRunner;
}): Promise<string> {
  const dir = path.resolve(record.options.cwd, `${imageBaseName(record.options.request)}.d`);
  fs.mkdirSync(dir, { recursive: true });
  const packages = await listDebianPackages(record.runner, record.root, record.env);
  fs.writeFileSync(path.join(dir, "packages.json"), JSON.stringify(packages, null, 1) + "\n");
  fs.writeFileSync(
    path.join(dir, "elements.json"),
    JSON.stringify(
      record.plan.elements.map((element) => ({ name: element.name, path: element.path })),
      null,
      1,
    ) + "\n",
  );
  fs.writeFileSync(
    path.join(dir, "element-manifest"),
    record.plan.elements.map((element) => element.name).join("\n") + "\n",
  );
  const secrets = new Set(record.options.secretNames ?? []);
  const redact = (key: string) => secrets.has(key) || SECRET_LOOKING.test(key);
  const env = Object.fromEntries(
    Object.entries(record.options.env)
      .filter(
        ([key, value]) =>
          value !== undefined &&
          (key.startsWith("DIB_") || key === "ELEMENTS_PATH" || key === "ARCH"),
      )
      .sort(([left], [right]) => (left < right ? -1 : 1))
      .map(([key, value]) => [key, redact(key) ? "<redacted>" : value]),
  );
  fs.writeFileSync(
    path.join(dir, "build.json"),
    JSON.stringify({ args: record.options.args, request: record.options.request, env }, null, 1) +
      "\n",
  );
  return dir;
}
