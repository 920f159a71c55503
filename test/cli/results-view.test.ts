import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildResultsView, percentages } from '../../src/admin/results-view.js';
import type { PollRecord } from '../../src/store/types.js';

describe('percentages (largest remainder, 0.1 steps, equal counts alike)', () => {
  it.each([
    [[1, 1, 1], [33.3, 33.3, 33.3]],
    [[2, 1], [66.7, 33.3]],
    [[1, 2], [33.3, 66.7]],
    [[1, 1, 1, 0], [33.3, 33.3, 33.3, 0]],
    [[2, 1, 1], [50, 25, 25]],
    [[0, 0, 0], [0, 0, 0]],
    [[5, 0], [100, 0]],
    [[1, 1, 1, 1, 1, 1, 1], [14.3, 14.3, 14.3, 14.3, 14.3, 14.3, 14.3]],
    [[3, 1, 1, 1], [50, 16.7, 16.7, 16.7]],
  ])('%j → %j', (counts, expected) => {
    expect(percentages(counts)).toEqual(expected);
  });

  it('equal counts alike; 100.0 in all unless equal counts cannot share the last tenths; within 0.1 of exact; 0 for 0 votes', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1_000_000 }), { minLength: 2, maxLength: 8 }), (counts) => {
        const total = counts.reduce((a, b) => a + b, 0);
        const p = percentages(counts);
        const tenths = p.map((x) => Math.round(x * 10));
        expect(tenths.every((t, i) => Math.abs(t / 10 - (p[i] ?? NaN)) < 1e-9)).toBe(true);
        counts.forEach((c, i) => counts.forEach((d, j) => c === d && expect(p[i]).toBe(p[j])));
        const sum = tenths.reduce((a, b) => a + b, 0);
        const largestTie = Math.max(...counts.map((c) => counts.filter((d) => d === c && d > 0).length));
        if (total === 0) expect(sum).toBe(0);
        else if (largestTie <= 1) expect(sum).toBe(1000);
        else expect(Math.abs(sum - 1000)).toBeLessThanOrEqual(Math.floor(largestTie / 2));
        counts.forEach((c, i) => {
          const exact = total === 0 ? 0 : (c * 100) / total;
          expect(Math.abs((p[i] ?? NaN) - exact)).toBeLessThan(0.1 + 1e-9);
          if (c === 0) expect(p[i]).toBe(0);
        });
      }),
    );
  });
});

describe('buildResultsView', () => {
  const poll: PollRecord = {
    id: 7, question: 'Q?', options: ['A', 'B', 'C'], state: 'open', createdAt: 0, openedAt: 0, closedAt: null,
    opensAt: null, closesAt: null, publicResults: 'never',
  };

  it('fills every option of every group, keeps the group order and reports flagged votes left out', () => {
    const view = buildResultsView({
      poll,
      counts: [
        { button: 1, label: 'A', count: 3 },
        { button: 2, label: 'B', count: 0 },
        { button: 3, label: 'C', count: 1 },
      ],
      includeFlagged: false,
      totalWithFlagged: 6,
      grouped: {
        by: 'kiosk',
        rows: [
          { key: 'k1', button: 1, count: 3 },
          { key: 'k2', button: 3, count: 1 },
        ],
      },
    });
    expect(view).toMatchObject({ total: 4, flaggedExcluded: 2, by: 'kiosk' });
    expect(view.poll).toEqual({ id: 7, question: 'Q?', options: ['A', 'B', 'C'], state: 'open', openedAt: '1970-01-01T00:00:00.000Z', closedAt: null });
    expect(view.options.map((o) => o.percent)).toEqual([75, 0, 25]);
    expect(view.groups).toEqual([
      { key: 'k1', total: 3, options: [{ button: 1, label: 'A', count: 3, percent: 100 }, { button: 2, label: 'B', count: 0, percent: 0 }, { button: 3, label: 'C', count: 0, percent: 0 }] },
      { key: 'k2', total: 1, options: [{ button: 1, label: 'A', count: 0, percent: 0 }, { button: 2, label: 'B', count: 0, percent: 0 }, { button: 3, label: 'C', count: 1, percent: 100 }] },
    ]);
  });

  it('has no groups without --by and no flagged-left-out count with includeFlagged', () => {
    const view = buildResultsView({ poll, counts: [], includeFlagged: true, totalWithFlagged: 0 });
    expect(view).toMatchObject({ total: 0, flaggedExcluded: 0 });
    expect(view.options.map((o) => o.count)).toEqual([0, 0, 0]);
    expect('groups' in view).toBe(false);
  });
});
