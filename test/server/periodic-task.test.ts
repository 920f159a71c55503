import { afterEach, describe, expect, it, vi } from 'vitest';
import { isPivoteError } from '../../src/protocol/errors.js';
import { DEFAULT_LIMITS, resolveLimits } from '../../src/server/limits.js';
import { PeriodicTask } from '../../src/server/periodic-task.js';
import { realTimers } from '../../src/server/timers.js';

afterEach(() => {
  vi.useRealTimers();
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('PeriodicTask', () => {
  it('runs every interval once started, and not after stop', async () => {
    vi.useFakeTimers();
    let runs = 0;
    const task = new PeriodicTask(async () => void runs++, 100, realTimers, () => undefined);
    task.start();
    await vi.advanceTimersByTimeAsync(350);
    expect(runs).toBe(3);
    await task.stop();
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toBe(3);
  });

  it('never runs twice at once; a trigger during a run causes exactly one more run after it', async () => {
    const gates: { resolve: () => void }[] = [];
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const task = new PeriodicTask(
      async () => {
        runs++;
        active++;
        maxActive = Math.max(maxActive, active);
        const d = deferred();
        gates.push(d);
        await d.promise;
        active--;
      },
      60_000,
      realTimers,
      () => undefined,
    );
    const first = task.trigger();
    const second = task.trigger();
    const third = task.trigger();
    expect(second).toBe(first);
    expect(third).toBe(first);
    await vi.waitFor(() => expect(gates).toHaveLength(1));
    gates[0]!.resolve();
    await vi.waitFor(() => expect(gates).toHaveLength(2)); // the rerun requested during run 1
    let settled = false;
    void first.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false); // the trigger resolves only after the rerun
    gates[1]!.resolve();
    await first;
    expect(runs).toBe(2);
    expect(maxActive).toBe(1);
  });

  it('reports errors and keeps running', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const task = new PeriodicTask(
      async () => {
        if (++n === 1) throw new Error('first fails');
      },
      60_000,
      realTimers,
      (e) => void errors.push(e),
    );
    await task.trigger();
    await task.trigger();
    expect(n).toBe(2);
    expect(errors).toHaveLength(1);
  });

  it('stop() waits for the run in progress', async () => {
    const d = deferred();
    let finished = false;
    const task = new PeriodicTask(
      async () => {
        await d.promise;
        finished = true;
      },
      60_000,
      realTimers,
      () => undefined,
    );
    void task.trigger();
    const stopping = task.stop();
    d.resolve();
    await stopping;
    expect(finished).toBe(true);
  });
});

describe('resolveLimits', () => {
  it('fills defaults and applies overrides', () => {
    expect(resolveLimits()).toEqual(DEFAULT_LIMITS);
    expect(resolveLimits({ window: 8, heartbeatMs: undefined })).toEqual({ ...DEFAULT_LIMITS, window: 8 });
  });
  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s with PV_CONFIG_INVALID', (bad) => {
    try {
      resolveLimits({ window: bad });
      expect.unreachable();
    } catch (err) {
      expect(isPivoteError(err, 'PV_CONFIG_INVALID')).toBe(true);
    }
  });
});
