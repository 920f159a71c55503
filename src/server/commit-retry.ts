import { isPivoteError } from '../protocol/errors.js';
import type { Timers } from './timers.js';

/**
 * A database that is unreachable, restarting or failing over (PV_STORE_UNAVAILABLE) is waited
 * out: the batch is tried again after a delay that grows with each failure and is jittered, so
 * the servers of a cluster and their many commits do not all hit a returning database in the
 * same millisecond. Nothing in the batch is acknowledged meanwhile; its kiosks keep the votes.
 * A COMMIT whose answer was lost may have committed: trying the batch again is still right, the
 * unique key answers what did commit as `duplicate`. Any other failure is not retried.
 */

export interface RetryBackoff {
  /** Delay after the first failure; it doubles with each further one up to `maxMs`. */
  minMs: number;
  maxMs: number;
}

export const DEFAULT_COMMIT_BACKOFF: Readonly<RetryBackoff> = Object.freeze({ minMs: 100, maxMs: 5_000 });

/** The wait before attempt `failures + 1`: half of the capped exponential step fixed, half random
 *  ("equal jitter": never a busy loop, never all servers at once). */
export function retryDelay(failures: number, backoff: RetryBackoff, random: () => number = Math.random): number {
  const step = Math.min(backoff.maxMs, backoff.minMs * 2 ** Math.min(failures - 1, 30));
  return step / 2 + random() * (step / 2);
}

export interface RetryOptions {
  backoff: RetryBackoff;
  timers: Timers;
  /** Asked after each failure: true stops retrying (the server is shutting down). */
  giveUp(): boolean;
  /** Told before each wait. */
  onRetry(err: unknown, failures: number, delayMs: number): void;
  random?: () => number;
}

/** Runs `attempt` until it succeeds, retrying only while the store is unavailable. `attempt` is
 *  told how many tries failed before it. */
export async function retryWhileUnavailable<T>(attempt: (failures: number) => Promise<T>, opts: RetryOptions): Promise<{ value: T; failures: number }> {
  for (let failures = 0; ; ) {
    try {
      return { value: await attempt(failures), failures };
    } catch (err) {
      if (!isPivoteError(err, 'PV_STORE_UNAVAILABLE') || opts.giveUp()) throw err;
      failures++;
      const delay = retryDelay(failures, opts.backoff, opts.random);
      opts.onRetry(err, failures, delay);
      await sleep(opts.timers, delay);
    }
  }
}

function sleep(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => void timers.setTimeout(resolve, ms));
}
