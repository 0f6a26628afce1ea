import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { KilnError } from "@kiln/contracts/errors";
import {
  addBuildFlags,
  addRefusedHostFlags,
  buildRequestFromFlags,
  refuseHostFlags,
  type BuildFlagValues,
} from "./build-flags.ts";

const HOST_ONLY = ["--image-cache", "--keep-on-failure", "--dry-run", "--log-format"];

/** A command with the flags as `kiln build` ("local") or `kiln remote build` ("remote") declares them. */
function command(where: "local" | "remote"): Command {
  const cmd = new Command("b").exitOverride().argument("<element...>");
  cmd.configureOutput({ writeErr: () => {} });
  return where === "local"
    ? addBuildFlags(cmd, "local")
    : addRefusedHostFlags(addBuildFlags(cmd, "remote"));
}

function parse(where: "local" | "remote", args: string[]) {
  let got: { elements: string[]; flags: BuildFlagValues } | undefined;
  command(where)
    .action((elements: string[], flags: BuildFlagValues) => void (got = { elements, flags }))
    .parse(args, { from: "user" });
  return got!;
}

/** The request `args` make, or the USAGE message they fail with. */
function request(where: "local" | "remote", args: string[]) {
  const { elements, flags } = parse(where, args);
  try {
    if (where === "remote") refuseHostFlags(flags, "kiln remote build");
    return buildRequestFromFlags(elements, flags, "amd64");
  } catch (err) {
    if (!(err instanceof KilnError) || err.code !== "USAGE") throw err;
    return err.message;
  }
}

const DEFAULTS = {
  elements: ["base"],
  imageName: "image",
  types: ["qcow2"],
  arch: "amd64",
  debugTrace: 0,
  skipBase: false,
  packages: [],
  noTmpfs: false,
  minTmpfsGb: 2,
  checksum: false,
  uncompressed: false,
  keepOnFailure: false,
};

describe("build flags", () => {
  it("kiln build declares every flag; remote build the shared ones, then the host-only ones", () => {
    const longs = (c: Command) => c.options.map((o) => o.long);
    const local = longs(command("local"));
    const remote = longs(command("remote"));
    expect(local).toEqual([
      ...["--output", "--types", "--arch", "--trace", "--skip-base", "--packages", "--image-size"],
      "--image-cache",
      ...["--no-tmpfs", "--min-tmpfs", "--checksum", "--uncompressed", "--qemu-img-options"],
      ...["--mkfs-options", "--keep-on-failure", "--dry-run", "--log-format"],
    ]);
    expect(remote).toEqual([...local.filter((l) => !HOST_ONLY.includes(l!)), ...HOST_ONLY]);
    const help = (c: Command, long: string) => c.options.find((o) => o.long === long)!.description;
    for (const long of local.filter((l) => !HOST_ONLY.includes(l!)))
      expect(help(command("remote"), long!), long).toBe(help(command("local"), long!));
    for (const long of HOST_ONLY)
      expect(help(command("remote"), long)).toMatch(/^not supported remotely/);
  });

  it("without flags, the request is DIB's defaults on the default arch", () => {
    expect(request("local", ["base"])).toEqual(DEFAULTS);
    expect(request("remote", ["base"])).toEqual(DEFAULTS);
  });

  /** Each shared flag with the request fields it sets. */
  const MAPPED: [string[], Record<string, unknown>][] = [
    [["-o", "img.qcow2"], { imageName: "img.qcow2" }],
    [["-t", ",raw,tar"], { types: ["raw", "tar"] }],
    [["-a", "arm64"], { arch: "arm64" }],
    [["-x", "-x"], { debugTrace: 2 }],
    [["-n"], { skipBase: true }],
    [["-p", "vim,curl", "-p", "jq"], { packages: ["vim", "curl", "jq"] }],
    [["--image-size", "1.5"], { imageSizeGb: 1.5 }],
    [["--no-tmpfs"], { noTmpfs: true }],
    [["--min-tmpfs", "4"], { minTmpfsGb: 4 }],
    [["--checksum"], { checksum: true }],
    [["-u"], { uncompressed: true }],
    [["--qemu-img-options", "compat=0.10"], { qemuImgOptions: "compat=0.10" }],
    [["--mkfs-options", "-i 4096"], { mkfsOptions: "-i 4096" }],
  ];

  it.each(MAPPED)("%j sets %j, the same way for both commands", (flags, fields) => {
    expect(request("local", [...flags, "base"])).toEqual({ ...DEFAULTS, ...fields });
    expect(request("remote", [...flags, "base"])).toEqual({ ...DEFAULTS, ...fields });
  });

  it("all of them together, with several elements", () => {
    const want = Object.assign({}, DEFAULTS, ...MAPPED.map(([, f]) => f), { elements: ["a", "b"] });
    const args = [...MAPPED.flatMap(([flags]) => flags), "a", "b"];
    expect(request("local", args)).toEqual(want);
    expect(request("remote", args)).toEqual(want);
  });

  it("kiln build maps its host-only flags too", () => {
    expect(request("local", ["--image-cache", "/c", "--keep-on-failure", "base"])).toEqual({
      ...DEFAULTS,
      imageCache: "/c",
      keepOnFailure: true,
    });
  });

  it.each([
    [["-t", "zip"], /^-t\/--types: Invalid option: expected one of "qcow2"/],
    [["-o", ""], /^-o\/--output: Too small/],
    [["-a", ""], /^-a\/--arch: Too small/],
    [["--image-size", "abc"], /^--image-size: 'abc' is not a positive number$/],
    [["--image-size", "0"], /^--image-size: '0' is not a positive number$/],
    [["--image-size", "Infinity"], /^--image-size: 'Infinity' is not a positive number$/],
    [["--min-tmpfs", "1.5"], /^--min-tmpfs: '1.5' is not a positive integer$/],
    [["--min-tmpfs", "-1"], /^--min-tmpfs: '-1' is not a positive integer$/],
  ])("%j: one line naming the flag, from either command", (flags, message) => {
    expect(request("local", [...flags, "base"])).toMatch(message);
    expect(request("remote", [...flags, "base"])).toMatch(message);
  });

  it("an empty element is named as such", () => {
    expect(request("local", [""])).toMatch(/^ELEMENT: Too small/);
  });

  it.each([
    [["--image-cache", "/x"], "--image-cache: not supported by kiln remote build (the agent uses"],
    [["--keep-on-failure"], "--keep-on-failure: not supported by kiln remote build (the agent"],
    [["--dry-run"], "--dry-run: not supported by kiln remote build (the server plans nothing"],
    [["--log-format", "text"], "--log-format: not supported by kiln remote build (use --json"],
  ])("remote build refuses %j with the reason", (flags, start) => {
    const message = request("remote", [...flags, "base"]);
    expect(typeof message === "string" && message.startsWith(start), String(message)).toBe(true);
    expect(request("local", [...flags, "base"])).toBeTypeOf("object");
  });
});
