import type { GroupedCount, OptionCount, PollRecord } from '../store/types.js';

/**
 * Pure: turns the store's counts into what `pivote results`, the API and the dashboard show.
 * No I/O, no clock.
 *
 * Percentage rule (largest remainder, to one decimal place): every option first gets its exact
 * share rounded DOWN to a tenth of a percent; the tenths still missing to reach 100.0 go one
 * each to the options with the largest remainders. Equal counts always show equal percentages:
 * options with the same remainder get the extra tenth together or not at all, whichever brings
 * the total nearer 100.0. So the shown percentages add up to exactly 100.0 unless equal counts
 * cannot share the last tenths (three equal counts: 33.3 each, 99.9 in all), no option is ever
 * more than 0.1 away from its exact share, and an option with no votes always shows 0.
 * With no votes counted every option shows 0.
 */
export function percentages(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return counts.map(() => 0);
  const SCALE = 1000; // tenths of a percent in 100 %
  const tenths = counts.map((c) => Math.floor((c * SCALE) / total));
  // Options with equal counts, grouped; groups by remainder, largest first (ties: lower button
  // first). A zero remainder never needs a tenth.
  const groups = new Map<number, number[]>();
  counts.forEach((c, i) => {
    if ((c * SCALE) % total > 0) groups.set(c, [...(groups.get(c) ?? []), i]);
  });
  const order = [...groups.entries()].sort(([a, ga], [b, gb]) => (b * SCALE) % total - (a * SCALE) % total || ga[0]! - gb[0]!);
  let missing = SCALE - tenths.reduce((a, b) => a + b, 0);
  for (const [, group] of order) {
    if (missing <= 0) break;
    // The whole group, or none of it if giving all overshoots 100.0 by more than it falls short.
    if (group.length > missing && 2 * missing < group.length) break;
    for (const i of group) tenths[i] = (tenths[i] ?? 0) + 1;
    missing -= group.length;
  }
  return tenths.map((t) => t / 10);
}

export type ResultsGrouping = 'kiosk' | 'location' | 'hour';

export interface OptionResult {
  button: number;
  label: string;
  count: number;
  percent: number;
}

export interface GroupResult {
  /** Kiosk id, location, or the local hour (`2026-12-04T11:00+01:00`). */
  key: string;
  total: number;
  options: OptionResult[];
}

export interface ResultsView {
  /** Times as ISO strings (UTC), as in every JSON the CLI prints. */
  poll: { id: number; question: string; options: string[]; state: PollRecord['state']; openedAt: string | null; closedAt: string | null };
  includeFlagged: boolean;
  /** Votes counted (flagged ones only with includeFlagged). */
  total: number;
  /** Flagged votes left out of `total`; 0 when includeFlagged. */
  flaggedExcluded: number;
  options: OptionResult[];
  by?: ResultsGrouping;
  groups?: GroupResult[];
}

export interface ResultsInput {
  poll: PollRecord;
  counts: readonly OptionCount[];
  includeFlagged: boolean;
  /** Total including flagged votes, to report how many were left out. */
  totalWithFlagged: number;
  grouped?: { by: ResultsGrouping; rows: readonly GroupedCount[] };
}

export function withPercent(poll: PollRecord, countOf: (button: number) => number): { total: number; options: OptionResult[] } {
  const counts = poll.options.map((_, i) => countOf(i + 1));
  const pct = percentages(counts);
  return {
    total: counts.reduce((a, b) => a + b, 0),
    options: poll.options.map((label, i) => ({ button: i + 1, label, count: counts[i] ?? 0, percent: pct[i] ?? 0 })),
  };
}

export function buildResultsView(input: ResultsInput): ResultsView {
  const { poll } = input;
  const overall = withPercent(poll, (b) => input.counts.find((c) => c.button === b)?.count ?? 0);
  const view: ResultsView = {
    poll: {
      id: poll.id,
      question: poll.question,
      options: [...poll.options],
      state: poll.state,
      openedAt: poll.openedAt === null ? null : new Date(poll.openedAt).toISOString(),
      closedAt: poll.closedAt === null ? null : new Date(poll.closedAt).toISOString(),
    },
    includeFlagged: input.includeFlagged,
    total: overall.total,
    flaggedExcluded: input.includeFlagged ? 0 : Math.max(0, input.totalWithFlagged - overall.total),
    options: overall.options,
  };
  if (input.grouped) {
    // Rows arrive in the order to show; keep it and fill every option, zero included.
    const byKey = new Map<string, Map<number, number>>();
    for (const r of input.grouped.rows) {
      const m = byKey.get(r.key) ?? new Map<number, number>();
      m.set(r.button, (m.get(r.button) ?? 0) + r.count);
      byKey.set(r.key, m);
    }
    view.by = input.grouped.by;
    view.groups = [...byKey].map(([key, m]) => ({ key, ...withPercent(poll, (b) => m.get(b) ?? 0) }));
  }
  return view;
}
