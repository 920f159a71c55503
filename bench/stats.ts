/**
 * Pure statistics for the bench: latency samples, percentiles and medians across runs.
 * Percentiles use the nearest-rank method on all samples (no histogram bucketing), so a p99 of
 * 300,000 samples is an observed latency, not an interpolation.
 */

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export const EMPTY_SUMMARY: Readonly<LatencySummary> = Object.freeze({ count: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 });

/** Nearest-rank percentile of ascending `sorted`; p in [0, 100]. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Percentiles over the samples of several recorders (one per generator process) together. */
export function summarizeAll(parts: readonly Float64Array[]): LatencySummary {
  const all = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return summarize(all);
}

export function summarize(samples: Float64Array): LatencySummary {
  if (samples.length === 0) return { ...EMPTY_SUMMARY };
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
    mean: sum / sorted.length,
  };
}

/** Middle value (mean of the two middle ones for an even count); NaN for none. */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = v.length >> 1;
  return v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Field-wise median of several summaries (each field its own median; count summed). */
export function medianSummary(runs: readonly LatencySummary[]): LatencySummary {
  if (runs.length === 0) return { ...EMPTY_SUMMARY };
  return {
    count: runs.reduce((n, r) => n + r.count, 0),
    p50: median(runs.map((r) => r.p50)),
    p95: median(runs.map((r) => r.p95)),
    p99: median(runs.map((r) => r.p99)),
    max: median(runs.map((r) => r.max)),
    mean: median(runs.map((r) => r.mean)),
  };
}

/** a / b, or null when either side is missing or b is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

/** The median of a[i] / b[i] over runs made one after the other: drift of the machine between
 *  pairs cancels out, which a ratio of medians does not do. Null without both sides. */
export function pairedRatio<S>(a: readonly S[] | undefined, b: readonly S[] | undefined, value: (s: S) => number | null | undefined): number | null {
  if (!a || !b) return null;
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const r = ratio(value(a[i]!), value(b[i]!));
    if (r !== null) ratios.push(r);
  }
  return ratios.length === 0 ? null : median(ratios);
}

/** Append-only sample store without per-sample allocation (grows by doubling). */
export class LatencyRecorder {
  private buf = new Float64Array(4096);
  private n = 0;

  get count(): number {
    return this.n;
  }

  add(ms: number): void {
    if (this.n === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = ms;
  }

  summary(): LatencySummary {
    return summarize(this.buf.subarray(0, this.n));
  }

  /** A copy of the samples (to send to another process, whose samples are merged with these). */
  samples(): Float64Array {
    return this.buf.slice(0, this.n);
  }

  reset(): void {
    this.n = 0;
  }
}

/**
 * Field-wise median of several results of the same shape: numbers take their median, nested
 * objects recurse, anything else (strings, nulls) is taken from the first.
 */
export function medianOf<T>(items: readonly T[]): T {
  const first = items[0];
  if (first === undefined) throw new Error('medianOf needs at least one item');
  if (typeof first === 'number') return median(items as unknown as number[]) as unknown as T;
  if (first === null || typeof first !== 'object' || Array.isArray(first)) return first;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(first)) {
    const values = items.map((i) => (i as Record<string, unknown>)[key]);
    const present = values.filter((v) => v !== null && v !== undefined);
    out[key] = present.length === 0 ? values[0] : medianOf(present);
  }
  return out as T;
}
