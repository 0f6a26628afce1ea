/**
 * A server writing a build's log in another process, for backups taken while
 * the server works (SQLite's locks are per process, so a writer in the test's
 * own process would not show what a running server does). Not used by
 * production code.
 *
 * As a script (`node --import tsx log-writer-process.ts URL BUILD_ID`) it
 * appends 1 KiB chunks to the build's log through appendLogChunk, one after
 * another until stdin closes, printing each committed chunk's seq.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createDb } from "@kiln/db/client";
import { appendLogChunk } from "../services/builds/append-log-chunk.ts";
import { testServerDeps } from "./test-server-deps.ts";

export interface TLogWriter {
  /** Resolves once the writer has committed chunk `seq`. */
  reached(seq: number): Promise<void>;
  /** Stops the writer after its current chunk; resolves when it has exited. */
  stop(): Promise<void>;
}

export function startLogWriter(url: string, buildId: string, storeDir: string): TLogWriter {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", fileURLToPath(import.meta.url), url, buildId, storeDir],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  let last = -1;
  const waiting: { seq: number; resolve: () => void }[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    last = Number(line);
    for (const wait of waiting.filter((entry) => entry.seq <= last)) wait.resolve();
  });
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  return {
    reached: (seq) =>
      seq <= last ? Promise.resolve() : new Promise((resolve) => waiting.push({ seq, resolve })),
    stop: () => {
      child.stdin.end();
      return exited;
    },
  };
}

async function write(url: string, buildId: string, storeDir: string): Promise<void> {
  const db = createDb({ url });
  const deps = testServerDeps(db, { storeDir });
  let running = true;
  process.stdin.on("end", () => (running = false)).resume();
  let offset = 0;
  for (let seq = 0; running; seq += 1) {
    const data = randomBytes(1024);
    await appendLogChunk(deps, { buildId, seq, offset, data });
    offset += data.length;
    process.stdout.write(`${seq}\n`);
  }
  await db.close();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await write(process.argv[2]!, process.argv[3]!, process.argv[4]!);
}
