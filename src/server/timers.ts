/**
 * The timer functions the server uses, injectable so tests can drive deadlines. The defaults look
 * the globals up at call time, so vitest fake timers installed after the server was created apply.
 */
export type TimerHandle = unknown;

export interface Timers {
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
  /** Runs fn after the I/O of the current event-loop turn: the group committer's "tick". */
  setImmediate(fn: () => void): TimerHandle;
}

type NodeHandle = { unref?: () => unknown };

function unref<T>(handle: T): T {
  (handle as NodeHandle | undefined)?.unref?.();
  return handle;
}

/** Global timers; intervals and timeouts are unref'd: the listener, not a watcher, keeps a server alive. */
export const realTimers: Timers = {
  setTimeout: (fn, ms) => unref(setTimeout(fn, ms)),
  clearTimeout: (h) => clearTimeout(h as Parameters<typeof clearTimeout>[0]),
  setInterval: (fn, ms) => unref(setInterval(fn, ms)),
  clearInterval: (h) => clearInterval(h as Parameters<typeof clearInterval>[0]),
  setImmediate: (fn) => setImmediate(fn),
};

/** Monotonic milliseconds for deadlines: a wall-clock jump must not time out every connection. */
export function monotonicNow(): number {
  return performance.now();
}
