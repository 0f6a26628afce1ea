import { MantineProvider } from "@mantine/core";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { DataTable, MONO_CELL, type DataTableProps, type TColumn } from "./data-table.tsx";

type TRow = { id: string; name: string; size: number; failed: boolean };

const ROWS: TRow[] = [
  { id: "a", name: "alpha", size: 1, failed: false },
  { id: "b", name: "beta", size: 22, failed: true },
];

const COLUMNS: TColumn<TRow>[] = [
  { header: "Name", cell: (row) => row.name },
  { header: "Size", align: "right", td: MONO_CELL, cell: (row) => row.size },
  { td: (row) => ({ c: row.failed ? "red" : "green" }), cell: (row) => (row.failed ? "x" : "ok") },
];

function render(props: Partial<DataTableProps<TRow>> = {}): string {
  return renderToStaticMarkup(
    createElement(
      MantineProvider,
      null,
      createElement(DataTable<TRow>, {
        columns: COLUMNS,
        rows: ROWS,
        rowKey: (r) => r.id,
        ...props,
      }),
    ),
  );
}

/** The tags named `tag` in `html`: their attributes and their text (markup stripped). */
function elements(html: string, tag: string): { attributes: string; text: string }[] {
  const pattern = new RegExp(`<${tag}(\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, "g");
  return [...html.matchAll(pattern)].map((match) => ({
    attributes: match[1] ?? "",
    text: match[2]!.replace(/<[^>]*>/g, ""),
  }));
}

describe("DataTable", () => {
  it("draws a header cell per column (empty where none) and a cell per column and row", () => {
    const html = render({ "data-testid": "things" });
    expect(html).toMatch(/<table[^>]*data-testid="things"/);
    expect(elements(html, "th").map((th) => th.text)).toEqual(["Name", "Size", ""]);
    const body = elements(html, "tbody")[0]!.text;
    expect(body).toBe("alpha1okbeta22x");
    expect(elements(html, "td")).toHaveLength(6);
  });

  it("passes alignment, cell props and row props through", () => {
    const html = render({ rowProps: (row) => ({ "data-testid": "row", "data-name": row.name }) });
    const rows = elements(html, "tr").filter((tr) => tr.attributes.includes('data-testid="row"'));
    expect(rows.map((tr) => /data-name="(\w+)"/.exec(tr.attributes)?.[1])).toEqual([
      "alpha",
      "beta",
    ]);
    const cells = elements(html, "td");
    expect(cells[4]!.attributes).toMatch(/text-align:\s*right/);
    expect(cells[4]!.attributes).toMatch(/font-family:var\(--mantine-font-family-monospace\)/);
    expect(cells[5]!.attributes).toMatch(/red/);
    expect(cells[2]!.attributes).toMatch(/green/);
  });

  it("leaves the header row out when asked", () => {
    const html = render({ withHeader: false });
    expect(html).not.toContain("<thead");
    expect(elements(html, "tr")).toHaveLength(2);
  });
});
