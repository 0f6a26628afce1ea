/**
 * The agent tests' set-up against the fake server: temp dirs, fake servers
 * and agents made during a test and torn down after it (newest first, by an
 * `afterEach` this registers). Call `useAgentHarness()` once at the top of a
 * test file. Not a test file itself.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach } from "vitest";
import type { RunAgentOptions } from "../run-agent.ts";
import { createFakeExecutor, type FakeExecutor, type TFakeStep } from "./create-fake-executor.ts";
import {
  FAKE_REGISTRATION_TOKEN,
  startFakeAgentServer,
  type FakeAgentServer,
  type FakeServerOptions,
} from "./fake-agent-server.ts";
import { runTestAgent, type TTestAgentRun } from "./run-test-agent.ts";

export interface TAgentHarness {
  /** Runs `fn` after the current test. */
  defer(fn: () => Promise<unknown> | unknown): void;
  /** A fresh temp dir, removed after the current test. */
  tmpDir(prefix?: string): string;
  /** A fake agent server, closed after the current test. */
  server(o?: FakeServerOptions): Promise<FakeAgentServer>;
  /**
   * An agent running `script` against `s` (with the fake server's token and
   * a fresh work dir unless given), stopped after the current test.
   */
  agent(s: FakeAgentServer, script: TFakeStep[], o?: Partial<RunAgentOptions>): TTestAgent;
}

export interface TTestAgent extends TTestAgentRun {
  workDir: string;
  executor: FakeExecutor;
}

export function useAgentHarness(): TAgentHarness {
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const defer = (fn: () => Promise<unknown> | unknown) => void cleanups.push(fn);
  const tmpDir = (prefix = "kiln-agent-") => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    defer(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
  };
  return {
    defer,
    tmpDir,
    async server(o) {
      const s = await startFakeAgentServer(o);
      defer(() => s.close());
      return s;
    },
    agent(s, script, o = {}) {
      const executor = createFakeExecutor(script);
      const workDir = o.workDir ?? tmpDir();
      const run = runTestAgent({
        server: s.url,
        token: FAKE_REGISTRATION_TOKEN,
        ...o,
        workDir,
        executor,
      });
      defer(run.stop);
      return { ...run, workDir, executor };
    },
  };
}
