/** Pure helpers of the agents page: host check results and registration labels. */

export interface THostCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** Pre-flight results an agent reports, whatever their exact shape: name → ok/detail. */
export function hostChecks(facts: Record<string, unknown>): THostCheck[] {
  const checks = facts.checks;
  if (Array.isArray(checks)) {
    return checks.map((c: { name?: string; ok?: boolean; detail?: string; message?: string }) => ({
      name: String(c.name ?? "?"),
      ok: c.ok !== false,
      detail: String(c.detail ?? c.message ?? ""),
    }));
  }
  if (checks && typeof checks === "object") {
    return Object.entries(checks as Record<string, unknown>).map(([name, v]) => ({
      name,
      ok:
        v === true || (typeof v === "object" && v !== null && (v as { ok?: boolean }).ok !== false),
      detail:
        typeof v === "object" && v !== null ? String((v as { detail?: string }).detail ?? "") : "",
    }));
  }
  return [];
}

/** `key=value` entries as a label map; an entry without `=` is a key with an empty value. */
export function parseLabels(entries: string[]): Record<string, string> {
  return Object.fromEntries(
    entries.map((entry) => [
      entry.split("=")[0] ?? entry,
      entry.includes("=") ? entry.slice(entry.indexOf("=") + 1) : "",
    ]),
  );
}

/** How many queued builds wait for each reason, in the order first seen. */
export function countWaitingReasons(
  builds: { waitingReason: string | null }[],
): [reason: string, count: number][] {
  const reasons = new Map<string, number>();
  for (const build of builds)
    if (build.waitingReason)
      reasons.set(build.waitingReason, (reasons.get(build.waitingReason) ?? 0) + 1);
  return [...reasons];
}
