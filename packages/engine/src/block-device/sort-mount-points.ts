/**
 * The global mount-point order that chains all mount nodes (spec §5.3): each
 * mount depends on its predecessor in this list, so it is also the mount
 * order and the fstab order.
 *
 * Two DIB behaviours exist:
 * - `"sorted"` (spec §5.3, current DIB): plain code-point sort of the mount
 *   point strings, so a parent always precedes its children
 *   (`/` < `/boot` < `/boot/efi` < `/home` < `/var`).
 * - `"dib-3.13"` (the DIB 3.13 installed on Debian): after each mount is
 *   added, Python's `list.sort` runs with the comparator "a < b iff b starts
 *   with a". That relation is not a total order, so the result depends on
 *   CPython's timsort; for the short lists configs have it is count_run plus
 *   binary insertion, reproduced here step by step.
 */

/** Which DIB mount sort to reproduce. */
export type MountSortMode = "sorted" | "dib-3.13";

/** A mount entry: the mount point and the mount node's name. */
export type MountEntry = readonly [mountPoint: string, node: string];

/**
 * Insert mounts one at a time, in config (node creation) order, re-sorting
 * after each insert as DIB's `Mount` plugin does; returns the final list.
 */
export function sortMountPoints(mounts: readonly MountEntry[], mode: MountSortMode): MountEntry[] {
  const list: MountEntry[] = [];
  for (const m of mounts) {
    list.push(m);
    if (mode === "sorted") list.sort((a, b) => compareCodePoints(a[0], b[0]));
    else pythonListSort(list, (a, b) => a[0] !== b[0] && b[0].startsWith(a[0]));
  }
  return list;
}

function compareCodePoints(a: string, b: string): number {
  const ca = Array.from(a, (c) => c.codePointAt(0) as number);
  const cb = Array.from(b, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    if (ca[i] !== cb[i]) return (ca[i] as number) - (cb[i] as number);
  }
  return ca.length - cb.length;
}

/**
 * CPython 3.11's `list.sort` for lists shorter than 64 (one run: count_run,
 * reverse a strictly descending prefix, binary-insert the rest), in place,
 * with `lt` as the only comparison. Longer lists would need timsort's merges;
 * they fall back to the same insertion, which may differ from CPython.
 */
export function pythonListSort<T>(items: T[], lt: (a: T, b: T) => boolean): void {
  const n = items.length;
  if (n < 2) return;
  let run = 2;
  if (lt(items[1] as T, items[0] as T)) {
    while (run < n && lt(items[run] as T, items[run - 1] as T)) run++;
    const head = items.slice(0, run).reverse();
    items.splice(0, run, ...head);
  } else {
    while (run < n && !lt(items[run] as T, items[run - 1] as T)) run++;
  }
  for (let start = run; start < n; start++) {
    const pivot = items[start] as T;
    let l = 0;
    let r = start;
    do {
      const p = l + ((r - l) >> 1);
      if (lt(pivot, items[p] as T)) r = p;
      else l = p + 1;
    } while (l < r);
    items.splice(start, 1);
    items.splice(l, 0, pivot);
  }
}
