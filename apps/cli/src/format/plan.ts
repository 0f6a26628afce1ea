import type { BuildPlan } from "@kiln/engine/plan/plan-build";
import { CHROOT_PHASES, PHASES } from "@kiln/contracts/phases";

/** Human-readable `kiln build --dry-run` output. */
export function formatPlan(plan: BuildPlan): string {
  const lines = [
    `Building elements: ${plan.request.join(" ")}`,
    `Expanded element dependencies to: ${plan.elements.map((e) => e.name).join(" ")}`,
    "",
    "environment.d (sourced before every phase):",
    ...plan.environment.map((f) => `  ${f.name.padEnd(40)} ${f.element}`),
  ];
  PHASES.forEach((phase, i) => {
    const where = CHROOT_PHASES.has(phase) ? "chroot" : "host";
    lines.push("", `[${i + 1}/${PHASES.length}] ${phase} (${where})`);
    if (plan.phases[phase].length === 0) lines.push("  (no hooks)");
    for (const h of plan.phases[phase]) lines.push(`  ${h.name.padEnd(40)} ${h.element}`);
  });
  return lines.join("\n") + "\n";
}
