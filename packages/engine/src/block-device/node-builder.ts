/**
 * What node creation accumulates over a config's entries (nodes, partition
 * tables, labels), and the checks every plugin shares: zod validation with
 * one-line errors naming the node and source line, unique node names, sizes.
 */
import type { z } from "zod";
import type { CreateNodesOptions } from "./create-nodes.ts";
import { pyStr } from "./convert-config-tree.ts";
import { BlockDeviceConfigError, InvalidSizeError } from "./errors.ts";
import { parseAbsSize } from "./parse-size.ts";
import type { BlockDeviceNode, PartitionTable } from "./types.ts";

/** What node creation accumulates over the entries, and its shared checks. */
export class NodeBuilder {
  readonly nodes: BlockDeviceNode[] = [];
  readonly tables: PartitionTable[] = [];
  /** Filesystem labels seen so far (each may be used once). */
  readonly labels = new Set<string>();
  private readonly names = new Set<string>();

  constructor(readonly options: CreateNodesOptions) {}

  /** Throw the config error for one node, with its source line. */
  fail(nodeName: unknown, line: number | undefined, detail: string): never {
    const at = line ? ` (line ${line})` : "";
    throw new BlockDeviceConfigError(`node '${pyStr(nodeName)}'${at}: ${detail}`, {
      source: this.options.source,
    });
  }

  /** Add a node; node names are unique across the whole graph. */
  add(node: BlockDeviceNode): void {
    if (this.names.has(node.name)) this.fail(node.name, node.line, "duplicate node name");
    this.names.add(node.name);
    this.nodes.push(node);
  }

  /** Validate with zod; the first issue becomes one error line. Unknown keys warn. */
  check<S extends z.ZodObject>(
    schema: S,
    value: Record<string, unknown>,
    plugin: string,
    nodeName: unknown,
    line: number | undefined,
  ): z.infer<S> {
    const result = schema.safeParse(value);
    if (!result.success) {
      const issue = result.error.issues[0] as z.core.$ZodIssue;
      return this.fail(nodeName, line, describeIssue(plugin, issue, value));
    }
    for (const key of Object.keys(value)) {
      if (!(key in schema.shape)) {
        this.options.warn(
          `node '${pyStr(nodeName)}': unknown ${plugin} option '${key}' is ignored`,
        );
      }
    }
    return result.data;
  }

  /** An absolute size in bytes; a bad spec fails naming the node and field. */
  sized(name: string, line: number | undefined, field: string, spec: string): number {
    try {
      return parseAbsSize(spec);
    } catch (err) {
      if (err instanceof InvalidSizeError) return this.fail(name, line, `${field}: ${err.message}`);
      throw err;
    }
  }
}

/** `plugin.a.b[0]` and the offending value, then the issue's message. */
export function describeIssue(plugin: string, issue: z.core.$ZodIssue, root: unknown): string {
  let value: unknown = root;
  let field = plugin;
  for (const seg of issue.path) {
    value =
      value === null || typeof value !== "object" ? undefined : (value as never)[seg as never];
    field += typeof seg === "number" ? `[${seg}]` : `.${String(seg)}`;
  }
  if (value === undefined) {
    const msg = issue.code === "invalid_type" ? "is required" : issue.message;
    return `${field} ${msg}`;
  }
  const shown = typeof value === "string" ? `'${value}'` : JSON.stringify(value);
  if (issue.code === "custom" || issue.code === "invalid_value") {
    return `${field} ${shown} ${issue.message}`;
  }
  return `${field} ${issue.message} (got ${shown})`;
}
