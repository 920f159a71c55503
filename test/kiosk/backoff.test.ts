import { describe, expect, it } from 'vitest';
import { AUTH_FAILURE_BACKOFF, Backoff, backoffCeiling, DEFAULT_BACKOFF, jitteredDelay } from '../../src/kiosk/connection/backoff.js';
import { seededRandom } from '../../src/kiosk/sim/press-plan.js';

/** Deterministic PRNG so the spread test cannot flake. */
const seeded = seededRandom;

describe('backoff', () => {
  it('doubles the ceiling per attempt up to the cap', () => {
    const ceilings = Array.from({ length: 9 }, (_, n) => backoffCeiling(n, DEFAULT_BACKOFF));
    expect(ceilings).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(backoffCeiling(10_000, DEFAULT_BACKOFF)).toBe(30_000);
  });

  it('draws each delay uniformly below the ceiling (full jitter)', () => {
    expect(jitteredDelay(0, DEFAULT_BACKOFF, () => 0)).toBe(0);
    expect(jitteredDelay(0, DEFAULT_BACKOFF, () => 0.5)).toBe(250);
    expect(jitteredDelay(0, DEFAULT_BACKOFF, () => 0.999999)).toBe(499);
    expect(jitteredDelay(3, DEFAULT_BACKOFF, () => 0.25)).toBe(1000);
    expect(jitteredDelay(50, DEFAULT_BACKOFF, () => 0.999999)).toBe(29_999);
  });

  it('keeps a floor when asked (slow retries after an auth failure)', () => {
    expect(jitteredDelay(0, AUTH_FAILURE_BACKOFF, () => 0)).toBe(15_000);
    expect(jitteredDelay(0, AUTH_FAILURE_BACKOFF, () => 0.999999)).toBe(29_999);
    expect(jitteredDelay(20, AUTH_FAILURE_BACKOFF, () => 0.999999)).toBe(299_999);
  });

  it('counts attempts and starts over after reset', () => {
    const b = new Backoff({ ...DEFAULT_BACKOFF, random: () => 0.999999 });
    expect([b.next(), b.next(), b.next()]).toEqual([499, 999, 1999]);
    expect(b.attempts).toBe(3);
    b.reset();
    expect(b.next()).toBe(499);
  });

  it('rejects nonsense options', () => {
    expect(() => new Backoff({ baseMs: 0, capMs: 10 })).toThrow(RangeError);
    expect(() => new Backoff({ baseMs: 100, capMs: 10 })).toThrow(RangeError);
  });

  it('spreads a fleet reconnecting after a server restart instead of a thundering herd', () => {
    const random = seeded(42);
    const fleet = Array.from({ length: 1000 }, () => new Backoff({ ...DEFAULT_BACKOFF, random }));
    const firstRetry = fleet.map((b) => b.next());
    // Every kiosk retries within the first ceiling...
    expect(Math.min(...firstRetry)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...firstRetry)).toBeLessThan(500);
    // ...but not together: no 10 ms slot holds more than 5% of the fleet (uniform: 2%),
    // and the retries cover most of the window.
    const slots = new Map<number, number>();
    for (const d of firstRetry) slots.set(Math.floor(d / 10), (slots.get(Math.floor(d / 10)) ?? 0) + 1);
    expect(Math.max(...slots.values())).toBeLessThanOrEqual(50);
    expect(slots.size).toBe(50);
    expect(new Set(firstRetry).size).toBeGreaterThan(300);
    // The server is still down: the second wave is spread over a window twice as long.
    const secondRetry = fleet.map((b) => b.next());
    expect(Math.max(...secondRetry)).toBeLessThan(1000);
    expect(secondRetry.filter((d) => d >= 500).length).toBeGreaterThan(400);
  });
});
