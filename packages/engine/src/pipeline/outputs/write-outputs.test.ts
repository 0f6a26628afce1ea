import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createCommandRunner } from "../host/run-command.ts";
import { writeDiskOutputs, writeOutputs, writeTreeOutputs } from "./write-outputs.ts";
import { hasTools, skipNote, warnIfSkipped } from "../../testing/host-capabilities.ts";

const why = hasTools("qemu-img", "mksquashfs", "unsquashfs", "tar", "gzip");
warnIfSkipped("write-outputs tests", why);

const runner = createCommandRunner();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const MIB = 1024 * 1024;
const sh = (cmd: string, args: string[], cwd?: string) =>
  execFileSync(cmd, args, { encoding: "utf8", ...(cwd ? { cwd } : {}) });
const sha256 = (f: string) => createHash("sha256").update(fs.readFileSync(f)).digest("hex");

/** A temp dir with a small root tree and a sparse 64 MiB raw disk holding 8 MiB of text. */
function setup() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-out-"));
  dirs.push(tmp);
  const tree = path.join(tmp, "tree");
  const files: Record<string, string> = {
    "etc/hostname": "kiln\n",
    "usr/share/proc/keep": "not the real proc\n",
    "proc/cpuinfo": "host cpu\n",
    "sys/kernel": "host sys\n",
    "dev/null-copy": "host dev\n",
  };
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
    fs.writeFileSync(path.join(tree, rel), text);
  }
  fs.mkdirSync(path.join(tree, "dev/pts"));
  const raw = path.join(tmp, "image0.raw");
  const fd = fs.openSync(raw, "w");
  fs.ftruncateSync(fd, 64 * MIB);
  // Compressible, non-zero data so compressed and uncompressed qcow2 differ in size.
  const text = Buffer.from("kiln writes disk images; ".repeat(4096));
  for (let off = MIB; off < 9 * MIB; off += text.length)
    fs.writeSync(fd, text, 0, text.length, off);
  fs.closeSync(fd);
  return { tmp, tree, raw, rawSha: sha256(raw) };
}

function qemuInfo(file: string): { format: string; "virtual-size": number } {
  return JSON.parse(sh("qemu-img", ["info", "--output=json", file])) as {
    format: string;
    "virtual-size": number;
  };
}

/** Convert back to raw and hash, proving the conversion kept the disk's content. */
function contentSha(file: string, format: string, tmp: string): string {
  const back = path.join(tmp, `back-${path.basename(file)}.raw`);
  sh("qemu-img", ["convert", "-f", format, "-O", "raw", file, back]);
  const h = sha256(back);
  fs.rmSync(back);
  return h;
}

