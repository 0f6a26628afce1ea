/**
 * The dashboard in a real browser (Debian's chromium via playwright-core)
 * against the real server (`apps/dashboard/server.ts`, SQLite in a temp
 * dir): first login, catalog import (and a malicious archive refused), a
 * recipe that fails validation then passes, a queued build that says why it
 * waits, and a finished build (seeded through the services) with a 200k-line
 * log, timings, artifacts and a diff. Screenshots of each main page go to
 * test/out/screenshots/. One server and one browser for the whole file: the
 * tests run in order and build on each other.
 */
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import type { Actor, ServerDeps } from "@kiln/server/context";
import { hasChromium, skipNote, warnIfSkipped } from "@kiln/engine/testing/host-capabilities";
import { launchChromium } from "./support/launch-chromium.ts";
import { writeCatalogTarballs } from "./support/catalog-tarballs.ts";
import {
  createTimings,
  probeLogRead,
  screenshot,
  SHOTS,
  watchPageErrors,
} from "./support/page-tools.ts";
import { seedDeps, seedDiffTrio } from "./support/seed-builds.ts";
import { startKilnServer, type TKilnServer } from "./support/start-kiln-server.ts";

const skip = hasChromium();
warnIfSkipped("browser tests", skip);

const ADMIN = { email: "admin@kiln.test", password: "correct horse battery" };
const { timings, timed } = createTimings();

let server: TKilnServer;
let browser: Browser;
let page: Page;
let deps: ServerDeps;
let recipeId = "";
let pageErrors: string[] = [];

const shot = (name: string) => screenshot(page, name);

