import type { TimerHandle, Timers } from './timers.js';

/**
 * An async job run every `intervalMs` and on demand, never twice at once: a trigger while it runs
 * makes it run once more afterwards, and the trigger's promise resolves after that run, so a
 * caller that changed something is sure a run started after its change. Errors go to `onError`;
 * a failing store must not stop the watcher for good.
 */
export class PeriodicTask {
  private handle: TimerHandle | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly job: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly timers: Timers,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (this.handle !== undefined || this.stopped) return;
    this.handle = this.timers.setInterval(() => void this.trigger(), this.intervalMs);
  }

  trigger(): Promise<void> {
    if (this.stopped) return this.running ?? Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop();
    return this.running;
  }

  /** Stops the interval and waits for a run in progress (it may be using the store). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.handle !== undefined) this.timers.clearInterval(this.handle);
    this.handle = undefined;
    await this.running;
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        try {
          await this.job();
        } catch (err) {
          this.onError(err);
        }
      } while (this.again && !this.stopped);
    } finally {
      this.running = null;
    }
  }
}
