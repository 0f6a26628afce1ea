/** What a database dump holds, as far as a backup's manifest records it. */
export interface TDatabaseContents {
  /** Migrations applied to the dumped database, in apply order. */
  migrations: string[];
  /** Rows per table (the migration table left out), tables in name order. */
  counts: Record<string, number>;
}
