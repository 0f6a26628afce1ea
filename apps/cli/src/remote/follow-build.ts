/**
 * Follows a build on the server until it ends: log text, events and status
 * by polling `builds.log {from}`, `builds.events {afterSeq}` and `builds.get`
 * (one batched HTTP request per tick, every ~300 ms).
 *
 * Why polling and not the `onLog`/`onEvents` SSE subscriptions: the CLI must
 * work through any proxy that passes plain requests, and a poll resumes from
 * its own offsets after a dropped connection with nothing to reconnect; a
 * third of a second of latency does not matter at a terminal.
 */
import type { TBuildEvent } from "@kiln/contracts/build-event";
import { isTerminal } from "@kiln/contracts/build-status";
import type { TFinalBuildStatus } from "../exit-codes.ts";
import { formatDuration } from "../render/render-events.ts";
import type { RemoteClient } from "./remote-client.ts";

/** Where the follower writes and how often it asks. */
export interface FollowIO {
  /** Standard output: log text, or JSON lines with `json`. */
  out: (text: string) => void;
  /** Standard error: progress and status lines. */
  err: (text: string) => void;
  /** Whether stderr is a terminal (then progress is one line redrawn in place). */
  errIsTTY?: boolean;
  /** Poll interval, ms (default 300). */
  pollMs?: number;
  now?: () => number;
}

export interface TFollowResult {
  status: TFinalBuildStatus;
  number: number;
  failure: { phase: string | null; script: string | null; message: string | null } | null;
  durationMs: number | null;
}

type Progress = Extract<TBuildEvent, { type: "progress" }>;

/** One line: `[3/9] install.d 50-nginx — 42s elapsed, ETA 1m05s`. */
export function progressLine(p: Progress, sinceMs = 0): string {
  const eta =
    p.etaMs !== undefined ? `, ETA ${formatDuration(Math.max(0, p.etaMs - sinceMs))}` : "";
  return `[${p.index}/${p.total}] ${p.phase}${p.hook ? ` ${p.hook}` : ""} — ${formatDuration(p.elapsedMs + sinceMs)} elapsed${eta}`;
}

/** Streams the build until it reaches a final status; returns it. */
export async function followBuild(
  client: RemoteClient,
  buildId: string,
  io: FollowIO,
  opts: { json?: boolean; afterOffset?: number; subject?: string } = {},
): Promise<TFollowResult> {
  const now = io.now ?? Date.now;
  const pollMs = io.pollMs ?? 300;
  const subject = opts.subject ?? `build ${buildId}`;
  let logFrom = opts.afterOffset ?? 0;
  let afterSeq = -1;
  let progress: { p: Progress; at: number } | undefined;
  let shownKey = "";
  let statusLine = "";
  let waiting: string | null = null;

  const clearStatus = () => {
    if (io.errIsTTY && statusLine) io.err("\r\x1b[2K");
    statusLine = "";
  };
  // The status line is drawn only between whole log lines: clearing it must not wipe log text.
  let atLineStart = true;
  const drawStatus = () => {
    if (!io.errIsTTY || !progress || !atLineStart) return;
    statusLine = progressLine(progress.p, now() - progress.at);
    io.err(`\x1b[7m${statusLine}\x1b[0m`);
  };
  const writeLog = (text: string, offset: number) => {
    if (!text) return;
    if (opts.json) {
      io.out(JSON.stringify({ type: "log", offset, text }) + "\n");
      return;
    }
    clearStatus();
    io.out(text);
    atLineStart = text.endsWith("\n");
    drawStatus();
  };
  const onEvent = (seq: number, event: TBuildEvent) => {
    if (opts.json) {
      io.out(JSON.stringify({ type: "event", seq, event }) + "\n");
      return;
    }
    if (event.type !== "progress") return;
    progress = { p: event, at: now() };
    const key = `${event.index}/${event.phase}/${event.hook ?? ""}`;
    if (io.errIsTTY) {
      clearStatus();
      drawStatus();
    } else if (key !== shownKey) {
      // Not a terminal: a line per phase or hook change, not per tick.
      io.err(progressLine(event) + "\n");
    }
    shownKey = key;
  };

  /** Reads log and events until neither has anything new (after the end, to get the tail). */
  const drain = async () => {
    for (;;) {
      const [log, events] = await client.call(subject, (api) =>
        Promise.all([
          api.builds.log.query({ buildId, from: logFrom }),
          api.builds.events.query({ buildId, afterSeq }),
        ]),
      );
      writeLog(log.text, logFrom);
      logFrom = log.nextOffset;
      for (const e of events) onEvent(e.seq, e.event);
      if (events.length) afterSeq = events.at(-1)!.seq;
      if (log.nextOffset >= log.totalBytes && events.length === 0) return;
    }
  };

  for (;;) {
    const [log, events, build] = await client.call(subject, (api) =>
      Promise.all([
        api.builds.log.query({ buildId, from: logFrom }),
        api.builds.events.query({ buildId, afterSeq }),
        api.builds.get.query({ buildId }),
      ]),
    );
    writeLog(log.text, logFrom);
    logFrom = log.nextOffset;
    for (const e of events) onEvent(e.seq, e.event);
    if (events.length) afterSeq = events.at(-1)!.seq;
    if (!opts.json && build.status === "QUEUED" && build.waitingReason !== waiting) {
      waiting = build.waitingReason;
      if (waiting) io.err(`queued: ${waiting}\n`);
    }
    if (isTerminal(build.status)) {
      // The status was read alongside the log: whatever landed just before the end comes now.
      await drain();
      clearStatus();
      return {
        status: build.status as TFinalBuildStatus,
        number: build.number,
        failure: build.failure,
        durationMs: build.durationMs,
      };
    }
    if (io.errIsTTY && progress) {
      clearStatus();
      drawStatus();
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** The closing line for people: `build #12 FAILED after 1m05s: install.d/50-x: exit 1`. */
export function describeEnd(r: TFollowResult): string {
  const took = r.durationMs !== null ? ` after ${formatDuration(r.durationMs)}` : "";
  if (r.status === "SUCCEEDED") return `build #${r.number} SUCCEEDED${took}`;
  const where = r.failure?.script
    ? ` in ${r.failure.phase ? `${r.failure.phase}/` : ""}${r.failure.script}`
    : "";
  const why = r.failure?.message ? `: ${r.failure.message.split("\n")[0]}` : "";
  return `build #${r.number} ${r.status}${took}${where}${why}`;
}
