import type { Logger } from 'pino';
import type { PollInfo } from '../protocol/messages.js';
import type { KioskAccess, VoteStore } from '../store/types.js';
import { accessWatcher } from './access-watcher.js';
import { AlertEngine } from './alerts/alert-engine.js';
import type { ServerEvents } from './events.js';
import { idleTimeoutMs, type ServerLimits } from './limits.js';
import type { PeriodicTask } from './periodic-task.js';
import type { PollCache } from './poll-cache.js';
import { pollScheduler } from './poll-scheduler.js';
import { PollWatcher } from './poll-watcher.js';
import type { Timers } from './timers.js';

export interface StoreWatchersOptions {
  store: VoteStore;
  polls: PollCache;
  events: ServerEvents;
  timers: Timers;
  log: Logger;
  clock: () => number;
  /** Told after every successful read of the open poll. */
  onPollRead?(): void;
  limits: ServerLimits;
  /** Kiosks with a live connection here (the access check is skipped when there are none). */
  liveKiosks(): number;
  /** Push the open poll to every kiosk connected here. */
  pushPoll(info: PollInfo | null): void;
  /** Drop connections whose kiosk may no longer vote. */
  enforceAccess(access: ReadonlyMap<string, KioskAccess>): void;
}

/**
 * What keeps this server in step with the store, which other processes change too (the CLI on
 * the same file, other servers on the same database), and with the organisers' plans: the open
 * poll, kiosk access, the poll schedule, the alert rules. Each is a periodic task that can also
 * be run at once after a change made here.
 */
export class StoreWatchers {
  readonly openPoll: PollWatcher;
  readonly access: PeriodicTask;
  readonly schedule: PeriodicTask;
  readonly alerts: AlertEngine;

  constructor(opts: StoreWatchersOptions) {
    const { store, timers, log, limits, events } = opts;
    this.openPoll = new PollWatcher({
      store,
      polls: opts.polls,
      timers,
      log,
      intervalMs: limits.pollWatchMs,
      ...(opts.onPollRead && { onRead: opts.onPollRead }),
      onChange: (info, change) => {
        opts.pushPoll(info);
        const open = change.opened ?? null;
        if (change.closed) events.emit('poll-changed', { poll: change.closed, open, reason: 'closed' });
        if (change.opened) events.emit('poll-changed', { poll: change.opened, open, reason: 'opened' });
      },
    });
    this.access = accessWatcher({ store, timers, log, intervalMs: limits.accessCheckMs, liveCount: opts.liveKiosks, enforce: opts.enforceAccess });
    this.schedule = pollScheduler({ store, timers, log, clock: opts.clock, intervalMs: limits.scheduleCheckMs, onChange: () => this.openPoll.check() });
    this.alerts = new AlertEngine({ store, events, timers, log, clock: opts.clock, intervalMs: limits.alertCheckMs, onlineStaleMs: idleTimeoutMs(limits) });
  }

  /** Loads the open poll (before the first kiosk is welcomed), then starts every watcher. */
  async start(): Promise<void> {
    await this.openPoll.start();
    this.access.start();
    this.schedule.start();
    this.alerts.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.openPoll.stop(), this.access.stop(), this.schedule.stop(), this.alerts.stop()]);
  }
}
