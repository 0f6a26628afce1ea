/**
 * Issue 6, compatibility: diskimage-builder's own element tree (from
 * Debian's python3-diskimage-builder), unmodified, built by Kiln and booted.
 * DIB itself cannot build this image here (no device-mapper for kpartx);
 * Kiln's block-device layer uses losetup -P instead.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  canBuildDebianImages,
  DIB_ROOT,
  firstReason,
  hasDib,
  skipNote,
} from "@kiln/engine/testing/host-capabilities";
import { bootImage, uefiUnavailable } from "./boot-image.ts";
import { buildVmImage, KILN, logTail } from "./build-vm-image.ts";

/** DIB's elements as Debian installs them. */
const DIB_ELEMENTS = path.join(DIB_ROOT, "elements");

const why = firstReason(canBuildDebianImages(), hasDib());
const out = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-upstream-"));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

/**
 * Builds over DIB's tree. DIB_RELEASE pins bookworm (DIB's default is the
 * moving `stable`); the debootstrap tarball is cached in the image cache, so
 * reruns are warm. Mirrors come from the host's apt configuration (kiln build
 * does that).
 */
const UPSTREAM_ENV = {
  ELEMENTS_PATH: DIB_ELEMENTS,
  DIB_RELEASE: "bookworm",
  DIB_DEBOOTSTRAP_CACHE: "1",
  DIB_DEBIAN_USE_DEBOOTSTRAP_CACHE: "1",
};

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
  `DIB's own elements: kiln builds vm debian-minimal and it boots${skipNote(why)}`,
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
          const build = await buildVmImage({
            out,
            name: v.name,
            extra: v.extra,
            env: UPSTREAM_ENV,
          });
          expect(build.code, logTail(build.log)).toBe(0);
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
          expect(boot.loggedIn, logTail(boot.console, 60)).toBe(true);
          fs.rmSync(image, { force: true });
        },
        25 * 60_000,
      );
    }
  },
);
