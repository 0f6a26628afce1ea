import { describe, expect, it } from "vitest";
import { BlockDeviceConfigError } from "./errors.ts";
import { orderNodes } from "./order-nodes.ts";
import { edgeGraph } from "../testing/edge-graph.ts";

describe("orderNodes", () => {
  it("emits whole generations in insertion order", () => {
    const nodes = edgeGraph([
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
    expect(() => orderNodes(edgeGraph([{ name: "mkfs_root", from: ["nope"] }]), "sorted")).toThrow(
      "node 'mkfs_root': refers to 'nope', which is not a node of this config",
    );
  });

  it("reports a cycle with the nodes on it", () => {
    const nodes = edgeGraph([
      { name: "ok" },
      { name: "a", from: ["b"] },
      { name: "b", from: ["a"] },
    ]);
    expect(() => orderNodes(nodes, "sorted")).toThrow(BlockDeviceConfigError);
    expect(() => orderNodes(nodes, "sorted")).toThrow("dependency cycle among nodes: a, b");
  });
});
