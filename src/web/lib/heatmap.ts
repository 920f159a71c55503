import type { HeatCell } from '../api/types.js';

/** The 7 × 24 grid of the insights heat map (pure: the page only draws it). */

export type HeatMode = 'votes' | 'share';

export interface HeatGridCell {
  weekday: number;
  hour: number;
  count: number;
  firstShare: number | null;
  /** 0 (empty or lowest) to 1 (the busiest cell / a 100 % share). */
  level: number;
}

/** Rows Monday (1) to Sunday (7), columns 0–23; cells the server did not send are empty. */
export function heatGrid(cells: readonly HeatCell[], mode: HeatMode): HeatGridCell[][] {
  const byKey = new Map(cells.map((c) => [`${c.weekday}:${c.hour}`, c]));
  const max = Math.max(0, ...cells.map((c) => c.count));
  const rows: HeatGridCell[][] = [];
  for (let weekday = 1; weekday <= 7; weekday++) {
    const row: HeatGridCell[] = [];
    for (let hour = 0; hour < 24; hour++) {
      const c = byKey.get(`${weekday}:${hour}`);
      const count = c?.count ?? 0;
      const firstShare = count > 0 ? (c?.firstShare ?? null) : null;
      const level = mode === 'votes' ? (max > 0 ? count / max : 0) : firstShare === null ? 0 : firstShare / 100;
      row.push({ weekday, hour, count, firstShare, level });
    }
    rows.push(row);
  }
  return rows;
}

/** Opening hours of a typical venue: always shown, so one busy hour still reads as a day. */
export const DAY_HOURS = { from: 8, to: 20 } as const;

/** The hours worth showing: the day's usual hours, widened to every hour that has votes. */
export function busyHours(cells: readonly HeatCell[]): { from: number; to: number } {
  const hours = cells.filter((c) => c.count > 0).map((c) => c.hour);
  return { from: Math.min(DAY_HOURS.from, ...hours), to: Math.max(DAY_HOURS.to, ...hours) };
}
