import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { planBlockDevice } from "../../block-device/plan-block-device.ts";
import { MountTracker } from "../host/mounts.ts";
import { createBlockDevices } from "./create-block-devices.ts";
import { elementsDir, runner } from "../../testing/block-device-fixtures.ts";

describe("createBlockDevices", () => {
  it("refuses an LVM config with a clear error before touching the host", async () => {
    const config = fs.readFileSync(
      path.join(elementsDir, "block-device-efi", "block-device-default.yaml"),
      "utf8",
    );
    const lvmConfig = `${config}
- lvm:
    name: lvm
    base: [root]
    pvs:
      - name: pv
        base: root
    vgs:
      - name: vg
        base: [pv]
    lvs:
      - name: lv_data
        base: vg
        size: 1MiB
`;
    const plan = planBlockDevice({
      config: lvmConfig,
      params: { imageSize: "1GiB", imageDir: "/nonexistent" },
    });
    await expect(
      createBlockDevices({ plan, runner, tracker: new MountTracker({ runner }) }),
    ).rejects.toThrow(/node 'pv': LVM is not supported yet/);
    expect(fs.existsSync("/nonexistent")).toBe(false);
  });
});
