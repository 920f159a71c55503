import { segments, type HistoryEntry, type LedPattern, type PatternStep, type Segment } from '../../src/gpio/index.js';

/**
 * Finds an answer pattern in an LED's output history. The kiosk frames answers with dark pauses
 * and returns to the idle display afterwards, so the pattern is looked for as a run of segments
 * anywhere in the history, its final "off" step allowed to run longer (it merges with the pause).
 */

export function unrolledSteps(pattern: LedPattern): PatternStep[] {
  if (pattern.kind === 'steady') return [{ value: pattern.on ? 1 : 0, ms: 0 }];
  const repeat = pattern.repeat === 'forever' ? 1 : pattern.repeat;
  const out: PatternStep[] = [];
  for (let i = 0; i < repeat; i++) out.push(...pattern.steps.map((s) => ({ value: s.on ? (1 as const) : (0 as const), ms: s.ms })));
  return out;
}

/** Segments with zero-length blips dropped and equal neighbours merged. */
export function visibleSegments(history: readonly HistoryEntry[]): Segment[] {
  const out: Segment[] = [];
  for (const seg of segments(history)) {
    if (seg.durationMs === 0) continue;
    const last = out.at(-1);
    if (last && last.value === seg.value) {
      last.durationMs = last.durationMs === undefined || seg.durationMs === undefined ? undefined : last.durationMs + seg.durationMs;
    } else {
      out.push({ ...seg });
    }
  }
  return out;
}

export interface PlayOptions {
  /** Only look at history from this time on. */
  fromMs?: number;
  /** Per-step tolerance; 0.5 for fake timers, tens of ms for real processes. */
  toleranceMs?: number;
}

export function playsPattern(history: readonly HistoryEntry[], pattern: LedPattern, options: PlayOptions = {}): boolean {
  const tolerance = options.toleranceMs ?? 0.5;
  const from = options.fromMs ?? -Infinity;
  const segs = visibleSegments(history.filter((e) => e.atMs >= from));
  const steps = unrolledSteps(pattern);
  for (let start = 0; start + steps.length <= segs.length; start++) {
    const ok = steps.every((step, j) => {
      const seg = segs[start + j] as Segment;
      if (seg.value !== step.value) return false;
      const last = j === steps.length - 1;
      if (seg.durationMs === undefined) return last && step.value === 0;
      if (last && step.value === 0) return seg.durationMs >= step.ms - tolerance;
      return Math.abs(seg.durationMs - step.ms) <= tolerance;
    });
    if (ok) return true;
  }
  return false;
}
