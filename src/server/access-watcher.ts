import type { Logger } from 'pino';
import type { KioskAccess, VoteStore } from '../store/types.js';
import { PeriodicTask } from './periodic-task.js';
import type { Timers } from './timers.js';

export interface AccessWatcherOptions {
  store: VoteStore;
  timers: Timers;
  log: Logger;
  intervalMs: number;
  /** Kiosk ids with a live connection, to skip the store read when there are none. */
  liveCount(): number;
  /** Drops live connections whose kiosk may no longer vote (revoked, removed, new secret). */
  enforce(access: ReadonlyMap<string, KioskAccess>): void;
}

/**
 * A kiosk revoked, removed or given a new secret, by this process or another (the CLI on the
 * same file, another server on the same database), must not keep voting on the connection it
 * has. The store keeps a version number that every such change bumps: it is read every
 * `intervalMs` (one cheap read) and the access list only when it moved. `trigger()` reads now.
 */
export function accessWatcher(opts: AccessWatcherOptions): PeriodicTask {
  let seenVersion: number | undefined;
  const checkOnce = async (): Promise<void> => {
    if (opts.liveCount() === 0) return;
    const version = await opts.store.kioskAccessVersion();
    if (version === seenVersion) return;
    const access = await opts.store.listKioskAccess();
    opts.enforce(new Map(access.map((a) => [a.id, a])));
    seenVersion = version;
  };
  return new PeriodicTask(checkOnce, opts.intervalMs, opts.timers, (err) => opts.log.warn({ err }, 'could not read kiosk access; will retry'));
}
