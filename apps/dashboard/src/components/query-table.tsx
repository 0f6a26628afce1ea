"use client";
import { DataTable, type DataTableProps } from "./data-table";
import { QueryState } from "./query-state";

type TListQuery<TRow> = {
  data: TRow[] | undefined;
  error: { message: string } | null;
  isLoading: boolean;
};

/**
 * A list page's table: the query's loading and error states (and `empty` for
 * no rows, when given), then striped rows that highlight under the pointer.
 */
export function QueryTable<TRow>({
  query,
  empty,
  ...tableProps
}: { query: TListQuery<TRow>; empty?: React.ReactNode } & Omit<DataTableProps<TRow>, "rows">) {
  return (
    <QueryState query={query} empty={empty}>
      {(rows) => <DataTable striped highlightOnHover {...tableProps} rows={rows} />}
    </QueryState>
  );
}
