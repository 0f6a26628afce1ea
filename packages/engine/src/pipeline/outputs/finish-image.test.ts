import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { silentLogger } from "@kiln/contracts/logger";
import { checksumKinds, checksumLine, finishImage, hashFile, rotatedName } from "./finish-image.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const tmpDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-finish-"));
  dirs.push(d);
  return d;
};

describe("checksumKinds", () => {
  it("reads DIB_CHECKSUM as DIB does", () => {
    expect(checksumKinds(undefined)).toEqual([]);
    expect(checksumKinds(false)).toEqual([]);
    expect(checksumKinds("")).toEqual([]);
    expect(checksumKinds("0")).toEqual([]);
    expect(checksumKinds(true)).toEqual(["md5", "sha256"]);
    expect(checksumKinds("1")).toEqual(["md5", "sha256"]);
    expect(checksumKinds("sha256")).toEqual(["sha256"]);
    expect(checksumKinds("md5,sha256")).toEqual(["md5", "sha256"]);
    expect(checksumKinds("sha512")).toEqual([]);
  });
});

describe("checksumLine", () => {
  // The same names given to GNU md5sum must give the same lines.
  it.each(["plain.qcow2", "out/dir/img.raw", "back\\slash.raw", "new\nline.raw", "cr\rx.raw"])(
    "matches md5sum for %j",
    (name) => {
      const dir = tmpDir();
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      fs.writeFileSync(path.join(dir, name), "data");
      const want = execFileSync("md5sum", [name], { cwd: dir, encoding: "utf8" });
      const hex = /[0-9a-f]{32}/.exec(want)?.[0] as string;
      expect(checksumLine(hex, name)).toBe(want);
    },
  );
});

describe("rotatedName", () => {
  it("puts a local-time stamp before the last extension", () => {
    const t = new Date(2025, 10, 30, 9, 5, 7);
    expect(rotatedName("/o/img.qcow2", t)).toBe("/o/img-2025.11.30-09.05.07.qcow2");
    expect(rotatedName("/o/a.b.raw", t)).toBe("/o/a.b-2025.11.30-09.05.07.raw");
  });
});

describe("hashFile / finishImage", () => {
  it("hashes like coreutils and rotates the old image with its checksum files", async () => {
    const dir = tmpDir();
    const file = path.join(dir, "img.raw");
    fs.writeFileSync(`${file}-new`, Buffer.alloc(3 * 1024 * 1024 + 7, 0x61));
    const want = execFileSync("sha256sum", [`${file}-new`], { encoding: "utf8" }).split(" ")[0];
    expect((await hashFile(`${file}-new`)).sha256).toBe(want);

    const base = {
      path: file,
      newPath: `${file}-new`,
      displayName: "img.raw",
      overwrite: false,
      now: () => new Date(2020, 0, 1, 0, 0, 0),
      logger: silentLogger,
    };
    const first = await finishImage({ ...base, checksums: ["md5"] });
    expect(first.checksumFiles).toEqual([`${file}.md5`]);
    fs.writeFileSync(`${file}-new`, "second");
    const second = await finishImage({ ...base, checksums: ["md5", "sha256"] });
    expect(second.bytes).toBe(6);
    expect(fs.readdirSync(dir).sort()).toEqual([
      "img-2020.01.01-00.00.00.raw",
      "img-2020.01.01-00.00.00.raw.md5",
      "img.raw",
      "img.raw.md5",
      "img.raw.sha256",
    ]);
    expect(fs.readFileSync(path.join(dir, "img-2020.01.01-00.00.00.raw.md5"), "utf8")).toBe(
      `${first.md5}  img.raw\n`,
    );
    // Overwriting without checksums drops the now-stale checksum files.
    fs.writeFileSync(`${file}-new`, "third");
    await finishImage({ ...base, overwrite: true, checksums: [] });
    expect(fs.existsSync(`${file}.md5`)).toBe(false);
    expect(fs.readFileSync(file, "utf8")).toBe("third");
  });
});
