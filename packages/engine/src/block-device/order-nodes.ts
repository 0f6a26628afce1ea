/**
 * Edges and call order exactly as DIB's `create_graph` with networkx 2.8.8
 * (spec §5.3): edges are added node by node in insertion order (`from → node`
 * then `node → to`), and `topological_sort` is Kahn's algorithm by
 * generations, where a generation's successors are visited in the order
 * their edges were first added.
 */
import { BlockDeviceConfigError } from "./errors.ts";
import { sortMountPoints, type MountEntry, type MountSortMode } from "./sort-mount-points.ts";
import type { BlockDeviceNode } from "./types.ts";

export interface OrderedGraph {
  /** Node names in create order (umount/cleanup run it reversed). */
  callOrder: string[];
  /** Every edge `[from, to]`, in the order it was added. */
  edges: [string, string][];
  /** The global mount chain: `[mount_point, mount node]` in sorted order. */
  sortedMountPoints: MountEntry[];
}

/** Add the mount-chain edges, check every edge target exists, and sort. */
export function orderNodes(
  nodes: BlockDeviceNode[],
  mountSort: MountSortMode,
  source?: string,
): OrderedGraph {
  const sortedMountPoints = sortMountPoints(
    nodes.flatMap((n) => (n.kind === "mount" ? [[n.mountPoint, n.name] as const] : [])),
    mountSort,
  );
  for (const node of nodes) {
    if (node.kind !== "mount") continue;
    const i = sortedMountPoints.findIndex(([mp]) => mp === node.mountPoint);
    const prev = i > 0 ? sortedMountPoints[i - 1] : undefined;
    node.edgesFrom = prev ? [prev[1], node.base] : [node.base];
  }

  const byName = new Map(nodes.map((n) => [n.name, n]));
  const succ = new Map<string, string[]>(nodes.map((n) => [n.name, []]));
  const indeg = new Map<string, number>(nodes.map((n) => [n.name, 0]));
  const edges: [string, string][] = [];
  const addEdge = (from: string, to: string): void => {
    const list = succ.get(from) as string[];
    if (list.includes(to)) return; // a DiGraph keeps one edge per pair
    list.push(to);
    indeg.set(to, (indeg.get(to) as number) + 1);
    edges.push([from, to]);
  };
  for (const node of nodes) {
    for (const from of node.edgesFrom) {
      if (!byName.has(from)) throw missing(node, from);
      addEdge(from, node.name);
    }
    for (const to of node.edgesTo) {
      if (!byName.has(to)) throw missing(node, to);
      addEdge(node.name, to);
    }
  }

  const callOrder: string[] = [];
  let generation = nodes.map((n) => n.name).filter((n) => indeg.get(n) === 0);
  while (generation.length > 0) {
    const next: string[] = [];
    for (const u of generation) {
      for (const v of succ.get(u) as string[]) {
        const d = (indeg.get(v) as number) - 1;
        indeg.set(v, d);
        if (d === 0) next.push(v);
      }
    }
    callOrder.push(...generation);
    generation = next;
  }
  if (callOrder.length !== nodes.length) {
    const stuck = nodes.map((n) => n.name).filter((n) => !callOrder.includes(n));
    throw new BlockDeviceConfigError(`dependency cycle among nodes: ${stuck.join(", ")}`, {
      source,
    });
  }
  return { callOrder, edges, sortedMountPoints };

  function missing(node: BlockDeviceNode, other: string): BlockDeviceConfigError {
    const at = node.line ? ` (line ${node.line})` : "";
    return new BlockDeviceConfigError(
      `node '${node.name}'${at}: refers to '${other}', which is not a node of this config`,
      { source },
    );
  }
}
