import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PRUNE_INTERVAL_MS, schedulePrune } from '../../src/kiosk/outbox/outbox-pruning.js';
import { systemTimers } from '../../src/kiosk/clock/timers.js';

describe('schedulePrune', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    vi.clearAllTimers();
    vi.useRealTimers();
  });

  it('prunes at once and then daily until cancelled; a failing prune does not stop the schedule', () => {
    let calls = 0;
    const outbox = {
      prune: () => {
        calls++;
        if (calls === 2) throw new Error('disk I/O error');
        return 0;
      },
    };
    const schedule = schedulePrune(outbox, systemTimers, pino({ level: 'silent' }));
    expect(calls).toBe(1);
    vi.advanceTimersByTime(PRUNE_INTERVAL_MS - 1);
    expect(calls).toBe(1);
    vi.advanceTimersByTime(1);
    expect(calls).toBe(2);
    vi.advanceTimersByTime(PRUNE_INTERVAL_MS);
    expect(calls).toBe(3);
    schedule.cancel();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(5 * PRUNE_INTERVAL_MS);
    expect(calls).toBe(3);
  });
});
