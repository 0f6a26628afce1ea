/**
 * In-process publish/subscribe for live updates: build status, events and
 * log lines, and commands for connected agents. tRPC subscriptions, the
 * dispatcher and the agent gateway listen here; services publish. Every
 * topic carries one message type (`TBusMessages`), so a subscriber gets
 * typed messages without casting.
 */
import type { TBusMessages } from "./services/builds/build-topics.ts";

export type { TBusMessages };
/** A topic name: `builds`, `build:<id>` or `agent:<id>`. */
export type TBusTopic = keyof TBusMessages & string;
export type BusListener<K extends TBusTopic> = (message: TBusMessages[K]) => void;

export class EventBus {
  private readonly topics = new Map<string, Set<(message: never) => void>>();

  publish<K extends TBusTopic>(topic: K, message: TBusMessages[K]): void {
    for (const listener of this.topics.get(topic) ?? []) {
      try {
        (listener as BusListener<K>)(message);
      } catch {
        /* a broken subscriber must not break the publisher */
      }
    }
  }

  subscribe<K extends TBusTopic>(topic: K, listener: BusListener<K>): () => void {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.topics.delete(topic);
    };
  }

  /** An async iterator over a topic, ended by the signal (for tRPC subscriptions). */
  async *listen<K extends TBusTopic>(
    topic: K,
    signal?: AbortSignal,
  ): AsyncGenerator<TBusMessages[K]> {
    const queue: TBusMessages[K][] = [];
    let wake: (() => void) | undefined;
    const off = this.subscribe(topic, (message) => {
      queue.push(message);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal?.addEventListener("abort", onAbort);
    try {
      while (!signal?.aborted) {
        if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        while (queue.length) yield queue.shift()!;
      }
    } finally {
      off();
      signal?.removeEventListener("abort", onAbort);
    }
  }
}
