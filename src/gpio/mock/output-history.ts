import type { Bit } from '../types.js';

/**
 * Pure helpers to assert LED patterns from a recorded output history, so a test reads as
 * "blinks 100/100" rather than as a list of timestamps.
 */

export interface HistoryEntry {
  /** Milliseconds since the mock was created (or its history last cleared). */
  atMs: number;
  /** Logical value after the change (1 = LED lit). */
  value: Bit;
}

export interface Segment {
  value: Bit;
  startMs: number;
  /** Undefined for the last segment, which is still running. */
  durationMs: number | undefined;
}

/** Run-length view: how long the output stayed at each value. */
export function segments(history: readonly HistoryEntry[]): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i < history.length; i++) {
    const entry = history[i] as HistoryEntry;
    const next = history[i + 1];
    out.push({
      value: entry.value,
      startMs: entry.atMs,
      durationMs: next === undefined ? undefined : next.atMs - entry.atMs,
    });
  }
  return out;
}

/** Time between consecutive switch-ons, averaged; undefined until it has switched on twice. */
export function blinkPeriodMs(history: readonly HistoryEntry[]): number | undefined {
  const onsets = history.filter((e, i) => e.value === 1 && i > 0 && history[i - 1]?.value === 0);
  if (onsets.length < 2) return undefined;
  const first = onsets[0] as HistoryEntry;
  const last = onsets[onsets.length - 1] as HistoryEntry;
  return (last.atMs - first.atMs) / (onsets.length - 1);
}

export interface PatternStep {
  value: Bit;
  ms: number;
}

export interface MatchOptions {
  /** Allowed difference per step, in ms. Default 0.5 (fake timers are exact). */
  toleranceMs?: number;
  /** How many complete repetitions of `steps` must be present. Default 1. */
  minCycles?: number;
}

/**
 * Whether the closed segments of the history, starting at the first segment whose value equals
 * `steps[0].value`, repeat `steps` at least `minCycles` times. Segments after the last complete
 * cycle may be a partial cycle but must agree with the pattern as far as they go.
 */
export function matchesPattern(
  history: readonly HistoryEntry[],
  steps: readonly PatternStep[],
  options: MatchOptions = {},
): boolean {
  const tolerance = options.toleranceMs ?? 0.5;
  const minCycles = options.minCycles ?? 1;
  const firstStep = steps[0];
  if (firstStep === undefined) return false;
  const all = segments(history);
  const start = all.findIndex((s) => s.value === firstStep.value);
  if (start < 0) return false;
  const closed = all.slice(start).filter((s) => s.durationMs !== undefined);
  for (let i = 0; i < closed.length; i++) {
    const seg = closed[i] as Segment;
    const step = steps[i % steps.length] as PatternStep;
    if (seg.value !== step.value || Math.abs((seg.durationMs as number) - step.ms) > tolerance) return false;
  }
  return closed.length >= steps.length * minCycles;
}
