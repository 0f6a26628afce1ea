import type { BlockDeviceNode } from "../block-device/types.ts";

/** Minimal loop nodes carrying arbitrary edges (the node sort only looks at edges). */
export function edgeGraph(
  spec: { name: string; from?: string[]; to?: string[] }[],
): BlockDeviceNode[] {
  return spec.map((node) => ({
    kind: "local_loop",
    name: node.name,
    blockSize: 512,
    edgesFrom: node.from ?? [],
    edgesTo: node.to ?? [],
  }));
}