describe("writeOutputs", () => {
  it.skipIf(why)(`every type: names, order, content, checksums${skipNote(why)}`, async () => {
    const { tmp, tree, raw, rawSha } = setup();
    const t0 = Date.now();
    const artifacts = await writeOutputs({
      types: ["qcow2", "tar", "vhd", "raw", "tgz", "squashfs"],
      imageName: "out/img",
      cwd: tmp,
      rawImage: raw,
      rootTree: tree,
      checksum: true,
      runner,
    });
    const ms = Date.now() - t0;
    const out = (ext: string) => path.join(tmp, "out", `img.${ext}`);
    expect(artifacts.map((a) => [a.kind, a.path])).toEqual([
      ["tar", out("tar")],
      ["tgz", out("tgz")],
      ["squashfs", out("squash")],
      ["qcow2", out("qcow2")],
      ["vhd", out("vhd")],
      ["raw", out("raw")],
    ]);
    for (const a of artifacts) {
      expect(a.bytes).toBe(fs.statSync(a.path).size);
      expect(a.sha256).toBe(sha256(a.path));
      expect(a.md5).toBe(createHash("md5").update(fs.readFileSync(a.path)).digest("hex"));
      expect(a.checksumFiles).toEqual([`${a.path}.md5`, `${a.path}.sha256`]);
      const name = `out/${path.basename(a.path)}`;
      expect(fs.readFileSync(`${a.path}.sha256`, "utf8")).toBe(`${a.sha256}  ${name}\n`);
      // The checksum files verify with coreutils from where the user ran the build.
      sh("md5sum", ["-c", `${name}.md5`], tmp);
      sh("sha256sum", ["-c", `${name}.sha256`], tmp);
    }
    expect(fs.readdirSync(path.join(tmp, "out")).filter((f) => f.endsWith("-new"))).toEqual([]);

    expect(qemuInfo(out("qcow2"))).toMatchObject({ format: "qcow2", "virtual-size": 64 * MIB });
    expect(contentSha(out("qcow2"), "qcow2", tmp)).toBe(rawSha);
    expect(fs.statSync(out("qcow2")).size).toBeLessThan(2 * MIB); // compressed
    expect(qemuInfo(out("vhd"))).toMatchObject({ format: "vpc", "virtual-size": 64 * MIB });
    expect(contentSha(out("vhd"), "vpc", tmp)).toBe(rawSha);
    // raw is moved (last), not copied.
    expect(fs.existsSync(raw)).toBe(false);
    expect(sha256(out("raw"))).toBe(rawSha);

    const members = sh("tar", ["-tf", out("tar")])
      .trim()
      .split("\n");
    expect(members).toContain("./etc/hostname");
    expect(members).toContain("./usr/share/proc/keep");
    expect(members).toEqual(expect.arrayContaining(["./dev/", "./proc/", "./sys/"]));
    expect(members.filter((m) => /^\.\/(dev|proc|sys)\/./.test(m))).toEqual([]);
    expect(
      sh("tar", ["-tzf", out("tgz")])
        .trim()
        .split("\n"),
    ).toEqual(members);
    const squash = sh("unsquashfs", ["-l", "-d", "r", out("squash")]);
    expect(squash).toContain("r/usr/share/proc/keep");
    expect(squash).toMatch(/^r\/dev$/m);
    expect(squash).not.toMatch(/^r\/(dev|proc|sys)\/./m);
    console.info(`all outputs from a 64 MiB image: ${ms} ms`);
  });

  it.skipIf(why)(
    `one type: the .qcow2 suffix is stripped once; -u is not compressed${skipNote(why)}`,
    async () => {
      const { tmp, raw, rawSha } = setup();
      const [a] = await writeOutputs({
        types: ["qcow2"],
        imageName: path.join(tmp, "disk.qcow2"),
        rawImage: raw,
        uncompressed: true,
        runner,
      });
      expect(a?.path).toBe(path.join(tmp, "disk.qcow2"));
      expect(a?.checksumFiles).toBeUndefined();
      expect(fs.existsSync(`${a?.path}.md5`)).toBe(false);
      expect(fs.statSync(a?.path as string).size).toBeGreaterThan(8 * MIB);
      expect(contentSha(a?.path as string, "qcow2", tmp)).toBe(rawSha);
      // Without raw in the types, the raw image is left for the caller.
      expect(fs.existsSync(raw)).toBe(true);
    },
  );

  it.skipIf(why)(
    `an old image is renamed aside with its checksums, or overwritten${skipNote(why)}`,
    async () => {
      const { tmp, raw } = setup();
      const opts = {
        types: ["vhd"],
        imageName: "img",
        cwd: tmp,
        rawImage: raw,
        checksum: "sha256",
        runner,
        now: () => new Date(2024, 0, 2, 3, 4, 5),
      };
      await writeDiskOutputs(opts);
      const first = sha256(path.join(tmp, "img.vhd"));
      await writeDiskOutputs(opts);
      const names = fs
        .readdirSync(tmp)
        .filter((f) => f.startsWith("img"))
        .sort();
      expect(names).toEqual([
        "img-2024.01.02-03.04.05.vhd",
        "img-2024.01.02-03.04.05.vhd.sha256",
        "img.vhd",
        "img.vhd.sha256",
      ]);
      expect(sha256(path.join(tmp, "img-2024.01.02-03.04.05.vhd"))).toBe(first);
      await writeDiskOutputs({ ...opts, overwrite: true, checksum: false });
      expect(
        fs
          .readdirSync(tmp)
          .filter((f) => f.startsWith("img"))
          .sort(),
      ).toEqual(["img-2024.01.02-03.04.05.vhd", "img-2024.01.02-03.04.05.vhd.sha256", "img.vhd"]);
    },
  );

  it.skipIf(why)(`tgz alone leaves no tar behind; tar,tgz keeps it${skipNote(why)}`, async () => {
    const { tmp, tree } = setup();
    await writeTreeOutputs({ types: ["tgz"], imageName: "a", cwd: tmp, rootTree: tree, runner });
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith("a."))).toEqual(["a.tgz"]);
    await writeTreeOutputs({
      types: ["tar", "tgz"],
      imageName: "b",
      cwd: tmp,
      rootTree: tree,
      runner,
    });
    expect(
      fs
        .readdirSync(tmp)
        .filter((f) => f.startsWith("b."))
        .sort(),
    ).toEqual(["b.tar", "b.tgz"]);
  });

  it.skipIf(why)(
    `a failing conversion names the output and leaves no partial file${skipNote(why)}`,
    async () => {
      const { tmp, raw } = setup();
      const err = await writeDiskOutputs({
        types: ["qcow2"],
        imageName: "bad",
        cwd: tmp,
        rawImage: raw,
        qemuImgOptions: "no_such_option=1",
        runner,
      }).catch((e: unknown) => e);
      expect(err).toMatchObject({ name: "OutputError", code: "HOST", kind: "qcow2" });
      expect((err as Error).message).toMatch(
        /^output qcow2 \(.*\/bad\.qcow2\): `qemu-img convert -c/,
      );
      expect(fs.readdirSync(tmp).filter((f) => f.startsWith("bad"))).toEqual([]);
    },
  );

  it("rejects unsupported types and missing inputs before running anything", async () => {
    await expect(
      writeOutputs({ types: ["qcow2", "docker"], imageName: "x", runner }),
    ).rejects.toThrow(/output type 'docker' is not supported \(DIB's aci and docker/);
    await expect(writeDiskOutputs({ types: ["raw"], imageName: "x", runner })).rejects.toThrow(
      "output raw: no raw image given",
    );
    await expect(writeTreeOutputs({ types: ["tar"], imageName: "x", runner })).rejects.toThrow(
      "output tar: no root tree given",
    );
  });
});
