"use client";
import { Table, type TableProps, type TableTdProps, type TableTrProps } from "@mantine/core";

/** One column of a {@link DataTable}: its header and how a row fills its cell. */
export interface TColumn<TRow> {
  /** Header text; a column without one gets an empty header cell. */
  header?: React.ReactNode;
  /** Aligns the header and the cells alike. */
  align?: "right";
  /** Extra props of the body cell (font, colour), fixed or per row. */
  td?: TableTdProps | ((row: TRow) => TableTdProps);
  cell: (row: TRow) => React.ReactNode;
}

/** The props of a body row: Mantine's, plus data attributes the browser tests look for. */
export type TRowProps = TableTrProps & {
  [attribute: `data-${string}`]: string | number | boolean | undefined;
};

export interface DataTableProps<TRow> extends Omit<TableProps, "children"> {
  columns: TColumn<TRow>[];
  rows: readonly TRow[];
  rowKey: (row: TRow, index: number) => React.Key;
  rowProps?: (row: TRow) => TRowProps;
  /** Tables that list pairs or findings read better without a header row. */
  withHeader?: boolean;
  /** Passed through to the table element. */
  "data-testid"?: string;
}

/** Monospace body cells (versions, hashes, identifiers). */
export const MONO_CELL: TableTdProps = { ff: "monospace" };

/** A Mantine table drawn from column definitions, so every list page shares one shape. */
export function DataTable<TRow>({
  columns,
  rows,
  rowKey,
  rowProps,
  withHeader = true,
  ...tableProps
}: DataTableProps<TRow>) {
  return (
    <Table {...tableProps}>
      {withHeader && (
        <Table.Thead>
          <Table.Tr>
            {columns.map((column, index) => (
              <Table.Th key={index} ta={column.align}>
                {column.header}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
      )}
      <Table.Tbody>
        {rows.map((row, index) => (
          <Table.Tr key={rowKey(row, index)} {...rowProps?.(row)}>
            {columns.map((column, columnIndex) => (
              <Table.Td key={columnIndex} ta={column.align} {...cellProps(column, row)}>
                {column.cell(row)}
              </Table.Td>
            ))}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function cellProps<TRow>(column: TColumn<TRow>, row: TRow): TableTdProps | undefined {
  return typeof column.td === "function" ? column.td(row) : column.td;
}
