import type { TBuildEvent } from "@kiln/contracts/build-event";

/** Something that shows build events to a person or a machine. */
export interface EventRenderer {
  onEvent(event: TBuildEvent): void;
  /** Clear any live status line before the process exits. */
  close(): void;
}

/** `--log-format json`: one event per line on stdout. */
export function jsonRenderer(write: (s: string) => void): EventRenderer {
  return { onEvent: (e) => write(JSON.stringify(e) + "\n"), close: () => {} };
}

/** Format milliseconds as `1m05s` / `42s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/**
 * Human output: log lines scroll with a UTC timestamp (DIB's outfilter
 * style); on a TTY a status line (phase i/N, hook, elapsed, ETA) stays at the
 * bottom, redrawn in place.
 */
export function textRenderer(options: {
  write: (s: string) => void;
  tty: boolean;
  columns?: () => number;
  now?: () => number;
}): EventRenderer {
  const now = options.now ?? Date.now;
  let status = "";
  let phaseLabel = "";
  let hook: string | undefined;
  let progress: Extract<TBuildEvent, { type: "progress" }> | undefined;
  const clear = () => {
    if (options.tty && status) options.write("\r\x1b[2K");
  };
  const draw = () => {
    if (!options.tty || !progress) return;
    const eta = progress.etaMs !== undefined ? `, ETA ${formatDuration(progress.etaMs)}` : "";
    const text = `[${progress.index}/${progress.total}] ${phaseLabel}${hook ? ` ${hook}` : ""} — ${formatDuration(progress.elapsedMs)} elapsed${eta}`;
    const width = options.columns?.() ?? 100;
    status = text.length > width - 1 ? text.slice(0, width - 2) + "…" : text;
    options.write(`\x1b[7m${status}\x1b[0m`);
  };
  const line = (text: string) => {
    clear();
    const ts = new Date(now()).toISOString().replace("T", " ").slice(0, 23);
    options.write(`${ts} | ${text}\n`);
    draw();
  };
  return {
    onEvent(e) {
      switch (e.type) {
        case "build.started":
          line(`Building elements: ${e.elements.join(" ")}`);
          break;
        case "phase.started":
          phaseLabel = e.phase;
          line(`Phase ${e.index}/${e.total} ${e.phase} (${e.where}, ${e.hooks} hooks)`);
          break;
        case "phase.finished":
          line(`Phase ${e.phase} ${e.ok ? "done" : "FAILED"} in ${formatDuration(e.durationMs)}`);
          break;
        case "hook.started":
          hook = e.script;
          line(`Running ${e.phase}/${e.script} (${e.element})`);
          break;
        case "hook.finished":
          hook = undefined;
          line(
            `${e.script} completed with exit code ${e.exitCode} in ${(e.durationMs / 1000).toFixed(3)}s`,
          );
          break;
        case "step":
          phaseLabel = e.name;
          line(e.detail ? `${e.name}: ${e.detail}` : e.name);
          break;
        case "log":
          line(e.line);
          break;
        case "progress":
          progress = e;
          clear();
          draw();
          break;
        case "artifact":
          line(
            `Image file ${e.path} created (${e.bytes} bytes${e.sha256 ? `, sha256 ${e.sha256}` : ""})`,
          );
          break;
        case "build.finished":
          line(
            e.status === "succeeded"
              ? `Build completed successfully in ${formatDuration(e.durationMs)}`
              : `Build ${e.status} after ${formatDuration(e.durationMs)}${e.error ? `: ${e.error.message}` : ""}`,
          );
          break;
      }
    },
    close() {
      clear();
      status = "";
    },
  };
}
