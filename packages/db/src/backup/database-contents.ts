/** What a database dump holds, as far as a backup's manifest records it. */
export interface TDatabaseContents {
  /** Migrations applied to the dumped database, in apply order. */
  migrations: string[];
  /** Rows per table (the migration table left out), tables in name order. */
  counts: Record<string, number>;
}

/**
 * Rows the migrations themselves insert (the built-in `default` agent pool):
 * a freshly migrated database holds them and is still empty of anyone's data.
 */
const SEEDED_ROWS: Readonly<Record<string, number>> = { AgentPool: 1 };

/** Rows of data in a database: every table's count beyond what the migrations seed. */
export function dataRows(counts: Record<string, number>): number {
  return Object.entries(counts).reduce(
    (sum, [table, rows]) => sum + Math.max(0, rows - (SEEDED_ROWS[table] ?? 0)),
    0,
  );
}
