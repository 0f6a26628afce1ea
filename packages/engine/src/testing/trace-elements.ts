import { PHASES, type TPhase } from "@kiln/contracts/phases";
import type { ElementSpec } from "./element-tree.ts";

/**
 * Elements for pipeline tests that need no real OS. Every hook and
 * environment.d file appends a line to the file named by `$KILN_TRACE`:
 * `env <file>` when sourced, `hook <phase>/<script>` when run. A hook exits 7
 * when `$KILN_FAIL_PHASE` names its phase.
 * - `trace-os` provides operating-system; its root.d hook makes a minimal root.
 * - `trace` has one hook in every phase and two environment.d files.
 */
export function traceElements(): Record<string, ElementSpec> {
  return {
    "trace-os": {
      provides: ["operating-system"],
      scripts: {
        "root.d/10-make-root": traceHook(
          "root.d",
          "10-make-root",
          'mkdir -p "$TARGET_ROOT/etc" "$TARGET_ROOT/tmp"\necho trace > "$TARGET_ROOT/etc/hostname"\n',
        ),
      },
    },
    trace: {
      scripts: Object.fromEntries(
        PHASES.map((phase) => {
          const script = traceScriptName(phase);
          return [`${phase}/${script}`, traceHook(phase, script)];
        }),
      ),
      files: {
        "environment.d/10-first": 'echo "env 10-first" >> "$KILN_TRACE"\nexport TRACE_FIRST=1\n',
        "environment.d/20-second": 'echo "env 20-second" >> "$KILN_TRACE"\n',
      },
    },
  };
}

/** The `trace` element's hook in `phase`: `50-trace-install` for install.d. */
export function traceScriptName(phase: TPhase): string {
  return `50-trace-${phase.slice(0, -2)}`;
}

/** A bash hook that traces itself, runs `body`, and fails when asked to. */
export function traceHook(phase: string, script: string, body = ""): string {
  return [
    "#!/bin/bash",
    "set -eu",
    `echo "hook ${phase}/${script}" >> "$KILN_TRACE"`,
    body,
    `if [ "\${KILN_FAIL_PHASE:-}" = "${phase}" ]; then exit 7; fi`,
    "",
  ].join("\n");
}
