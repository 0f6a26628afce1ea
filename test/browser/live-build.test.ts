/**
 * A live build in a real browser (Debian's chromium via playwright-core)
 * against the real server (`apps/dashboard/server.ts`, SQLite in a temp dir,
 * local agent off) and a real agent (`runAgent` in this process, over the
 * WebSocket gateway) whose executor is the scripted fake: a build started
 * from the recipe page streams log lines and progress to the build page
 * while it runs, and the page's Cancel button stops it on the agent and
 * shows CANCELLED within 10 s; afterwards the page holds the whole stored log,
 * its last lines included. Also prints the agent → page latency of log lines
 * (p50/p95; the target is asserted by bench/, not here).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "@kiln/contracts/logger";
import type { AgentWorker } from "../../apps/cli/src/agent/agent-worker.ts";
import { runAgent } from "../../apps/cli/src/agent/run-agent.ts";
import { hasChromium, skipNote, warnIfSkipped } from "@kiln/engine/testing/host-capabilities";
import { launchChromium } from "./support/launch-chromium.ts";
import {
  createLiveExecutor,
  LIVE_LINE_RE,
  liveBuildScript,
  type LiveExecutor,
} from "./support/live-build-executor.ts";
import { installLatencyProbe, quantile, readLatencies } from "./support/log-latency-probe.ts";
import { createTimings, screenshot, SHOTS } from "./support/page-tools.ts";
import { startKilnServer, type TKilnServer } from "./support/start-kiln-server.ts";
import { trpcMutate, trpcQuery } from "./support/trpc-http.ts";

const skip = hasChromium();
warnIfSkipped("live build browser test", skip);

const ADMIN = { email: "live-admin@kiln.test", password: "correct horse battery" };
/** 20 lines/s for a minute: far longer than the test lets it run before cancelling. */
const SCRIPT = { lines: 1200, linesPerSecond: 20 };
/** The bound from clicking Cancel to the build being CANCELLED. */
const CANCEL_BOUND_MS = 10_000;
/** Functional waits: generous, for a loaded 2-core CI host (speed is bench/'s job). */
const SLOW = { timeout: 30_000, interval: 250 };

const { timings, timed } = createTimings();
let server: TKilnServer;
let browser: Browser;
let page: Page;
let agentDir: string;
let executor: LiveExecutor;
let worker: AgentWorker | undefined;
let agentDone: Promise<void> | undefined;
const agentLog: string[] = [];

/** The in-process agent's operational log, kept for failure messages. */
const agentLogger: Logger = {
  debug: () => {},
  info: (msg, fields) => void agentLog.push(`info ${msg} ${JSON.stringify(fields ?? {})}`),
  warn: (msg, fields) => void agentLog.push(`warn ${msg} ${JSON.stringify(fields ?? {})}`),
  error: (msg, fields) => void agentLog.push(`error ${msg} ${JSON.stringify(fields ?? {})}`),
};
const diagnostics = () =>
  `agent log:\n${agentLog.slice(-30).join("\n")}\nserver output (tail):\n${server
    .output()
    .split("\n")
    .slice(-30)
    .join("\n")}`;

async function lineCount(): Promise<number> {
  const text = (await page.getByTestId("log-line-count").textContent()) ?? "";
  return Number(text.replace(/[^\d]/g, "") || "0");
}
async function progressValue(): Promise<number> {
  return Number((await page.getByTestId("build-progress-bar").getAttribute("data-value")) ?? "0");
}
const badgeStatus = () => page.getByTestId("status-badge").first().getAttribute("data-status");