describe
  .skipIf(skip)
  .sequential(`dashboard in chromium${skipNote(skip)}`, { timeout: 240_000 }, () => {
    beforeAll(async () => {
      mkdirSync(SHOTS, { recursive: true });
      server = await timed("server start (incl. next build when stale)", () => startKilnServer());
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      page.setDefaultTimeout(20_000);
      // What the page itself complained about: printed at the end, so a failure says why.
      pageErrors = watchPageErrors(page);
      deps = seedDeps(server.dataDir);
    }, 240_000);

    afterAll(async () => {
      await browser?.close();
      await deps?.db.close();
      await server?.stop();
      console.log("browser test timings (ms):", JSON.stringify(timings));
      if (pageErrors.length) console.log(`page errors:\n${pageErrors.slice(0, 40).join("\n")}`);
    });

    it("answers /api/health and refuses anonymous API and download calls", async () => {
      const health = await (await fetch(`${server.url}/api/health`)).json();
      expect(health).toEqual({ ok: true, db: "sqlite", version: expect.any(String) });
      const list = await fetch(
        `${server.url}/api/trpc/builds.list?input=${encodeURIComponent('{"json":{}}')}`,
      );
      expect(list.status).toBe(401);
      const dl = await fetch(`${server.url}/api/builds/x/artifacts/y`);
      expect(dl.status).toBe(401);
      const bad = await fetch(`${server.url}/api/trpc/auth.me`, {
        headers: { authorization: "Bearer nope" },
      });
      expect(bad.status).toBe(401);
    });

    it("first start: the setup link creates the admin, who then signs in", async () => {
      expect(server.setupUrl, server.output()).toBeTruthy();
      const setupPath = new URL(server.setupUrl!).pathname + new URL(server.setupUrl!).search;
      await page.goto(`${server.url}${setupPath}`);
      await page.getByTestId("setup-email").fill(ADMIN.email);
      await page.getByTestId("setup-password").fill(ADMIN.password);
      await page.getByTestId("setup-password-again").fill(ADMIN.password);
      await shot("setup");
      await page.getByRole("button", { name: "Create and sign in" }).click();
      await page.waitForURL("**/builds");
      await expect.poll(() => page.getByTestId("user-menu").textContent()).toContain(ADMIN.email);

      // Sign out, then the ordinary first login.
      await page.getByTestId("user-menu").click();
      await page.getByRole("menuitem", { name: "Sign out" }).click();
      await page.waitForURL("**/sign-in**");
      await page.getByTestId("sign-in-email").fill(ADMIN.email);
      await page.getByTestId("sign-in-password").fill("wrong password!");
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect
        .poll(() => page.getByTestId("sign-in-error").textContent())
        .toContain("wrong email or password");
      await shot("sign-in");
      await page.getByTestId("sign-in-password").fill(ADMIN.password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.waitForURL("**/builds");

      // A team to own catalogs and recipes.
      await page.goto(`${server.url}/settings`);
      await page.getByTestId("new-team").fill("platform");
      await page.getByRole("button", { name: "Create team" }).click();
      await expect.poll(() => page.getByText("platform · you are owner").count()).toBe(1);
      await shot("settings");
    });

    it("imports a catalog tarball, and refuses a malicious one naming the entry", async () => {
      const tmp = mkdtempSync(path.join(os.tmpdir(), "kiln-browser-tars-"));
      onTestFinished(() => rmSync(tmp, { recursive: true, force: true }));
      const { good, evil } = writeCatalogTarballs(tmp);

      await page.goto(`${server.url}/catalogs`);
      await expect
        .poll(() => page.getByTestId("catalogs-table").textContent())
        .toContain("builtin");
      await page.getByTestId("open-import").click();
      await page.getByTestId("catalog-name").fill("evil");
      await page.locator('input[type="file"]').setInputFiles(evil);
      await page.getByTestId("import-submit").click();
      const refusal = page.getByTestId("import-error");
      await expect.poll(() => refusal.textContent()).toContain("evil.sh");
      await shot("catalog-import-refused");

      await page.getByTestId("catalog-name").fill("team-elements");
      await page.locator('input[type="file"]').setInputFiles(good);
      await timed("catalog upload + import", async () => {
        await page.getByTestId("import-submit").click();
        await page.waitForURL("**/catalogs/*?version=*");
      });
      const elements = page.getByTestId("elements-table");
      await expect.poll(() => elements.textContent()).toContain("motd-extra");
      await shot("catalog");

      await page.getByRole("link", { name: "motd", exact: true }).click();
      await expect
        .poll(() => page.getByTestId("element-readme").textContent())
        .toContain("message of the day");
      await page.getByTestId("dependency-graph").locator(".react-flow__node").first().waitFor();
      expect(
        await page.getByTestId("dependency-graph").locator(".react-flow__node").count(),
      ).toBeGreaterThanOrEqual(2);
      await page.getByRole("tab", { name: /Hooks/ }).click();
      await page.locator(".hljs-comment", { hasText: "the text people see" }).waitFor();
      await shot("element");

      await page.goto(`${server.url}/catalogs`);
      await expect
        .poll(() => page.getByTestId("catalogs-table").textContent())
        .toContain("team-elements");
      await shot("catalogs");
    });

    it("shows a recipe's validation error next to the field, then saves it", async () => {
      await page.goto(`${server.url}/recipes/new`);
      await page.getByTestId("recipe-name").fill("debian-vm");
      const elementsInput = page.getByTestId("recipe-elements");
      await elementsInput.click();
      for (const name of ["debian-minimal", "no-such-element"]) {
        await page.keyboard.type(name);
        await page.keyboard.press("Enter");
      }
      await page.keyboard.press("Escape");
      const invalid = page.getByTestId("recipe-invalid");
      await expect
        .poll(() => invalid.textContent(), { timeout: 20_000 })
        .toContain("no-such-element");
      // The same message sits under the elements field.
      const fieldError = page.locator(".mantine-TagsInput-error").first();
      await expect.poll(() => fieldError.textContent()).toContain("no-such-element");
      await shot("recipe-invalid");

      // Backspace in the empty input drops the last element.
      await elementsInput.click();
      await page.keyboard.press("Backspace");
      await page.keyboard.type("vm");
      await page.keyboard.press("Enter");
      await page.keyboard.press("Escape");
      await page.getByTestId("recipe-valid").waitFor({ timeout: 30_000 });
      expect(await page.getByTestId("recipe-resolution").textContent()).toContain("debian-minimal");
      await page.getByTestId("save-recipe").click();
      await page.waitForURL(/\/recipes\/(?!new)[^/]+$/);
      recipeId = page.url().split("/").pop()!;
      await page.getByTestId("build-now").waitFor();
      await shot("recipe");
    });

    it("queues a build and says why it waits", async () => {
      await page.goto(`${server.url}/recipes/${recipeId}`);
      await page.getByTestId("build-now").click();
      await page.waitForURL("**/builds/*");
      const waiting = page.getByTestId("build-waiting");
      await expect
        .poll(() => waiting.textContent(), { timeout: 20_000 })
        .toContain("no agent online");
      await shot("build-queued");

      await page.goto(`${server.url}/agents`);
      await expect
        .poll(() => page.getByTestId("no-agent").textContent())
        .toContain("No agent has registered yet");
      await expect
        .poll(() => page.getByTestId("queue-reasons").textContent())
        .toContain("no agent online");
      // Why the dashboard has no agent of its own (this server runs with KILN_LOCAL_AGENT=off).
      await expect
        .poll(() => page.getByTestId("local-agent-status").textContent())
        .toContain("KILN_LOCAL_AGENT=off");
      await shot("agents");
      await page.getByTestId("add-agent").click();
      await page.getByTestId("create-agent-token").click();
      await expect
        .poll(() => page.getByTestId("agent-command").textContent())
        .toMatch(/kiln agent --server \S+ --token kiln_reg_/);
      await shot("agents-add");
      await page.keyboard.press("Escape");
    });

    it("opens a finished build: 200k-line log, timings, artifacts, manifest and diff", async () => {
      const admin = await deps.db.prisma.user.findFirstOrThrow({ where: { email: ADMIN.email } });
      const actor: Actor = { userId: admin.id, email: admin.email, role: "admin" };
      const recipe = await deps.db.prisma.recipe.findUniqueOrThrow({
        where: { id: recipeId },
        include: { versions: true },
      });
      const recipeVersionId = recipe.versions[0]!.id;
      const { older, failed, big } = await seedDiffTrio(deps, actor, recipeVersionId, timed);

      // The log viewer: all lines counted, only the visible ones in the DOM.
      await timed("open build page with 200k-line log", async () => {
        await page.goto(`${server.url}/builds/${big.id}`);
        await expect
          .poll(
            async () => {
              // A load error shows up in the failure with the page's own message.
              const failed = page.getByTestId("log-error");
              if (await failed.count()) return `error: ${await failed.textContent()}`;
              return page.getByTestId("log-line-count").textContent();
            },
            { timeout: 90_000 },
          )
          .toMatch(/^200,0\d\d lines$/)
          .catch(async (err: unknown) => {
            // What the server answers the same read with, to tell a server fault from a page fault.
            const probe = await probeLogRead(page, big.id);
            throw new Error(`${String(err)}\nserver read probe: ${probe}`);
          });
      });
      const viewer = page.getByTestId("log-viewer");
      const rendered = await viewer.locator(".kiln-log-row").count();
      expect(rendered).toBeGreaterThan(10);
      expect(rendered).toBeLessThan(300);
      // ANSI colours survive: the first line is bold, apt's "Get:" lines are green.
      expect(await viewer.locator("span[style*='font-weight: 700']").count()).toBeGreaterThan(0);
      await expect
        .poll(() => viewer.locator("span[style*='color: rgb(0, 187, 0)']").count())
        .toBeGreaterThan(0);
      // Folds by phase and hook, from the events' log offsets: the first phase and its first hook open the log.
      expect(await viewer.getByTestId("log-fold").count()).toBeGreaterThanOrEqual(2);
      await shot("build-log");
      // Runs in the page (a string, because this file is type-checked without the DOM lib).
      const scrollMs = (await page.evaluate(`(async () => {
      const el = document.querySelector('[data-testid="log-viewer"]');
      const t = performance.now();
      el.scrollTop = el.scrollHeight;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      return performance.now() - t;
    })()`)) as number;
      timings["scroll to the end of 200k lines"] = Math.round(scrollMs);
      await expect
        .poll(() => viewer.locator("[data-line]").last().getAttribute("data-line"))
        .toMatch(/^200\d\d\d$/);
      // Folded, the whole log is its five phases.
      await page.getByRole("button", { name: "Fold all", exact: true }).click();
      await expect.poll(() => viewer.getByTestId("log-fold").count()).toBe(5);
      expect(await viewer.locator("[data-line]").count()).toBe(1); // the build's first line, before any phase

      await page.getByRole("tab", { name: /Hook timings/ }).click();
      const hooks = page.getByTestId("hook-timings");
      await expect.poll(() => hooks.textContent()).toContain("01-package-installs");
      await shot("build-timings");

      await page.getByRole("tab", { name: /Artifacts/ }).click();
      const artifacts = page.getByTestId("artifacts-table");
      await expect.poll(() => artifacts.textContent()).toContain("debian-vm.qcow2");
      const href = await artifacts.getByTestId("artifact-download").first().getAttribute("href");
      const download = await page.request.get(`${server.url}${href}`);
      expect(download.status()).toBe(200);
      const body = await download.body();
      const detail = await deps.db.prisma.artifact.findFirstOrThrow({
        where: { buildId: big.id, fileName: "debian-vm.qcow2" },
      });
      expect(createHash("sha256").update(body).digest("hex")).toBe(detail.sha256);
      expect((await fetch(`${server.url}${href}`)).status).toBe(401);
      await shot("build-artifacts");

      await page.getByRole("tab", { name: /Packages/ }).click();
      await expect
        .poll(() => page.getByTestId("manifest-table").textContent())
        .toContain("new-tool");

      await page.getByRole("tab", { name: "Diff" }).click();
      await page.getByTestId("diff-select").click();
      await page.getByRole("option", { name: new RegExp(`^#${older.number} `) }).click();
      const pk = page.getByTestId("diff-packages");
      await expect.poll(() => pk.textContent()).toContain("new-tool");
      expect(await pk.textContent()).toContain("gone-later");
      expect(await pk.textContent()).toMatch(/pkg-39.*1\.39-1.*2\.0-1/);
      await expect
        .poll(() => page.getByTestId("diff-sizes").textContent())
        .toContain("debian-vm.raw");
      await shot("build-diff");

      // The failed build: jump to the failing hook.
      await page.goto(`${server.url}/builds/${failed.id}`);
      await expect
        .poll(() => page.getByTestId("build-failure").textContent())
        .toContain("50-openssh");
      await page.getByRole("button", { name: "Fold all", exact: true }).click();
      await page.getByTestId("jump-to-failure").click();
      await page.locator("[data-failed]", { hasText: "openssh-server/50-openssh" }).waitFor();
      await expect.poll(() => page.locator(".kiln-log-hit").count()).toBe(1);
      await shot("build-failed");

      await page.goto(`${server.url}/builds`);
      await expect.poll(() => page.getByTestId("build-row").count()).toBe(4);
      await shot("builds");
      // Live status: cancel the queued build behind the page's back (same session); the row follows.
      const queuedRow = page.locator('[data-testid="build-row"][data-build-number="1"]');
      expect(await queuedRow.getByTestId("status-badge").getAttribute("data-status")).toBe(
        "QUEUED",
      );
      const queued = await deps.db.prisma.build.findFirstOrThrow({ where: { number: 1 } });
      const cancel = await page.request.post(`${server.url}/api/trpc/builds.cancel`, {
        data: { json: { buildId: queued.id } },
        headers: { origin: server.url, "x-kiln-csrf": "1" },
      });
      expect(cancel.status()).toBe(200);
      await expect
        .poll(() => queuedRow.getByTestId("status-badge").getAttribute("data-status"))
        .toBe("CANCELLED");
      await page.goto(`${server.url}/recipes/${recipeId}`);
      // The duration line is drawn: its curve has a path (visibility is no test: a chart mid-animation
      // or a flat line has an empty box).
      await expect
        .poll(
          async () =>
            (await page
              .getByTestId("duration-trend")
              .locator("path.recharts-line-curve")
              .first()
              .getAttribute("d", { timeout: 1_000 })
              .catch(() => null)) ?? "",
          { timeout: 30_000 },
        )
        .toMatch(/^M[\d.]+,[\d.]+[CL]/);
      await shot("recipe-trends");
      await page.goto(`${server.url}/recipes`);
      await page.getByTestId("recipes-table").waitFor();
      await shot("recipes");
    });
  });
