import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { pythonListSort, sortMountPoints, type MountEntry } from "./sort-mount-points.ts";
import { hasPython, skipNote } from "../testing/host-capabilities.ts";

const entries = (mps: string[]): MountEntry[] => mps.map((mp, i) => [mp, `m${i}`] as const);
const points = (list: MountEntry[]) => list.map(([mp]) => mp);

describe("sortMountPoints", () => {
  it("sorted mode orders by code point, parents first", () => {
    const out = sortMountPoints(
      entries(["/var", "/home", "/", "/boot/efi", "/boot", "/var/log"]),
      "sorted",
    );
    expect(points(out)).toEqual(["/", "/boot", "/boot/efi", "/home", "/var", "/var/log"]);
  });

  it("dib-3.13 mode keeps siblings in insertion order, as DIB 3.13 does", () => {
    // DIB 3.13 on block-device-efi-lvm: '/', '/var', '/home' stay in that order.
    const out = sortMountPoints(entries(["/boot/efi", "/", "/var", "/home"]), "dib-3.13");
    expect(points(out)).toEqual(["/", "/boot/efi", "/var", "/home"]);
    expect(points(sortMountPoints(entries(["/boot/efi", "/", "/var", "/home"]), "sorted"))).toEqual(
      ["/", "/boot/efi", "/home", "/var"],
    );
  });

  it("both modes put a prefix before its extensions", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom("/", "/a", "/a/b", "/a/b/c", "/b", "/ab", "/b/c", "none"), {
          minLength: 1,
        }),
        (mps) => {
          for (const mode of ["sorted"] as const) {
            const out = points(sortMountPoints(entries(mps), mode));
            for (let i = 0; i < out.length; i++) {
              for (let j = i + 1; j < out.length; j++) {
                expect((out[i] as string).startsWith(out[j] as string)).toBe(false);
              }
            }
          }
        },
      ),
    );
  });
});

const noPython = hasPython();

describe("pythonListSort against CPython", () => {
  it.skipIf(noPython)(
    `matches list.sort(key=cmp_to_key(prefix comparator)) applied after each insert${skipNote(noPython)}`,
    () => {
      const cases = fc.sample(
        fc.uniqueArray(
          fc.constantFrom(
            "/",
            "/a",
            "/a/b",
            "/a/b/c",
            "/b",
            "/ab",
            "/b/c",
            "/c",
            "/c/d",
            "/var",
            "/v",
          ),
          { minLength: 1, maxLength: 11 },
        ),
        { numRuns: 300, seed: 42 },
      );
      const script = `
import functools, json, sys
def cmp(a, b):
    if a == b: return 0
    return -1 if b.startswith(a) else 1
out = []
for mps in json.load(sys.stdin):
    lst = []
    for mp in mps:
        lst.append(mp)
        lst.sort(key=functools.cmp_to_key(cmp))
    out.append(lst)
print(json.dumps(out))
`;
      const py = spawnSync("/usr/bin/python3", ["-c", script], {
        input: JSON.stringify(cases),
        encoding: "utf8",
      });
      expect(py.status, py.stderr).toBe(0);
      const expected = JSON.parse(py.stdout) as string[][];
      cases.forEach((mps, i) => {
        expect(points(sortMountPoints(entries(mps), "dib-3.13"))).toEqual(expected[i]);
      });
    },
  );

  it("sorts a plain list like a stable insertion sort when lt is a total order", () => {
    const xs = [5, 3, 9, 1, 3, 7];
    pythonListSort(xs, (a, b) => a < b);
    expect(xs).toEqual([1, 3, 3, 5, 7, 9]);
  });
});
