import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { layoutGpt, sgdiskCommand } from "./layout-partitions.ts";
import { runDibOracle, type DibGptRequest } from "../testing/dib-block-device-oracle.ts";
import { hasDib, skipNote } from "../testing/host-capabilities.ts";

const why = hasDib();

const MiB = 1024 * 1024;

describe.skipIf(why)(`layoutGpt against DIB's _create_gpt${skipNote(why)}`, () => {
  it("gives the sgdisk argv DIB's _create_gpt gives", () => {
    const arb = fc.record({
      size: fc.integer({ min: 64, max: 100_000 }).map((m) => m * MiB + 512 * 7),
      parts: fc.array(
        fc.record({
          name: fc.constantFrom("root", "ESP", "a b", "data"),
          size: fc.oneof(
            fc.integer({ min: 1, max: 100 }).map((n) => `${n}%`),
            fc.integer({ min: 1, max: 2000 }).map((n) => `${n}MiB`),
            fc.integer({ min: 1, max: 20 }).map((n) => `${n}G`),
          ),
          type: fc.constantFrom("8300", "EF00", "EF02", "0x4100"),
        }),
        { minLength: 1, maxLength: 5 },
      ),
    });
    const reqs: DibGptRequest[] = [];
    for (const c of fc.sample(arb, { numRuns: 300, seed: 99 })) {
      const parts = c.parts.map((p, i) => ({ ...p, name: `${p.name}${i}` }));
      try {
        layoutGpt({
          diskSize: c.size,
          partitions: parts.map((p) => ({ ...p, boot: false, primary: false })),
        });
      } catch {
        continue;
      }
      reqs.push({
        mode: "gpt",
        size: c.size,
        target: "/img/image0.raw",
        config: {
          base: "image0",
          name: "t",
          label: "gpt",
          partitions: parts.map((p) => ({ ...p, base: "image0" })),
        },
      });
    }
    expect(reqs.length).toBeGreaterThan(50);
    const dib = runDibOracle(reqs);
    reqs.forEach((req, i) => {
      const parts = (req.config.partitions as { name: string; size: string; type: string }[]).map(
        (p) => ({
          ...p,
          boot: false,
          primary: false,
        }),
      );
      const mine = sgdiskCommand(layoutGpt({ diskSize: req.size, partitions: parts }), req.target);
      expect(mine, JSON.stringify(req)).toEqual(dib[i]?.sgdisk);
    });
  });
});
