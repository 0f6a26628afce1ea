/**
 * Issue 6, compatibility: diskimage-builder's own element tree (from
 * Debian's python3-diskimage-builder), unmodified, built by Kiln and booted.
 * DIB itself cannot build this image here (no device-mapper for kpartx);
 * Kiln's block-device layer uses losetup -P instead.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bootImage, uefiUnavailable } from "./boot-image.ts";

const KILN = path.resolve(import.meta.dirname, "..", "..", "apps", "cli", "bin", "kiln.js");

/** DIB's elements as Debian installs them. */
const DIB_ELEMENTS = "/usr/lib/python3/dist-packages/diskimage_builder/elements";

/** Why the upstream build cannot run on this host (undefined: it can). */
function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "not root";
  if (!fs.existsSync("/dev/loop-control")) return "no loop devices";
  if (!fs.existsSync(path.join(DIB_ELEMENTS, "debian-minimal")))
    return `no DIB element tree at ${DIB_ELEMENTS} (apt-get install python3-diskimage-builder)`;
  for (const tool of ["debootstrap", "qemu-img", "qemu-system-x86_64", "sgdisk", "mcopy"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `missing ${tool}`;
  }
  const py = spawnSync("/usr/bin/python3", ["-c", "import yaml, diskimage_builder"]);
  if (py.status !== 0) return "/usr/bin/python3 cannot import yaml and diskimage_builder";
  return undefined;
}

const why = unavailable();
const out = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-upstream-"));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

/**
 * `kiln build -o NAME -t qcow2 vm debian-minimal [extra]` over DIB's tree.
 * DIB_RELEASE pins bookworm (DIB's default is the moving `stable`); the
 * debootstrap tarball is cached in the image cache, so reruns are warm.
 * Mirrors come from the host's apt configuration (kiln build does that).
 */
async function kilnBuild(
  name: string,
  extra: string[],
): Promise<{ code: number | null; log: string; ms: number }> {
  const logFile = path.join(out, `${name}.log`);
  const started = Date.now();
  const child = spawn(
    process.execPath,
    [KILN, "build", "-o", path.join(out, name), "-t", "qcow2", "vm", "debian-minimal", ...extra],
    {
      env: {
        ...process.env,
        ELEMENTS_PATH: DIB_ELEMENTS,
        DIB_RELEASE: "bookworm",
        DIB_DEBOOTSTRAP_CACHE: "1",
        DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: "1",
      },
      stdio: ["ignore", fs.openSync(logFile, "w"), fs.openSync(logFile, "a")],
    },
  );
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  return { code, log: fs.readFileSync(logFile, "utf8"), ms: Date.now() - started };
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, "g");

function tail(text: string, lines = 40): string {
  return text.replace(ANSI, "").split("\n").slice(-lines).join("\n");
}

/**
 * The block-device variants of DIB's tree. Only MBR runs by default: each
 * upstream build installs the kernel with DIB's dpkg element (two initramfs
 * builds) and takes minutes; KILN_UPSTREAM_VARIANTS=all adds GPT and EFI.
 */
const allVariants = (process.env.KILN_UPSTREAM_VARIANTS ?? "") === "all";
const variants: { name: string; extra: string[]; uefi: boolean; skip?: string }[] = [
  { name: "upstream-mbr", extra: [], uefi: false },
  {
    name: "upstream-gpt",
    extra: ["block-device-gpt"],
    uefi: false,
    skip: allVariants ? undefined : "set KILN_UPSTREAM_VARIANTS=all to build it",
  },
  {
    name: "upstream-efi",
    extra: ["block-device-efi"],
    uefi: true,
    skip: allVariants ? uefiUnavailable() : "set KILN_UPSTREAM_VARIANTS=all to build it",
  },
];

describe.skipIf(why)(
  `DIB's own elements: kiln builds vm debian-minimal and it boots ${why ? `(skipped: ${why})` : ""}`,
  () => {
    it("kiln elements expand resolves every element from DIB's tree", () => {
      const r = spawnSync(
        process.execPath,
        [KILN, "elements", "expand", "--json", "base", "vm", "debian-minimal", "block-device-mbr"],
        { env: { ...process.env, ELEMENTS_PATH: DIB_ELEMENTS }, encoding: "utf8" },
      );
      expect(r.status, r.stderr).toBe(0);
      const { elements } = JSON.parse(r.stdout) as { elements: { name: string; path: string }[] };
      expect(elements.map((e) => e.name)).toEqual(
        expect.arrayContaining(["debootstrap", "dpkg", "bootloader", "package-installs"]),
      );
      for (const e of elements) expect(e.path.startsWith(`${DIB_ELEMENTS}/`), e.name).toBe(true);
    });

    for (const v of variants) {
      it.skipIf(v.skip)(
        `${v.name}: builds from DIB's tree and boots under qemu (TCG)${v.skip ? ` (skipped: ${v.skip})` : ""}`,
        async () => {
          const build = await kilnBuild(v.name, v.extra);
          expect(build.code, tail(build.log)).toBe(0);
          // DIB's own hooks ran (the squash is DIB's Python, run with DIB_PYTHON_EXEC).
          expect(build.log).toMatch(/Running extra-data\.d\/99-squash-package-install/);
          const image = path.join(out, `${v.name}.qcow2`);
          expect(fs.existsSync(image)).toBe(true);
          // DIB's manifests element copied its records out: DIB_ARGS reached cleanup.d.
          const manifests = path.join(out, `${v.name}.d`, "dib-manifests");
          expect(fs.readFileSync(path.join(manifests, "dib_arguments"), "utf8")).toMatch(
            /vm debian-minimal/,
          );
          expect(fs.existsSync(path.join(manifests, `dib-manifest-dpkg-${v.name}`))).toBe(true);
          const boot = await bootImage({
            image,
            format: "qcow2",
            uefi: v.uefi,
            timeoutMs: 300_000,
          });
          console.log(
            `${v.name}: build ${(build.ms / 1000).toFixed(0)}s, boot ${(boot.durationMs / 1000).toFixed(0)}s`,
          );
          expect(boot.loggedIn, tail(boot.console, 60)).toBe(true);
          fs.rmSync(image, { force: true });
        },
        25 * 60_000,
      );
    }
  },
);
