import { describe, expect, it } from 'vitest';
import { blinkPeriodMs, matchesPattern, segments, type HistoryEntry } from '../../src/gpio/index.js';

const h = (...pairs: [number, 0 | 1][]): HistoryEntry[] => pairs.map(([atMs, value]) => ({ atMs, value }));

describe('output history helpers (pure)', () => {
  it('segments leave the last one open', () => {
    expect(segments(h([0, 0], [10, 1], [30, 0]))).toEqual([
      { value: 0, startMs: 0, durationMs: 10 },
      { value: 1, startMs: 10, durationMs: 20 },
      { value: 0, startMs: 30, durationMs: undefined },
    ]);
    expect(segments([])).toEqual([]);
  });

  it('blinkPeriodMs needs two switch-ons', () => {
    expect(blinkPeriodMs(h([0, 0], [5, 1]))).toBeUndefined();
    expect(blinkPeriodMs(h([0, 0], [5, 1], [10, 0], [25, 1], [30, 0], [45, 1]))).toBe(20);
  });

  it('matchesPattern starts at the first segment with the first step value and tolerates jitter', () => {
    const history = h([0, 0], [7, 1], [107, 0], [208, 1], [307, 0], [407, 1]);
    const steps = [{ value: 1 as const, ms: 100 }, { value: 0 as const, ms: 100 }];
    expect(matchesPattern(history, steps)).toBe(false); // 101 ms off is outside the default 0.5 ms
    expect(matchesPattern(history, steps, { toleranceMs: 2, minCycles: 2 })).toBe(true);
    expect(matchesPattern(history, [])).toBe(false);
    expect(matchesPattern(h([0, 0]), steps)).toBe(false);
  });
});
