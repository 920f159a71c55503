import type { Logger } from 'pino';
import type { VoteStore } from '../store/types.js';
import { PeriodicTask } from './periodic-task.js';
import type { Timers } from './timers.js';

export interface RevocationWatcherOptions {
  store: VoteStore;
  timers: Timers;
  log: Logger;
  intervalMs: number;
  /** Kiosk ids with a live connection, to skip the store read when there are none. */
  liveCount(): number;
  /** Drops the live connection of each id (ids without one are ignored). */
  drop(revokedIds: readonly string[]): void;
}

/**
 * `pivote fleet revoke` runs in another process; a revoked kiosk must not keep voting on the
 * connection it already has, so revoked ids are re-read every `intervalMs`.
 */
export class RevocationWatcher {
  private readonly task: PeriodicTask;

  constructor(private readonly opts: RevocationWatcherOptions) {
    this.task = new PeriodicTask(() => this.checkOnce(), opts.intervalMs, opts.timers, (err) =>
      opts.log.warn({ err }, 'could not read revoked kiosks; will retry'),
    );
  }

  start(): void {
    this.task.start();
  }

  check(): Promise<void> {
    return this.task.trigger();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private async checkOnce(): Promise<void> {
    if (this.opts.liveCount() === 0) return;
    this.opts.drop(await this.opts.store.listRevokedKioskIds());
  }
}
