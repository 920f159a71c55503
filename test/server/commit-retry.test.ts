import { describe, expect, it, vi } from 'vitest';
import { PivoteError } from '../../src/protocol/errors.js';
import { retryDelay, retryWhileUnavailable } from '../../src/server/commit-retry.js';
import { realTimers } from '../../src/server/timers.js';

const unavailable = () => new PivoteError('PV_STORE_UNAVAILABLE', 'the database at x is unavailable');

describe('commits retried while the store is unavailable', () => {
  it('waits half the capped exponential step plus a random half: never zero, never all at once', () => {
    const backoff = { minMs: 100, maxMs: 5_000 };
    expect([1, 2, 3, 4].map((f) => retryDelay(f, backoff, () => 0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((f) => retryDelay(f, backoff, () => 1))).toEqual([100, 200, 400, 800]);
    expect(retryDelay(50, backoff, () => 0.5)).toBe(3_750);
    expect(retryDelay(1_000, backoff, () => 1)).toBe(5_000);
  });

  it('tries again until the store answers, and says how many tries failed', async () => {
    vi.useFakeTimers();
    try {
      let calls = 0;
      const retries: number[] = [];
      const done = retryWhileUnavailable(
        async () => {
          if (++calls < 4) throw unavailable();
          return 'committed';
        },
        { backoff: { minMs: 100, maxMs: 1_000 }, timers: realTimers, giveUp: () => false, onRetry: (_e, failures, delay) => retries.push(failures, delay), random: () => 0 },
      );
      await vi.runAllTimersAsync();
      expect(await done).toEqual({ value: 'committed', failures: 3 });
      expect(retries).toEqual([1, 50, 2, 100, 3, 200]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not retry other failures, nor once told to give up', async () => {
    const opts = { backoff: { minMs: 1, maxMs: 1 }, timers: realTimers, onRetry: () => {} };
    const bug = new Error('a bug');
    await expect(retryWhileUnavailable(() => Promise.reject(bug), { ...opts, giveUp: () => false })).rejects.toBe(bug);
    const err = unavailable();
    await expect(retryWhileUnavailable(() => Promise.reject(err), { ...opts, giveUp: () => true })).rejects.toBe(err);
    const failed = new PivoteError('PV_STORE_FAILED', 'the store thread died');
    await expect(retryWhileUnavailable(() => Promise.reject(failed), { ...opts, giveUp: () => false })).rejects.toBe(failed);
  });
});
