/**
 * Behaviour every ArtifactStore shares, checked by the directory store's and
 * the S3 store's tests alike. Not a test file itself.
 */
import { expect } from "vitest";
import type { ArtifactStore, TArtifactInfo } from "../artifact-store.ts";
import { ArtifactNotFoundError } from "../errors.ts";

/** The keys a `list` yields, in order. */
export async function collectKeys(listing: AsyncIterable<TArtifactInfo>): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of listing) keys.push(info.key);
  return keys;
}

/** `list` filters by key prefix in byte order; `delete` says whether there was an object. */
export async function expectListsByPrefixAndDeletes(store: ArtifactStore): Promise<void> {
  for (const key of ["builds/12/b", "builds/12/a", "builds/123/x", "builds/1-2", "catalogs/c"]) {
    await store.put(key, Buffer.from(key));
  }
  expect(await collectKeys(store.list("builds/12"))).toEqual([
    "builds/12/a",
    "builds/12/b",
    "builds/123/x",
  ]);
  expect(await collectKeys(store.list("builds/12/"))).toEqual(["builds/12/a", "builds/12/b"]);
  expect(await collectKeys(store.list(""))).toEqual([
    "builds/1-2",
    "builds/12/a",
    "builds/12/b",
    "builds/123/x",
    "catalogs/c",
  ]);
  expect(await collectKeys(store.list("nothing/"))).toEqual([]);
  expect(await store.delete("catalogs/c")).toBe(true);
  expect(await store.delete("catalogs/c")).toBe(false);
  await expect(store.get("catalogs/c")).rejects.toThrow(ArtifactNotFoundError);
  await expect(store.get("builds/12")).rejects.toThrow(ArtifactNotFoundError);
}
