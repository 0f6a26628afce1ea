import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { silentLogger } from "@kiln/contracts/logger";
import { PkgMapError } from "@kiln/engine/packages/package-errors";
import { readCliEnv } from "../env.ts";
import { registerPkgMapCommand } from "./pkg-map.ts";

const MAP = {
  default: { dev: "build-essential", skip: "" },
  family: { redhat: { dev: "gcc" } },
  release: { centos: { "8": { dev: "gcc-8" } } },
};

function mapFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-cli-pkgmap-"));
  fs.writeFileSync(path.join(dir, "map.json"), JSON.stringify(MAP));
  fs.mkdirSync(path.join(dir, "elems", "my-el"), { recursive: true });
  fs.writeFileSync(path.join(dir, "elems", "my-el", "pkg-map"), JSON.stringify(MAP));
  return path.join(dir, "map.json");
}

async function run(args: string[], env: Record<string, string> = {}) {
  const result = { stdout: "", stderr: "", exitCode: 0 };
  const program = new Command().exitOverride();
  registerPkgMapCommand(program, {
    context: () => ({
      env: readCliEnv(env),
      logger: silentLogger,
      out: (t) => void (result.stdout += t),
    }),
    err: (t) => void (result.stderr += t),
    setExitCode: (c) => void (result.exitCode = c),
  });
  await program.parseAsync(["pkg-map", ...args], { from: "user" });
  return result;
}

describe("kiln pkg-map", () => {
  it("maps names with --pkg-map, --distro and --prefix; empty mappings vanish", async () => {
    const file = mapFile();
    const r = await run(["--pkg-map", file, "--distro", "fedora", "--prefix", "-", "dev", "skip"]);
    expect(r).toEqual({ stdout: "-gcc\n", stderr: "", exitCode: 0 });
  });

  it("defaults distro and release to $DISTRO_NAME and $DIB_RELEASE", async () => {
    const file = mapFile();
    const r = await run(["--pkg-map", file, "dev"], {
      DISTRO_NAME: "centos",
      DIB_RELEASE: "8-stream",
    });
    expect(r.stdout).toBe("gcc-8\n");
  });

  it("takes unknown options as names, like parse_known_args", async () => {
    const r = await run([
      "--pkg-map",
      mapFile(),
      "--distro",
      "debian",
      "--missing-ok",
      "--weird",
      "dev",
    ]);
    expect(r.stdout).toBe("--weird\nbuild-essential\n");
  });

  it("a missing mapping: message on stderr and exit 1", async () => {
    const file = mapFile();
    const r = await run(["--pkg-map", file, "--distro", "debian", "nope"]);
    expect(r).toEqual({
      stdout: "",
      stderr: `kiln: <${file}> has no valid mapping for package nope\n`,
      exitCode: 1,
    });
  });

  it("usage errors exit 1 with DIB's messages", async () => {
    expect((await run(["--distro", "debian", "x"])).stderr).toBe(
      "kiln: Please specify an --element argument.\n",
    );
    const r = await run(["--element", "e", "x"]);
    expect([r.stderr, r.exitCode]).toEqual([
      "kiln: Please specify a --distro argument or set DISTRO_NAME.\n",
      1,
    ]);
  });

  it("reads an element's own pkg-map with --elements-path", async () => {
    const elems = path.join(path.dirname(mapFile()), "elems");
    const r = await run([
      "--elements-path",
      elems,
      "--element",
      "my-el",
      "--distro",
      "rhel",
      "dev",
    ]);
    expect(r.stdout).toBe("gcc\n");
  });

  it("a missing map: names pass through with --missing-ok, else exit 2", async () => {
    const elems = path.join(path.dirname(mapFile()), "elems");
    const base = ["--elements-path", elems, "--element", "other", "--distro", "rhel"];
    expect((await run([...base, "--missing-ok", "--prefix", "-", "a", "b"])).stdout).toBe(
      "-a\n-b\n",
    );
    const err = await run([...base, "a"]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PkgMapError);
    expect((err as PkgMapError).exitCode).toBe(2);
    expect((err as PkgMapError).message).toBe("Required pkg-map for other element does not exist.");
  });

  it("a broken map file exits 1 naming the file", async () => {
    const file = mapFile();
    fs.writeFileSync(file, "{ not json");
    const r = await run(["--pkg-map", file, "--distro", "debian", "dev"]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^kiln: Unable to parse ${file}: `));
  });
});
