import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildResultsView, percentages } from '../../src/cli/results-view.js';
import type { PollRecord } from '../../src/store/types.js';

describe('percentages (largest remainder, 0.1 steps)', () => {
  it.each([
    [[1, 1, 1], [33.4, 33.3, 33.3]],
    [[2, 1], [66.7, 33.3]],
    [[1, 2], [33.3, 66.7]],
    [[1, 1, 1, 0], [33.4, 33.3, 33.3, 0]],
    [[0, 0, 0], [0, 0, 0]],
    [[5, 0], [100, 0]],
    [[1, 1, 1, 1, 1, 1, 1], [14.3, 14.3, 14.3, 14.3, 14.3, 14.3, 14.2]],
  ])('%j → %j', (counts, expected) => {
    expect(percentages(counts)).toEqual(expected);
  });

  it('adds up to exactly 100.0, stays within 0.1 of the exact share, and gives 0 to 0 votes', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 1_000_000 }), { minLength: 2, maxLength: 8 }), (counts) => {
        const total = counts.reduce((a, b) => a + b, 0);
        const p = percentages(counts);
        const tenths = p.map((x) => Math.round(x * 10));
        expect(tenths.every((t, i) => Math.abs(t / 10 - (p[i] ?? NaN)) < 1e-9)).toBe(true);
        expect(tenths.reduce((a, b) => a + b, 0)).toBe(total === 0 ? 0 : 1000);
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
  const poll: PollRecord = { id: 7, question: 'Q?', options: ['A', 'B', 'C'], state: 'open', openedAt: 0, closedAt: null };

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
    expect(view.poll).toEqual({ id: 7, question: 'Q?', state: 'open', openedAt: '1970-01-01T00:00:00.000Z', closedAt: null });
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
