import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command } from "commander";
import { afterAll, describe, expect, it } from "vitest";
import { silentLogger } from "@kiln/contracts/logger";
import { readCliEnv } from "../env.ts";
import { registerBlockDeviceCommand } from "./block-device.ts";

const MBR = `
- local_loop:
    name: image0
- partitioning:
    base: image0
    label: mbr
    partitions:
      - name: root
        flags: [ boot, primary ]
        size: 100%
        mkfs:
          mount:
            mount_point: /
            fstab:
              options: "defaults"
              fsck-passno: 1
`;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function configFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-cli-bd-"));
  dirs.push(dir);
  const file = path.join(dir, "bd.yaml");
  fs.writeFileSync(file, text);
  return file;
}

async function run(args: string[], env: Record<string, string> = {}) {
  let stdout = "";
  const program = new Command().exitOverride();
  registerBlockDeviceCommand(program, {
    context: () => ({ env: readCliEnv(env), logger: silentLogger, out: (t) => void (stdout += t) }),
  });
  for (const c of program.commands) {
    c.exitOverride();
    for (const sub of c.commands) sub.exitOverride();
  }
  await program.parseAsync(["block-device", "plan", ...args], { from: "user" });
  return stdout;
}

describe("kiln block-device plan", () => {
  it("--json prints call order, mounts, fstab and the MBR layout", async () => {
    const out = JSON.parse(
      await run(["--config", configFile(MBR), "--json", "--image-size", "2GiB"]),
    );
    expect(out.call_order).toEqual([
      "image0",
      "root",
      "mkfs_root",
      "mount_mkfs_root",
      "fstab_mount_mkfs_root",
    ]);
    expect(out.fstab).toEqual(["LABEL=cloudimg-rootfs / ext4 defaults 0 1"]);
    expect(out.mount_order).toEqual([
      {
        mount_point: "/",
        node: "mount_mkfs_root",
        filesystem: "mkfs_root",
        fs_type: "ext4",
        label: "cloudimg-rootfs",
      },
    ]);
    expect(out.tables[0].layout.partitions[0]).toMatchObject({
      name: "root",
      number: 1,
      offset: 1048576,
      startLba: 2048,
    });
    expect(out.getval["root-label"]).toBe("cloudimg-rootfs");
  });

  it("prints readable tables, with the root fs type and label from the flags", async () => {
    const out = await run([
      "--config",
      configFile(MBR),
      "--root-fs-type",
      "xfs",
      "--image-size",
      "1GiB",
    ]);
    expect(out).toContain("Call order:");
    expect(out).toMatch(/\n {2}3 +mkfs_root +mkfs +root\n/);
    expect(out).toContain("LABEL=img-rootfs / xfs defaults 0 1");
    expect(out).toMatch(/\n {2}1 +root +1048576 +1071644672 +0x83 +primary,boot\n/);
  });

  it("reports a bad config and a missing file in one line", async () => {
    const bad = configFile(
      "- local_loop: {name: image0}\n- mkfs: {name: r, base: image0, type: zfs}\n",
    );
    await expect(run(["--config", bad])).rejects.toThrow(
      `block-device config: ${bad}: node 'r' (line 2): mkfs.type 'zfs' is not supported`,
    );
    await expect(run(["--config", "/nonexistent/bd.yaml"])).rejects.toThrow(
      "cannot read block-device config '/nonexistent/bd.yaml' (ENOENT)",
    );
  });
});
