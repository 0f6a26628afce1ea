"use client";
import { useSubscription } from "@trpc/tanstack-react-query";
import { useEffect, useRef, useState } from "react";
import type { TBuildEvent } from "@kiln/contracts/build-event";
import { useTRPC, useTRPCClient } from "@/lib/trpc";
import { LogBuffer } from "../log/log-buffer";

/** Bytes per log read: big enough that 200k lines take a handful of requests. */
const READ_BYTES = 4 << 20;
/** A read that fails (server busy, connection reset) is tried again this many times. */
const READ_ATTEMPTS = 4;

/** Runs `read`, retrying a failure after 0.5 s, 1 s, 2 s; the last error is the one shown. */
async function withRetries<T>(read: () => Promise<T>, cancelled: () => boolean): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (err) {
      if (attempt >= READ_ATTEMPTS || cancelled()) throw err;
      await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
    }
  }
}
const encoder = new TextEncoder();

export interface TBuildStream {
  log: LogBuffer;
  /** Changes whenever the log or events change. */
  version: number;
  events: { seq: number; event: TBuildEvent }[];
  loading: boolean;
  error?: string;
}

/**
 * The build's log and events: read in big ranges first (fast for finished
 * builds), then, while the build runs, followed live from where the reads
 * stopped (tRPC subscriptions, resumable by their tracked ids).
 */
export function useBuildStream(buildId: string, live: boolean): TBuildStream {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const logRef = useRef(new LogBuffer());
  const eventsRef = useRef<{ seq: number; event: TBuildEvent }[]>([]);
  const [version, setVersion] = useState(0);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string>();
  // Where the live subscriptions start: fixed once the first read is done, so the
  // subscription input (its query key) does not change with every piece, which would
  // make tRPC drop and reopen the stream on every render. Reconnects resume by tracked id.
  const [from, setFrom] = useState<{ offset: number; seq: number }>();
  const followed = useRef(false);
  const bump = useRef<number | undefined>(undefined);
  // Many small live pieces: re-render at most every 100 ms.
  const changed = () => {
    bump.current ??= window.setTimeout(() => {
      bump.current = undefined;
      setVersion((v) => v + 1);
    }, 100);
  };

  useEffect(() => {
    let cancelled = false;
    logRef.current = new LogBuffer();
    eventsRef.current = [];
    setLoaded(false);
    setFrom(undefined);
    followed.current = false;
    (async () => {
      let afterSeq = -1;
      for (;;) {
        const page = await withRetries(
          () => client.builds.events.query({ buildId, afterSeq, limit: 5000 }),
          () => cancelled,
        );
        if (cancelled) return;
        eventsRef.current.push(...page);
        if (page.length < 5000) break;
        afterSeq = page.at(-1)!.seq;
      }
      let from = 0;
      for (;;) {
        const r = await withRetries(
          () => client.builds.log.query({ buildId, from, maxBytes: READ_BYTES }),
          () => cancelled,
        );
        if (cancelled) return;
        logRef.current.append(r.from, encoder.encode(r.text));
        if (r.nextOffset <= from || r.nextOffset >= r.totalBytes) break;
        from = r.nextOffset;
      }
      setLoaded(true);
      setFrom({ offset: logRef.current.bytes, seq: eventsRef.current.at(-1)?.seq ?? -1 });
      setVersion((v) => v + 1);
    })().catch((err: unknown) => {
      if (!cancelled)
        setError(`could not load the log: ${err instanceof Error ? err.message : String(err)}`);
    });
    return () => {
      cancelled = true;
    };
  }, [buildId, client]);

  const following = live && loaded && !!from;
  if (following) followed.current = true;
  // The build ended while followed: the streams stop now, so read what they had not yet
  // delivered (the last lines of a build are the ones people read).
  useEffect(() => {
    if (live || !loaded || !followed.current) return;
    let cancelled = false;
    (async () => {
      const last = eventsRef.current.at(-1)?.seq ?? -1;
      const page = await client.builds.events.query({ buildId, afterSeq: last, limit: 5000 });
      if (cancelled) return;
      for (const e of page)
        if (e.seq > (eventsRef.current.at(-1)?.seq ?? -1)) eventsRef.current.push(e);
      for (;;) {
        const at = logRef.current.bytes;
        const r = await client.builds.log.query({ buildId, from: at, maxBytes: READ_BYTES });
        if (cancelled) return;
        logRef.current.append(r.from, encoder.encode(r.text));
        if (r.nextOffset <= at || r.nextOffset >= r.totalBytes) break;
      }
      setVersion((v) => v + 1);
    })().catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [live, loaded, buildId, client]);

  useSubscription(
    trpc.builds.onLog.subscriptionOptions(
      { buildId, afterOffset: from?.offset ?? 0 },
      {
        enabled: following,
        onData: (piece) => {
          const p = (piece as { data: { offset: number; text: string } }).data ?? piece;
          if (logRef.current.append(p.offset, encoder.encode(p.text))) changed();
        },
      },
    ),
  );
  useSubscription(
    trpc.builds.onEvents.subscriptionOptions(
      { buildId, afterSeq: from?.seq ?? -1 },
      {
        enabled: following,
        onData: (e) => {
          const item = ((e as { data?: unknown }).data ?? e) as { seq: number; event: TBuildEvent };
          if (item.seq > (eventsRef.current.at(-1)?.seq ?? -1)) {
            eventsRef.current.push(item);
            changed();
          }
        },
      },
    ),
  );

  return {
    log: logRef.current,
    version,
    events: eventsRef.current,
    loading: !loaded && !error,
    error,
  };
}