describe
  .skipIf(skip)
  .sequential(`live build in chromium${skipNote(skip)}`, { timeout: 240_000 }, () => {
    let recipeId = "";
    let buildId = "";

    beforeAll(async () => {
      fs.mkdirSync(SHOTS, { recursive: true });
      server = await timed("server start (incl. next build when stale)", () =>
        startKilnServer({
          env: { KILN_ADMIN_EMAIL: ADMIN.email, KILN_ADMIN_PASSWORD: ADMIN.password },
        }),
      );
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      page.setDefaultTimeout(20_000);
      agentDir = fs.mkdtempSync(path.join(os.tmpdir(), "kiln-live-agent-"));
    }, 240_000);

    afterAll(async () => {
      await worker?.stop().catch(() => undefined);
      await agentDone?.catch(() => undefined);
      await browser?.close();
      await server?.stop();
      if (agentDir) fs.rmSync(agentDir, { recursive: true, force: true });
      console.log("live build browser test timings (ms):", JSON.stringify(timings));
    });

    it("signs in, sets up a recipe and connects an agent registered with a token", async () => {
      await page.goto(`${server.url}/sign-in`);
      await page.getByTestId("sign-in-email").fill(ADMIN.email);
      await page.getByTestId("sign-in-password").fill(ADMIN.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL("**/builds");

      const team = await trpcMutate<{ id: string }>(page, server.url, "teams.create", {
        slug: "live",
        name: "Live",
      });
      const catalogs = await trpcQuery<
        { name: string; teamId: string | null; latestVersion: { id: string } | null }[]
      >(page, server.url, "catalogs.list", {});
      const builtin = catalogs.find((c) => c.teamId === null && c.latestVersion);
      expect(builtin, JSON.stringify(catalogs)).toBeTruthy();
      ({ recipeId } = await trpcMutate<{ recipeId: string }>(page, server.url, "recipes.create", {
        teamId: team.id,
        name: "live-vm",
        version: {
          elements: ["debian-minimal", "vm"],
          outputTypes: ["qcow2"],
          catalogVersionIds: [builtin!.latestVersion!.id],
        },
      }));

      const { token } = await trpcMutate<{ token: string }>(
        page,
        server.url,
        "agents.createRegistrationToken",
        {},
      );
      expect(token).toMatch(/^kiln_reg_/);
      executor = createLiveExecutor(liveBuildScript(SCRIPT));
      agentDone = runAgent({
        server: server.url,
        token,
        workDir: agentDir,
        name: "live-agent",
        labels: {},
        capacity: 1,
        executor,
        logger: agentLogger,
        skipCleanup: true,
        onWorker: (w) => (worker = w),
      });
      agentDone.catch((err: unknown) => agentLog.push(`runAgent ended: ${String(err)}`));
      await timed("agent registered and online", () =>
        expect
          .poll(async () => {
            const agents = await trpcQuery<{ name: string; state: string }[]>(
              page,
              server.url,
              "agents.list",
            );
            return agents.find((a) => a.name === "live-agent")?.state;
          }, SLOW)
          .toBe("ONLINE"),
      );
    });

    it("a build started from the recipe page streams log lines and moves the progress bar", async () => {
      await page.goto(`${server.url}/recipes/${recipeId}`);
      await page.getByTestId("build-now").click();
      await page.waitForURL("**/builds/*");
      buildId = page.url().split("/").pop()!;

      await timed("build page: queued → RUNNING on the agent", async () => {
        await expect.poll(badgeStatus, { ...SLOW, message: diagnostics() }).toBe("RUNNING");
        await expect.poll(lineCount, SLOW).toBeGreaterThan(0);
      });
      expect(executor.fake.jobs.map((j) => j.buildId)).toEqual([buildId]);
      await installLatencyProbe(page, LIVE_LINE_RE);

      // New lines keep arriving without a reload: the count grows between two reads, and the
      // rows in view (the viewer follows the tail) are the agent's live lines.
      const before = await lineCount();
      await expect.poll(lineCount, SLOW).toBeGreaterThanOrEqual(before + 20);
      const lastRow = page.getByTestId("log-viewer").locator("[data-line]").last();
      await expect
        .poll(async () => (await lastRow.textContent()) ?? "", SLOW)
        .toMatch(LIVE_LINE_RE);

      // The progress bar follows the agent's progress events.
      await expect.poll(progressValue, SLOW).toBeGreaterThan(0);
      const p1 = await progressValue();
      await expect.poll(progressValue, SLOW).toBeGreaterThan(p1);
      const p2 = await progressValue();
      expect(p2).toBeLessThan(100);
      expect(
        Number(
          await page
            .getByTestId("build-progress-bar")
            .getByRole("progressbar")
            .getAttribute("aria-valuenow"),
        ),
      ).toBeGreaterThanOrEqual(p2);
      await page.getByTestId("phase-timeline").waitFor();

      // Enough live lines for the latency figures (20 lines/s: about 5 s).
      await expect
        .poll(async () => (await readLatencies(page)).length, { timeout: 30_000, interval: 500 })
        .toBeGreaterThanOrEqual(100);
      await screenshot(page, "build-live");
      expect(await badgeStatus()).toBe("RUNNING");
    });

    it("the Cancel button stops the job on the agent and the page shows CANCELLED within 10 s", async () => {
      const latencies = await readLatencies(page);
      const writtenBefore = executor.linesWritten.get(buildId) ?? 0;
      expect(writtenBefore).toBeGreaterThan(0);
      expect(executor.finished.has(buildId)).toBe(false);

      const clicked = Date.now();
      await page.getByRole("button", { name: "Cancel", exact: true }).click();
      await expect
        .poll(badgeStatus, { timeout: CANCEL_BOUND_MS, interval: 100, message: diagnostics() })
        .toBe("CANCELLED");
      timings["Cancel click → CANCELLED on the page"] = Date.now() - clicked;

      // The agent's job was aborted and its executor returned early, cancelled.
      const job = executor.fake.jobs.find((j) => j.buildId === buildId)!;
      expect(job.signal.aborted).toBe(true);
      await expect
        .poll(() => executor.finished.get(buildId)?.outcome.status, SLOW)
        .toBe("cancelled");
      timings["Cancel click → executor returned"] = executor.finished.get(buildId)!.at - clicked;
      await expect.poll(() => worker?.running ?? ["no worker"], SLOW).toEqual([]);
      const written = executor.linesWritten.get(buildId) ?? 0;
      expect(written).toBeLessThan(SCRIPT.lines);
      // On BUILD_FINISHED_ACK the agent drops the build's spool and work dir.
      await expect
        .poll(() => fs.existsSync(path.join(agentDir, "builds", buildId)), SLOW)
        .toBe(false);
      await new Promise((r) => setTimeout(r, 1000));
      expect(executor.linesWritten.get(buildId)).toBe(written);

      // The server agrees, and its stored log ends with the agent's cancel line.
      const stored = await trpcQuery<{ status: string }>(page, server.url, "builds.get", {
        buildId,
      });
      expect(stored.status).toBe("CANCELLED");
      const raw = await page.request.get(`${server.url}/api/builds/${buildId}/log`);
      expect(raw.status()).toBe(200);
      const storedLines = (await raw.text()).split("\n").filter(Boolean);
      expect(storedLines.at(-1)).toContain("kiln: cancelling");
      expect(storedLines.filter((l) => LIVE_LINE_RE.test(l))).toHaveLength(written);

      await page.getByRole("button", { name: "Retry", exact: true }).waitFor();
      await screenshot(page, "build-cancelled");

      const p50 = quantile(latencies, 0.5);
      const p95 = quantile(latencies, 0.95);
      console.log(
        `live log latency agent write → page DOM (ms): n=${latencies.length} p50=${p50} p95=${p95} max=${Math.max(...latencies)} (lines written before cancel: ${written})`,
      );
      timings["log latency p50"] = p50;
      timings["log latency p95"] = p95;
    });

    it("once the build has ended the page shows its whole stored log, the last lines included", async () => {
      const written = executor.linesWritten.get(buildId) ?? 0;
      const raw = await page.request.get(`${server.url}/api/builds/${buildId}/log`);
      const storedLines = (await raw.text()).split("\n").filter(Boolean);
      // The lines written in the last moments before the end (here the agent's cancel line) are
      // the ones people read; the page must not stop following before they arrive.
      await expect.poll(lineCount, SLOW).toBe(storedLines.length);
      expect(storedLines.filter((l) => LIVE_LINE_RE.test(l))).toHaveLength(written);
      await new Promise((r) => setTimeout(r, 1500));
      expect(await lineCount()).toBe(storedLines.length);
    });
  });
