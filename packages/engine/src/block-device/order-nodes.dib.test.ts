import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { orderNodes } from "./order-nodes.ts";
import { DIB_PYTHON } from "../testing/dib-block-device-oracle.ts";
import { hasDib, skipNote } from "../testing/host-capabilities.ts";
import { edgeGraph } from "../testing/edge-graph.ts";

const why = hasDib();

describe.skipIf(why)(`orderNodes against networkx.topological_sort${skipNote(why)}`, () => {
  it("agrees on random DAGs built edge by edge as DIB does", () => {
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
      expect(orderNodes(edgeGraph(spec), "sorted").callOrder).toEqual(expected[i]);
    });
  });
});
