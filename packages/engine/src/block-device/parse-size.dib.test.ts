import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parseSize } from "./parse-size.ts";
import { DIB_PYTHON } from "../testing/dib-block-device-oracle.ts";
import { hasDib, skipNote } from "../testing/host-capabilities.ts";

const why = hasDib();

describe.skipIf(why)(`against DIB's parse_rel_size_spec${skipNote(why)}`, () => {
  it("agrees on a range of specs", () => {
    const base = 7_000_000_123;
    const specs = [
      "1",
      "1B",
      "1.5K",
      "10 KiB",
      "MiB",
      "0.1G",
      "3.999GiB",
      "2TiB",
      "7T",
      "12.34MB",
      "100%",
      "55%",
      "33.333%",
      "0.5%",
      "1e1%",
      " 7 %",
      "99.99%",
      ".25GiB",
      "5.",
      "0",
    ];
    const py = spawnSync(
      DIB_PYTHON,
      [
        "-c",
        "import json,sys\nfrom diskimage_builder.block_device.utils import parse_rel_size_spec as p\n" +
          "print(json.dumps([p(s, int(sys.argv[1]))[1] for s in json.loads(sys.argv[2])]))",
        String(base),
        JSON.stringify(specs),
      ],
      { encoding: "utf8" },
    );
    expect(py.status, py.stderr).toBe(0);
    expect(specs.map((s) => parseSize(s, base))).toEqual(JSON.parse(py.stdout));
  });
});
