export interface SseEvent {
  event: string;
  data: any;
}

/** Reads a Server-Sent Events stream over real HTTP and collects its events. */
export async function openStream(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  const waiter: { wake: (() => void) | null } = { wake: null };
  const done = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) });
          waiter.wake?.();
        }
      }
    } catch {
      // aborted by the test, or the server ended the stream
    }
    waiter.wake?.();
  })();
  return {
    status: res.status,
    events,
    /** Waits (bounded) for an event matching `pred`, from position `from`. */
    async next(pred: (e: SseEvent) => boolean, from = 0, timeoutMs = 10_000): Promise<SseEvent> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = events.slice(from).find(pred);
        if (hit) return hit;
        if (Date.now() > deadline) throw new Error(`no matching event; got ${JSON.stringify(events.map((e) => e.event))}`);
        await Promise.race([new Promise<void>((r) => (waiter.wake = r)), new Promise((r) => setTimeout(r, 200))]);
      }
    },
    async close() {
      controller.abort();
      await done;
    },
  };
}
