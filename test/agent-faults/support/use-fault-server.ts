/**
 * One fault suite's server and its teardown: call inside the suite's
 * `describe`. The server starts in `beforeAll`; `afterAll` runs what the
 * tests registered with `atEnd` (agents, proxies; newest first), then closes
 * the server, then removes the suite's temp dirs (unmounting first).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { removeDirSafely } from "./host-state.ts";
import {
  startFaultServer,
  type FaultServer,
  type FaultServerOptions,
} from "./start-fault-server.ts";

export interface TFaultSuite {
  /** The suite's server (from `beforeAll` on). */
  server(): FaultServer;
  /** Runs `fn` in `afterAll`, before the server closes. */
  atEnd(fn: () => Promise<unknown> | unknown): void;
  /** A fresh temp dir, removed after the server closed. */
  tmpDir(prefix: string): string;
}

export function useFaultServer(o: FaultServerOptions = {}): TFaultSuite {
  let started: FaultServer | undefined;
  const stops: (() => Promise<unknown> | unknown)[] = [];
  const dirs: string[] = [];
  beforeAll(async () => {
    started = await startFaultServer(o);
  });
  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await started?.close();
    for (const d of dirs.splice(0)) removeDirSafely(d);
  });
  return {
    server() {
      if (!started) throw new Error("the fault server starts in beforeAll; use it in a test");
      return started;
    },
    atEnd: (fn) => void stops.push(fn),
    tmpDir(prefix) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
      dirs.push(dir);
      return dir;
    },
  };
}
