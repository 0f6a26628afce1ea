/**
 * In-process publish/subscribe for live updates: build status, events and
 * log lines. tRPC subscriptions listen here; services and the agent gateway
 * publish. Topics are strings like `build:<id>` and `builds`.
 */
export type BusListener = (message: unknown) => void;

export class EventBus {
  private readonly topics = new Map<string, Set<BusListener>>();

  publish(topic: string, message: unknown): void {
    for (const listener of this.topics.get(topic) ?? []) {
      try {
        listener(message);
      } catch {
        /* a broken subscriber must not break the publisher */
      }
    }
  }

  subscribe(topic: string, listener: BusListener): () => void {
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.topics.delete(topic);
    };
  }

  /** An async iterator over a topic, ended by the signal (for tRPC subscriptions). */
  async *listen<T>(topic: string, signal?: AbortSignal): AsyncGenerator<T> {
    const queue: T[] = [];
    let wake: (() => void) | undefined;
    const off = this.subscribe(topic, (m) => {
      queue.push(m as T);
      wake?.();
    });
    const onAbort = () => wake?.();
    signal?.addEventListener("abort", onAbort);
    try {
      while (!signal?.aborted) {
        if (queue.length === 0) await new Promise<void>((r) => (wake = r));
        wake = undefined;
        while (queue.length) yield queue.shift() as T;
      }
    } finally {
      off();
      signal?.removeEventListener("abort", onAbort);
    }
  }
}
