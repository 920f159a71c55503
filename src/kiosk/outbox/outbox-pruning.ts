import type { Logger } from 'pino';
import type { Outbox } from './outbox.js';
import type { TimerHandle, Timers } from '../clock/timers.js';

/**
 * Deletes old acknowledged rows from the outbox at start and then once a day, so a kiosk that
 * runs for a season does not fill its SD card. Pending and refused rows are never pruned.
 */

export const PRUNE_INTERVAL_MS = 24 * 3600 * 1000;

export interface PruneSchedule {
  cancel(): void;
}

export function schedulePrune(outbox: Pick<Outbox, 'prune'>, timers: Timers, log: Logger, intervalMs = PRUNE_INTERVAL_MS): PruneSchedule {
  let handle: TimerHandle | undefined;
  let cancelled = false;
  const run = (): void => {
    handle = undefined;
    if (cancelled) return;
    try {
      const removed = outbox.prune();
      if (removed > 0) log.info({ removed }, 'pruned acknowledged votes from the outbox');
    } catch (err) {
      // A failed prune costs disk space, not votes: keep the kiosk running and try tomorrow.
      log.warn({ err }, 'could not prune the outbox');
    }
    handle = timers.setTimeout(run, intervalMs);
  };
  run();
  return {
    cancel() {
      cancelled = true;
      if (handle !== undefined) timers.clearTimeout(handle);
      handle = undefined;
    },
  };
}
