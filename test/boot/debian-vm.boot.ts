import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bootImage, uefiUnavailable } from "./boot-image.ts";

const KILN = path.resolve(import.meta.dirname, "..", "..", "apps", "cli", "bin", "kiln.js");

/** Why real Debian builds cannot run on this host (undefined: they can). */
function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "not root";
  if (!fs.existsSync("/dev/loop-control")) return "no loop devices";
  for (const tool of ["debootstrap", "qemu-img", "qemu-system-x86_64", "sgdisk", "mcopy"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `missing ${tool}`;
  }
  return undefined;
}

const why = unavailable();
const out = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-vm-"));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

/** `kiln build -o NAME -t qcow2 vm debian-minimal [extra]`, output kept in a log. */
async function kilnBuild(
  name: string,
  extra: string[],
): Promise<{ code: number | null; log: string }> {
  const logFile = path.join(out, `${name}.log`);
  const child = spawn(
    process.execPath,
    [KILN, "build", "-o", path.join(out, name), "-t", "qcow2", "vm", "debian-minimal", ...extra],
    {
      env: { ...process.env, ELEMENTS_PATH: "" },
      stdio: ["ignore", fs.openSync(logFile, "w"), fs.openSync(logFile, "a")],
    },
  );
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { code, log: fs.readFileSync(logFile, "utf8") };
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, "g");

/** The console without terminal escapes, for a readable failure message. */
function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

function tail(text: string, lines = 40): string {
  return text.split("\n").slice(-lines).join("\n");
}

const variants: { name: string; extra: string[]; uefi: boolean; skip?: string }[] = [
  { name: "vm-mbr", extra: [], uefi: false },
  { name: "vm-gpt", extra: ["block-device-gpt"], uefi: false },
  { name: "vm-efi", extra: ["block-device-efi"], uefi: true, skip: uefiUnavailable() },
];

describe.skipIf(why)(
  `a real vm debian-minimal image boots to a login prompt ${why ? `(skipped: ${why})` : ""}`,
  () => {
    for (const v of variants) {
      it.skipIf(v.skip)(
        `${v.name}: builds with kiln build and boots under qemu (TCG)${v.skip ? ` (skipped: ${v.skip})` : ""}`,
        async () => {
          const build = await kilnBuild(v.name, v.extra);
          expect(build.code, tail(build.log)).toBe(0);
          const image = path.join(out, `${v.name}.qcow2`);
          expect(fs.existsSync(image)).toBe(true);
          // The build record: packages with versions, elements, arguments.
          const packages = JSON.parse(
            fs.readFileSync(path.join(out, `${v.name}.d`, "packages.json"), "utf8"),
          );
          expect(packages.some((p: { name: string }) => p.name.startsWith("linux-image-"))).toBe(
            true,
          );
          const boot = await bootImage({
            image,
            format: "qcow2",
            uefi: v.uefi,
            timeoutMs: 240_000,
          });
          expect(boot.loggedIn, tail(stripAnsi(boot.console), 60)).toBe(true);
          fs.rmSync(image, { force: true });
        },
        20 * 60_000,
      );
    }
  },
);
