"use client";
import dagre from "@dagrejs/dagre";
import { Background, Controls, MarkerType, ReactFlow, type Edge, type Node } from "@xyflow/react";
import { useRouter } from "next/navigation";
import { useMemo } from "react";

interface TGraph {
  nodes: { name: string; kind: "element" | "virtual" | "missing" }[];
  edges: { from: string; to: string; kind: "dep" | "provides" }[];
}

const NODE_W = 170;
const NODE_H = 36;
const STYLE: Record<string, React.CSSProperties> = {
  element: { background: "#fff4e6", border: "1px solid #fd7e14" },
  virtual: { background: "#f1f3f5", border: "1px dashed #868e96", fontStyle: "italic" },
  missing: { background: "#fff5f5", border: "1px solid #fa5252", color: "#c92a2a" },
  focus: { background: "#fd7e14", border: "1px solid #d9480f", color: "white", fontWeight: 700 },
};

/** The element's dependency closure, laid out top-down by dagre and drawn by React Flow. */
export function DependencyGraph({
  graph,
  focus,
  href,
}: {
  graph: TGraph;
  focus: string;
  href: (name: string) => string;
}) {
  const router = useRouter();
  const { nodes, edges } = useMemo(() => {
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: "TB", nodesep: 24, ranksep: 48 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const n of graph.nodes) g.setNode(n.name, { width: NODE_W, height: NODE_H });
    for (const e of graph.edges) g.setEdge(e.from, e.to);
    dagre.layout(g);
    const nodes: Node[] = graph.nodes.map((n) => {
      const p = g.node(n.name);
      return {
        id: n.name,
        position: { x: (p?.x ?? 0) - NODE_W / 2, y: (p?.y ?? 0) - NODE_H / 2 },
        data: { label: n.kind === "missing" ? `${n.name} (missing)` : n.name },
        style: {
          ...STYLE[n.name === focus ? "focus" : n.kind],
          width: NODE_W,
          fontSize: 12,
          borderRadius: 6,
          padding: 6,
        },
        connectable: false,
        draggable: false,
      };
    });
    const edges: Edge[] = graph.edges.map((e, i) => ({
      id: `e${i}`,
      source: e.from,
      target: e.to,
      markerEnd: { type: MarkerType.ArrowClosed },
      style: e.kind === "provides" ? { strokeDasharray: "4 3" } : undefined,
      label: e.kind === "provides" ? "provided by" : undefined,
    }));
    return { nodes, edges };
  }, [graph, focus]);
  return (
    <div
      style={{
        height: Math.min(560, 140 + nodes.length * 40),
        border: "1px solid var(--mantine-color-gray-3)",
        borderRadius: 6,
      }}
      data-testid="dependency-graph"
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        fitView
        nodesConnectable={false}
        proOptions={{ hideAttribution: true }}
        onNodeClick={(_, n) => {
          if (n.id !== focus && graph.nodes.find((x) => x.name === n.id)?.kind === "element")
            router.push(href(n.id));
        }}
      >
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
