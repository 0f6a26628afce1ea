/**
 * Another process holding a database open, as a running server does: SQLite's
 * locks are per process, so a connection in the test's own process would not
 * show what a server sees. Not used by production code.
 *
 * As a script (`node --import tsx database-holder.ts URL`) it opens a Prisma
 * client on URL and answers each line `count` on stdin with the number of
 * teams, one line on stdout.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { createDb } from "../client.ts";

export interface TDatabaseHolder {
  /** Teams the holding process reads now. */
  countTeams(): Promise<number>;
  close(): Promise<void>;
}

/** Starts a process holding `url` open; resolves once it has read the database. */
export async function holdDatabase(url: string): Promise<TDatabaseHolder> {
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), url], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const countTeams = async () => {
    child.stdin.write("count\n");
    const line = await lines.next();
    if (line.done) throw new Error("database holder exited");
    return Number(line.value);
  };
  await countTeams();
  return {
    countTeams,
    close: () =>
      new Promise((resolve) => {
        child.once("close", () => resolve());
        child.stdin.end();
      }),
  };
}

async function serve(url: string): Promise<void> {
  const db = createDb({ url });
  const requests = createInterface({ input: process.stdin });
  for await (const request of requests) {
    if (request === "count") process.stdout.write(`${await db.prisma.team.count()}\n`);
  }
  await db.close();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await serve(process.argv[2]!);
