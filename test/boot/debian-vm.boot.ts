import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { canBuildDebianImages, skipNote } from "@kiln/engine/testing/host-capabilities";
import { bootImage, uefiUnavailable } from "./boot-image.ts";
import { buildVmImage, logTail } from "./build-vm-image.ts";

const why = canBuildDebianImages();
const out = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-vm-"));
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

const variants: { name: string; extra: string[]; uefi: boolean; skip?: string }[] = [
  { name: "vm-mbr", extra: [], uefi: false },
  { name: "vm-gpt", extra: ["block-device-gpt"], uefi: false },
  { name: "vm-efi", extra: ["block-device-efi"], uefi: true, skip: uefiUnavailable() },
];

describe.skipIf(why)(
  `a real vm debian-minimal image boots to a login prompt${skipNote(why)}`,
  () => {
    for (const v of variants) {
      it.skipIf(v.skip)(
        `${v.name}: builds with kiln build and boots under qemu (TCG)${v.skip ? ` (skipped: ${v.skip})` : ""}`,
        async () => {
          const build = await buildVmImage({
            out,
            name: v.name,
            extra: v.extra,
            env: { ELEMENTS_PATH: "" },
          });
          expect(build.code, logTail(build.log)).toBe(0);
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
          expect(boot.loggedIn, logTail(boot.console, 60)).toBe(true);
          fs.rmSync(image, { force: true });
        },
        20 * 60_000,
      );
    }
  },
);
