/** A minimal typed event hub: `on` returns its own unsubscribe, so callers cannot leak listeners. */
export class Listeners<Events extends Record<string, unknown>> {
  private readonly byEvent = new Map<keyof Events, Set<(payload: never) => void>>();

  on<E extends keyof Events>(event: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.byEvent.get(event);
    if (set === undefined) {
      set = new Set();
      this.byEvent.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => {
      set.delete(listener as (payload: never) => void);
    };
  }

  emit<E extends keyof Events>(event: E, payload: Events[E]): void {
    const set = this.byEvent.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) (listener as (p: Events[E]) => void)(payload);
  }

  clear(): void {
    this.byEvent.clear();
  }
}
