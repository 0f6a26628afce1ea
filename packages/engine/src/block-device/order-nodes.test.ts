import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BlockDeviceConfigError } from "./errors.ts";
import { orderNodes } from "./order-nodes.ts";
import { DIB_PYTHON, dibUnavailableReason } from "./run-dib-oracle.ts";
import type { BlockDeviceNode } from "./types.ts";

/** Minimal loop nodes carrying arbitrary edges (the sort only looks at edges). */
function graph(spec: { name: string; from?: string[]; to?: string[] }[]): BlockDeviceNode[] {
  return spec.map((s) => ({
    kind: "local_loop",
    name: s.name,
    blockSize: 512,
    edgesFrom: s.from ?? [],
    edgesTo: s.to ?? [],
  }));
}

describe("orderNodes", () => {
  it("emits whole generations in insertion order", () => {
    const nodes = graph([
      { name: "fstab", from: ["mount"] },
      { name: "mount", from: ["mkfs"] },
      { name: "mkfs", from: ["root"] },
      { name: "image0" },
      { name: "root", from: ["image0"] },
      { name: "other" },
    ]);
    expect(orderNodes(nodes, "sorted").callOrder).toEqual([
      "image0",
      "other",
      "root",
      "mkfs",
      "mount",
      "fstab",
    ]);
  });

  it("names the node and the missing target of a dangling edge", () => {
    expect(() => orderNodes(graph([{ name: "mkfs_root", from: ["nope"] }]), "sorted")).toThrow(
      "node 'mkfs_root': refers to 'nope', which is not a node of this config",
    );
  });

  it("reports a cycle with the nodes on it", () => {
    const nodes = graph([{ name: "ok" }, { name: "a", from: ["b"] }, { name: "b", from: ["a"] }]);
    expect(() => orderNodes(nodes, "sorted")).toThrow(BlockDeviceConfigError);
    expect(() => orderNodes(nodes, "sorted")).toThrow("dependency cycle among nodes: a, b");
  });
});

const noNx = dibUnavailableReason();
if (noNx) console.log(`skipping networkx comparison: ${noNx}`);

describe("orderNodes against networkx.topological_sort", () => {
  it.skipIf(noNx !== undefined)("agrees on random DAGs built edge by edge as DIB does", () => {
    // Random DAGs: node i may point back to any earlier-numbered node, in any insertion order.
    const arb = fc
      .integer({ min: 1, max: 12 })
      .chain((n) =>
        fc.tuple(
          fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
          fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.boolean()), { maxLength: 3 * n }),
        ),
      );
    const cases = fc.sample(arb, { numRuns: 200, seed: 7 }).map(([order, raw]) => {
      const from = new Map<number, number[]>(order.map((i) => [i, []]));
      const to = new Map<number, number[]>(order.map((i) => [i, []]));
      for (const [a, b, asTo] of raw) {
        if (a === b) continue;
        const [lo, hi] = a < b ? [a, b] : [b, a];
        // edge lo -> hi, declared on hi (edges_from) or on lo (edges_to)
        if (asTo) to.get(lo)?.push(hi);
        else from.get(hi)?.push(lo);
      }
      return order.map((i) => ({
        name: `n${i}`,
        from: (from.get(i) ?? []).map((x) => `n${x}`),
        to: (to.get(i) ?? []).map((x) => `n${x}`),
      }));
    });
    const script = `
import json, sys, networkx as nx
out = []
for spec in json.load(sys.stdin):
    g = nx.DiGraph()
    for s in spec: g.add_node(s['name'])
    for s in spec:
        for f in s['from']: g.add_edge(f, s['name'])
        for t in s['to']: g.add_edge(s['name'], t)
    out.append(list(nx.topological_sort(g)))
print(json.dumps(out))
`;
    const py = spawnSync(DIB_PYTHON, ["-c", script], {
      input: JSON.stringify(cases),
      encoding: "utf8",
    });
    expect(py.status, py.stderr).toBe(0);
    const expected = JSON.parse(py.stdout) as string[][];
    cases.forEach((spec, i) => {
      expect(orderNodes(graph(spec), "sorted").callOrder).toEqual(expected[i]);
    });
  });
});
