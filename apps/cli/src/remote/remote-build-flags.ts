/**
 * `kiln remote build`'s flags: `kiln build`'s (build-flags.ts) mapped onto
 * the server's ad-hoc build request (`builds.create` with
 * `{ teamId, request: ZBuildRequest, env, agentLabels }`), plus agent labels
 * and the build's environment. `kiln build`'s host-only flags are accepted by
 * the parser and refused with a reason.
 */
import type { Command } from "commander";
import { KilnError } from "@kiln/contracts/errors";
import type { TBuildRequest } from "@kiln/contracts/build-request";
import {
  addBuildFlags,
  addRefusedHostFlags,
  buildRequestFromFlags,
  refuseHostFlags,
  type BuildFlagValues,
} from "../build-flags.ts";
import { parseLabels } from "../commands/agent.ts";

export interface RemoteBuildFlags extends BuildFlagValues {
  /** `--labels k=v,…`: agent labels the build needs. */
  labels?: string;
  /** `-e NAME=VALUE` (repeatable): the build's environment. */
  env: string[];
}

/** Adds `kiln build`'s flags (and the remote-only ones) to `cmd`. */
export function addRemoteBuildFlags(cmd: Command): Command {
  return addRefusedHostFlags(
    addBuildFlags(cmd, "remote")
      .option("--labels <k=v,...>", "agent labels the build needs")
      .option(
        "-e, --env <NAME=VALUE>",
        "build environment variable (repeatable)",
        (v: string, p: string[]) => [...p, v],
        [],
      ),
  );
}

export interface TRemoteBuildInput {
  request: TBuildRequest;
  env: { name: string; value: string; secret: false }[];
  agentLabels: Record<string, string>;
}

/** Flags → the ad-hoc request; bad or unsupported flags throw one USAGE line naming the flag. */
export function remoteBuildInput(
  elements: string[],
  flags: RemoteBuildFlags,
  defaultArch: string,
): TRemoteBuildInput {
  refuseHostFlags(flags, "kiln remote build");
  const request = buildRequestFromFlags(elements, flags, defaultArch);
  const env = flags.env.map((pair) => {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new KilnError("USAGE", `--env: "${pair}" is not NAME=VALUE`);
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1), secret: false as const };
  });
  const seen = new Set<string>();
  for (const e of env) {
    if (seen.has(e.name)) throw new KilnError("USAGE", `--env: ${e.name} is given twice`);
    seen.add(e.name);
  }
  return { request, env, agentLabels: parseLabels(flags.labels) };
}
