import type { BucketCount, GroupedCount, PollRecord } from '../store/types.js';
import { percentages, withPercent, type OptionResult } from './results-view.js';
import { localHourKey, zonedParts } from './zoned-time.js';

/**
 * Pure: the reporting that feedback terminals are bought for, from counts the store makes
 * (per kiosk, per 15-minute bucket of press time). Time zones are applied here, not in SQL.
 */

/** Per-kiosk rows regrouped by the kiosks' locations (kiosk ids no longer known: "(removed)"). */
export function groupByLocation(rows: readonly GroupedCount[], locationOf: ReadonlyMap<string, string>): GroupedCount[] {
  const sums = new Map<string, number>();
  for (const r of rows) {
    const location = locationOf.get(r.key);
    const key = `${location === undefined ? '(removed)' : location === '' ? '(no location)' : location}\u0000${r.button}`;
    sums.set(key, (sums.get(key) ?? 0) + r.count);
  }
  return [...sums]
    .map(([k, count]) => {
      const [key, button] = k.split('\u0000') as [string, string];
      return { key, button: Number(button), count };
    })
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.button - b.button));
}

/** 15-minute buckets regrouped by the local hour in `tz`, in time order. */
export function groupByLocalHour(buckets: readonly BucketCount[], tz: string): GroupedCount[] {
  const out = new Map<string, GroupedCount>();
  for (const b of buckets) {
    const key = localHourKey(b.start, tz);
    const id = `${key}\u0000${b.button}`;
    const g = out.get(id) ?? { key, button: b.button, count: 0 };
    g.count += b.count;
    out.set(id, g);
  }
  // Buckets come in time order, so keys appear in time order (buttons are regrouped later).
  return [...out.values()];
}

export interface HeatCell {
  /** 1 = Monday … 7 = Sunday, in the zone asked for. */
  weekday: number;
  hour: number;
  count: number;
  /** Share of option 1 in this cell, percent to one decimal; null when the cell is empty. */
  firstShare: number | null;
}

export interface TrendPoint {
  start: string;
  counts: number[];
}

export interface Insights {
  tz: string;
  heatmap: HeatCell[];
  byLocation: { location: string; total: number; options: OptionResult[] }[];
  trend: TrendPoint[];
  trendBucketMinutes: number;
}

/** Every weekday × hour cell (168), empty ones included, so a heat map is drawn as is. */
export function heatmap(buckets: readonly BucketCount[], tz: string): HeatCell[] {
  const counts = new Array<number>(7 * 24).fill(0);
  const first = new Array<number>(7 * 24).fill(0);
  for (const b of buckets) {
    const p = zonedParts(b.start, tz);
    const i = (p.weekday - 1) * 24 + p.hour;
    counts[i]! += b.count;
    if (b.button === 1) first[i]! += b.count;
  }
  return counts.map((count, i) => ({
    weekday: Math.floor(i / 24) + 1,
    hour: i % 24,
    count,
    firstShare: count === 0 ? null : percentages([first[i]!, count - first[i]!])[0]!,
  }));
}

/** Buckets short enough to show the shape of a day, long enough to keep a month readable. */
export function trendBucketMs(spanMs: number): number {
  if (spanMs <= 2 * 86_400_000) return 15 * 60_000;
  if (spanMs <= 14 * 86_400_000) return 3_600_000;
  return 86_400_000;
}

/** Counts per option over time, every bucket from the first vote to the last (gaps as zeros). */
export function trend(poll: PollRecord, buckets: readonly BucketCount[], bucketMs: number): TrendPoint[] {
  if (buckets.length === 0) return [];
  const byStart = new Map<number, number[]>();
  for (const b of buckets) {
    const start = Math.floor(b.start / bucketMs) * bucketMs;
    const counts = byStart.get(start) ?? new Array<number>(poll.options.length).fill(0);
    if (b.button >= 1 && b.button <= counts.length) counts[b.button - 1]! += b.count;
    byStart.set(start, counts);
  }
  const starts = [...byStart.keys()].sort((a, b) => a - b);
  const out: TrendPoint[] = [];
  for (let t = starts[0]!; t <= starts[starts.length - 1]!; t += bucketMs) {
    out.push({ start: new Date(t).toISOString(), counts: byStart.get(t) ?? new Array<number>(poll.options.length).fill(0) });
  }
  return out;
}

export function buildInsights(poll: PollRecord, input: { tz: string; buckets: readonly BucketCount[]; byKiosk: readonly GroupedCount[]; locationOf: ReadonlyMap<string, string> }): Insights {
  const first = input.buckets[0]?.start ?? 0;
  const last = input.buckets[input.buckets.length - 1]?.start ?? 0;
  const bucketMs = trendBucketMs(last - first);
  const locations = groupByLocation(input.byKiosk, input.locationOf);
  const byLocation = [...new Set(locations.map((r) => r.key))].map((location) => {
    const counts = new Map(locations.filter((r) => r.key === location).map((r) => [r.button, r.count]));
    return { location, ...withPercent(poll, (b) => counts.get(b) ?? 0) };
  });
  return {
    tz: input.tz,
    heatmap: heatmap(input.buckets, input.tz),
    byLocation,
    trend: trend(poll, input.buckets, bucketMs),
    trendBucketMinutes: bucketMs / 60_000,
  };
}
