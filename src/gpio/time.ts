import type { Clock } from './types.js';

/**
 * Looks `process.hrtime.bigint` up on every call rather than capturing it at import, so that
 * vitest's fake timers (which replace it) drive the same clock as the fake setTimeout.
 */
export const monotonicClock: Clock = () => process.hrtime.bigint();

export type TimerHandle = unknown;

/** What devices need from the timer API; injectable so tests can pass fakes. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Global timers, looked up lazily for the same reason as `monotonicClock`. */
export const systemTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function nsToMs(ns: bigint): number {
  return Number(ns) / 1e6;
}

export function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms * 1e6));
}
