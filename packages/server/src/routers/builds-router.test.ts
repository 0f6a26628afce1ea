import { expect } from "vitest";
import { appendLogChunk } from "../services/builds/append-log-chunk.ts";
import { recordArtifact } from "../services/builds/record-artifact.ts";
import { recordBuildEvent } from "../services/builds/record-build-event.ts";
import { createFixture, recordStarted } from "../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../testing/describe-each-provider.ts";

const adhoc = (teamId: string, extra: Record<string, unknown> = {}) => ({
  teamId,
  request: { elements: ["ubuntu", "nginx"], arch: "amd64", ...extra },
});

describeEachProvider("builds router", (provider, run) => {
  const f = useFixture(provider, createFixture);

  run("queues a recipe build with elements resolved over the recipe's catalogs", async () => {
    const alice = f.caller(f.users.alice);
    const { id, number } = await alice.builds.create({ recipeVersionId: f.recipeVersionId });
    const b = await alice.builds.get({ buildId: id });
    expect(b.number).toBe(number);
    expect(b.status).toBe("QUEUED");
    expect(b.resolvedElements.map((e) => e.name)).toEqual([
      "base",
      "ubuntu",
      "vm",
      "block-device-mbr",
      "dpkg",
      "bootloader",
    ]);
    expect(b.resolvedElements[0]).toMatchObject({
      catalogVersionId: f.catalogVersionId,
      catalogName: "core",
    });
    // Secret values are never copied onto the build.
    expect(b.request.env).toEqual([
      { name: "DIB_RELEASE", value: "noble", secret: false },
      { name: "DIB_TOKEN", secret: true },
    ]);
    const audit = await f.db.prisma.auditEvent.findMany({
      where: { action: "build.create", target: `build:${id}` },
    });
    expect(audit).toHaveLength(1);
  });

  run("refuses a build whose elements do not resolve, naming the element", async () => {
    await expect(
      f.caller(f.users.alice).builds.create(adhoc(f.teamA, { elements: ["nope"] })),
    ).rejects.toThrow(/nope/);
  });

  run("numbers builds uniquely under concurrent creation", async () => {
    const alice = f.caller(f.users.alice);
    const made = await Promise.all(
      Array.from({ length: 12 }, () => alice.builds.create(adhoc(f.teamA))),
    );
    const numbers = made.map((m) => m.number);
    expect(new Set(numbers).size).toBe(12);
  });

  run(
    "a viewer may read but not create or cancel; another team sees nothing of a private recipe",
    async () => {
      const { id } = await f
        .caller(f.users.alice)
        .builds.create({ recipeVersionId: f.recipeVersionId });
      const victor = f.caller(f.users.victor);
      expect((await victor.builds.get({ buildId: id })).id).toBe(id);
      await expect(victor.builds.cancel({ buildId: id })).rejects.toMatchObject({
        code: "FORBIDDEN",
      });
      await expect(
        victor.builds.create({ recipeVersionId: f.recipeVersionId }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
      const bob = f.caller(f.users.bob);
      await expect(bob.builds.get({ buildId: id })).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(bob.builds.cancel({ buildId: id })).rejects.toMatchObject({ code: "NOT_FOUND" });
      const page = await bob.builds.list({ recipeId: f.recipeId });
      expect(page.items).toEqual([]);
      await expect(bob.builds.onLog({ buildId: id })).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(f.caller(undefined).builds.list({})).rejects.toMatchObject({
        code: "UNAUTHORIZED",
      });
      // A public recipe's builds are visible to everyone signed in.
      await f.db.prisma.recipe.update({
        where: { id: f.recipeId },
        data: { visibility: "public" },
      });
      expect((await bob.builds.get({ buildId: id })).id).toBe(id);
      await expect(bob.builds.cancel({ buildId: id })).rejects.toMatchObject({ code: "NOT_FOUND" });
      await f.db.prisma.recipe.update({
        where: { id: f.recipeId },
        data: { visibility: "private" },
      });
    },
  );

  run("lists with filters and stable keyset pages while builds keep arriving", async () => {
    const alice = f.caller(f.users.alice);
    const all = await alice.builds.list({ limit: 200 });
    const total = all.items.length;
    expect(total).toBeGreaterThan(10);
    const seen: number[] = [];
    let cursor: string | null | undefined;
    let first = true;
    do {
      const page = await alice.builds.list({ limit: 4, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((i) => i.number));
      cursor = page.nextCursor;
      // New builds land before page 1 and must not shift later pages.
      if (first) await alice.builds.create(adhoc(f.teamA));
      first = false;
    } while (cursor);
    expect(seen).toEqual(all.items.map((i) => i.number));

    const byRecipe = await alice.builds.list({ recipeId: f.recipeId });
    expect(byRecipe.items.length).toBeGreaterThan(0);
    expect(byRecipe.items.every((i) => i.recipe?.id === f.recipeId)).toBe(true);
    const n = byRecipe.items[0]!.number;
    expect((await alice.builds.list({ q: `#${n}` })).items.map((i) => i.number)).toEqual([n]);
    expect(
      (await alice.builds.list({ q: "we" })).items.every((i) => i.recipe?.name === "web"),
    ).toBe(true);
    expect(
      (await alice.builds.list({ q: "ngin" })).items.every((i) => i.elements.includes("nginx")),
    ).toBe(true);
    expect((await alice.builds.list({ q: "ngin" })).items.length).toBeGreaterThan(0);
    expect((await alice.builds.list({ status: ["SUCCEEDED"] })).items).toEqual([]);
    expect((await alice.builds.list({ requestedById: f.users.bob.userId })).items).toEqual([]);
    const future = new Date(f.clock.t + 1_000_000);
    expect((await alice.builds.list({ from: future })).items).toEqual([]);
    expect((await alice.builds.list({ to: future })).items.length).toBe(total + 1);
    await expect(alice.builds.list({ cursor: "garbage" })).rejects.toMatchObject({
      code: "BAD_REQUEST",
    });
  });

  run("cancels a queued build at once and asks the agent for a running one", async () => {
    const alice = f.caller(f.users.alice);
    const q = await alice.builds.create(adhoc(f.teamA));
    expect(await alice.builds.cancel({ buildId: q.id })).toEqual({
      status: "CANCELLED",
      cancelRequested: false,
    });
    await expect(alice.builds.cancel({ buildId: q.id })).rejects.toMatchObject({
      code: "CONFLICT",
    });

    const r = await alice.builds.create(adhoc(f.teamA));
    const agent = await f.db.prisma.agent.create({
      data: { name: "cancel-agent", arch: "amd64", state: "ONLINE" },
    });
    await f.db.prisma.build.update({
      where: { id: r.id },
      data: { status: "RUNNING", agentId: agent.id },
    });
    expect(await alice.builds.cancel({ buildId: r.id })).toEqual({
      status: "RUNNING",
      cancelRequested: true,
    });
    expect(f.published(`agent:${agent.id}`)).toContainEqual({ type: "cancel", buildId: r.id });
    expect((await alice.builds.get({ buildId: r.id })).cancelRequestedAt).toBeInstanceOf(Date);
    await recordBuildEvent(f.deps, r.id, 0, {
      type: "build.finished",
      t: f.clock.t,
      status: "cancelled",
      durationMs: 5,
    });
    expect((await alice.builds.get({ buildId: r.id })).status).toBe("CANCELLED");
  });

  run("retries, pins, reads logs by range, deletes with store cleanup, and diffs", async () => {
    const alice = f.caller(f.users.alice);
    const a = await alice.builds.create({ recipeVersionId: f.recipeVersionId });
    const b = await alice.builds.create(adhoc(f.teamA));
    const agent = await f.db.prisma.agent.create({
      data: { name: "diff-agent", arch: "amd64", state: "ONLINE" },
    });
    for (const [id, pkgs, timings, size] of [
      [
        a.id,
        [
          { name: "curl", version: "8.0" },
          { name: "vim", version: "9.0" },
        ],
        1000,
        100,
      ],
      [
        b.id,
        [
          { name: "curl", version: "8.5" },
          { name: "nginx", version: "1.24" },
        ],
        1500,
        160,
      ],
    ] as const) {
      await f.db.prisma.build.update({
        where: { id },
        data: { status: "ASSIGNED", agentId: agent.id, manifest: JSON.stringify(pkgs) },
      });
      await recordStarted(f, id);
      await recordBuildEvent(f.deps, id, 1, {
        type: "phase.finished",
        t: f.clock.t,
        phase: "install.d",
        durationMs: timings,
        ok: true,
      });
      const key = `builds/${id}/artifacts/img.qcow2`;
      await f.deps.store.put(key, new Uint8Array(size));
      await recordArtifact(f.deps, {
        buildId: id,
        type: "qcow2",
        fileName: "img.qcow2",
        sizeBytes: size,
        sha256: "a".repeat(64),
        md5: "b".repeat(32),
        storageKey: key,
      });
      await appendLogChunk(f.deps, { buildId: id, seq: 0, offset: 0, data: Buffer.from("héllo ") });
      await appendLogChunk(f.deps, {
        buildId: id,
        seq: 1,
        offset: 7,
        data: Buffer.from("world\n"),
      });
      await recordBuildEvent(f.deps, id, 2, {
        type: "build.finished",
        t: f.clock.t + 10,
        status: "succeeded",
        durationMs: 10,
      });
    }
    const diff = await alice.builds.diff({ a: a.id, b: b.id });
    expect(diff.packages).toEqual({
      added: [{ name: "nginx", version: "1.24" }],
      removed: [{ name: "vim", version: "9.0" }],
      changed: [{ name: "curl", from: "8.0", to: "8.5" }],
    });
    expect(diff.elements.added).toEqual(["nginx"]);
    expect(diff.elements.removed).toEqual(["vm", "block-device-mbr", "bootloader"].sort());
    expect(diff.elements.changed.map((c) => c.name)).toContain("ubuntu");
    expect(diff.environment).toEqual([
      { name: "DIB_RELEASE", from: "noble", to: null },
      { name: "DIB_TOKEN", from: "(secret)", to: null },
    ]);
    expect(diff.sizes).toEqual([
      { type: "qcow2", fileName: "img.qcow2", from: 100, to: 160, delta: 60 },
    ]);
    expect(diff.phases).toEqual([{ phase: "install.d", from: 1000, to: 1500, delta: 500 }]);

    const log = await alice.builds.log({ buildId: a.id });
    expect(log).toEqual({ text: "héllo world\n", from: 0, nextOffset: 13, totalBytes: 13 });
    // A range starting inside a chunk, and one that would split "é" (2 bytes at offset 1).
    expect((await alice.builds.log({ buildId: a.id, from: 3 })).text).toBe("llo world\n");
    expect(await alice.builds.log({ buildId: a.id, from: 0, maxBytes: 2 })).toMatchObject({
      text: "h",
      nextOffset: 1,
    });

    const retry = await alice.builds.retry({ buildId: a.id });
    const rb = await alice.builds.get({ buildId: retry.id });
    expect(rb).toMatchObject({ retryOfId: a.id, status: "QUEUED" });
    expect(rb.resolvedElements).toEqual(
      (await alice.builds.get({ buildId: a.id })).resolvedElements,
    );
    await expect(alice.builds.retry({ buildId: retry.id })).rejects.toMatchObject({
      code: "CONFLICT",
    });

    expect(await alice.builds.pin({ buildId: b.id, pinned: true })).toEqual({ pinned: true });
    // Deleting needs a maintainer: alice is a member of A.
    await expect(alice.builds.delete({ buildId: a.id })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    await f.db.prisma.membership.updateMany({
      where: { userId: f.users.alice.userId },
      data: { role: "maintainer" },
    });
    const del = await alice.builds.delete({ buildId: a.id });
    expect(del.freedBytes).toBe(100);
    expect(await f.deps.store.stat(`builds/${a.id}/artifacts/img.qcow2`)).toBeNull();
    expect(await f.db.prisma.logChunk.count({ where: { buildId: a.id } })).toBe(0);
    expect((await alice.builds.list({ limit: 200 })).items.map((i) => i.id)).not.toContain(a.id);
    expect(
      (await alice.builds.list({ limit: 200, includeDeleted: true })).items.map((i) => i.id),
    ).toContain(a.id);
    await f.db.prisma.membership.updateMany({
      where: { userId: f.users.alice.userId },
      data: { role: "member" },
    });
  });
});
