import { expect } from "vitest";
import { appendLogChunk } from "./append-log-chunk.ts";
import { recordBuildEvent } from "./record-build-event.ts";
import { createFixture } from "../../testing/builds-fixture.ts";
import { describeEachProvider, useFixture } from "../../testing/describe-each-provider.ts";

/** Takes `n` items from a subscription, with a deadline so a hang fails the test. */
async function take<T>(
  iterable: AsyncIterable<T>,
  n: number,
  during?: () => Promise<void>,
): Promise<T[]> {
  const out: T[] = [];
  const it = iterable[Symbol.asyncIterator]();
  const deadline = setTimeout(() => void it.return?.(), 5000);
  let started = false;
  try {
    while (out.length < n) {
      const next = it.next();
      if (!started && during) {
        started = true;
        await new Promise((r) => setTimeout(r, 20));
        await during();
      }
      const r = await next;
      if (r.done) break;
      out.push(r.value);
    }
  } finally {
    clearTimeout(deadline);
    await it.return?.();
  }
  return out;
}

/**
 * Server-side callers see `tracked()` envelopes as tRPC makes them ([id, data, marker]);
 * over HTTP the client turns them into { id, data }.
 */
function unwrap<T>(items: { id: string; data: T }[]): { id: string; data: T }[] {
  return items.map((e) => (Array.isArray(e) ? { id: e[0] as string, data: e[1] as T } : e));
}

const step = (t: number, name: string) => ({ type: "step" as const, t, name });

describeEachProvider("subscriptions", (provider, run) => {
  const f = useFixture(provider, createFixture);

  run("onEvents replays after the cursor, then goes live, resuming from lastEventId", async () => {
    const alice = f.caller(f.users.alice);
    const { id } = await alice.builds.create({ recipeVersionId: f.recipeVersionId });
    for (const seq of [0, 1, 2]) await recordBuildEvent(f.deps, id, seq, step(seq, `s${seq}`));
    const got = unwrap(
      await take(await alice.builds.onEvents({ buildId: id, afterSeq: 0 }), 4, async () => {
        await recordBuildEvent(f.deps, id, 3, step(3, "s3"));
        await recordBuildEvent(f.deps, id, 2, step(2, "dup")); // a resend is not re-published
        await recordBuildEvent(f.deps, id, 4, step(4, "s4"));
      }),
    );
    expect(got.map((g) => g.id)).toEqual(["1", "2", "3", "4"]);
    expect(got.map((g) => (g.data.event as { name: string }).name)).toEqual([
      "s1",
      "s2",
      "s3",
      "s4",
    ]);
    const resumed = unwrap(
      await take(await alice.builds.onEvents({ buildId: id, lastEventId: "3" }), 1),
    );
    expect(resumed.map((g) => g.id)).toEqual(["4"]);
  });

  run("onLog replays stored text, then live chunks, joining split characters", async () => {
    const alice = f.caller(f.users.alice);
    const { id } = await alice.builds.create({ recipeVersionId: f.recipeVersionId });
    const bytes = Buffer.from("ok ✓ done\n"); // ✓ is 3 bytes at offset 3
    await appendLogChunk(f.deps, { buildId: id, seq: 0, offset: 0, data: bytes.subarray(0, 4) });
    const got = unwrap(
      await take(await alice.builds.onLog({ buildId: id, afterOffset: 0 }), 2, async () => {
        await appendLogChunk(f.deps, { buildId: id, seq: 1, offset: 4, data: bytes.subarray(4) });
      }),
    );
    expect(got.map((g) => g.data.text).join("")).toBe("ok ✓ done\n");
    expect(got.at(-1)!.id).toBe(String(bytes.length));
    const resumed = unwrap(
      await take(await alice.builds.onLog({ buildId: id, lastEventId: "6" }), 1),
    );
    expect(resumed[0]!.data.text).toBe(" done\n");
  });

  run("onChange only carries builds the subscriber may see", async () => {
    const bobChanges = f.caller(f.users.bob).builds.onChange();
    const aliceChanges = f.caller(f.users.alice).builds.onChange();
    let aliceBuild = "";
    const [bobGot, aliceGot] = await Promise.all([
      take(await bobChanges, 1, async () => {
        await new Promise((r) => setTimeout(r, 20));
        aliceBuild = (
          await f.caller(f.users.alice).builds.create({ recipeVersionId: f.recipeVersionId })
        ).id;
        await f
          .caller(f.users.bob)
          .builds.create({ teamId: f.teamB, request: { elements: ["ubuntu"], arch: "amd64" } });
      }),
      take(await aliceChanges, 1),
    ]);
    expect(aliceGot[0]!.buildId).toBe(aliceBuild);
    expect(bobGot[0]!.teamId).toBe(f.teamB);
  });
});
