/**
 * Capped exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
 * Jitter"). When a server restarts, every kiosk loses its connection in the same instant; a fixed
 * or merely exponential delay would bring the whole fleet back in the same millisecond, again and
 * again. Drawing each delay uniformly from [floor, ceiling) spreads them out.
 */

export interface BackoffOptions {
  /** Ceiling of the first delay. */
  baseMs: number;
  /** The ceiling never grows beyond this. */
  capMs: number;
  /**
   * Smallest delay. Default 0 (pure full jitter). A positive floor keeps a kiosk whose secret was
   * refused from knocking more often than that, while still jittering above it.
   */
  minMs?: number;
  /** Uniform in [0, 1); injectable so tests are deterministic. */
  random?: () => number;
}

/** Reconnecting after a network failure: first retry within 0.5 s, never more than 30 s apart. */
export const DEFAULT_BACKOFF: Readonly<Required<Omit<BackoffOptions, 'random'>>> = { baseMs: 500, capMs: 30_000, minMs: 0 };

/**
 * Reconnecting after the server refused our credentials: an organiser may fix the secret or
 * re-register the kiosk at any time, so never give up, but do not hammer the server either.
 */
export const AUTH_FAILURE_BACKOFF: Readonly<Required<Omit<BackoffOptions, 'random'>>> = {
  baseMs: 30_000,
  capMs: 5 * 60_000,
  minMs: 15_000,
};

/**
 * Reconnecting after PV_KIOSK_ID_CONFLICT (another device uses this kiosk id): nothing changes
 * until a person re-provisions one of the devices, so wait minutes, not seconds. The cap stays
 * below the server's hold (10 min), so two clones keep being refused instead of taking turns.
 */
export const ID_CONFLICT_BACKOFF: Readonly<Required<Omit<BackoffOptions, 'random'>>> = {
  baseMs: 2 * 60_000,
  capMs: 5 * 60_000,
  minMs: 60_000,
};

/** 2^30 * base is far beyond any cap; clamping the exponent keeps the arithmetic finite. */
const MAX_EXPONENT = 30;

/** The ceiling for a given attempt (0-based): min(cap, base * 2^attempt), at least the floor. */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  const exp = Math.min(Math.max(0, Math.floor(attempt)), MAX_EXPONENT);
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** exp);
  return Math.max(ceiling, options.minMs ?? 0);
}

/** One delay for a given attempt: uniform in [minMs, ceiling), whole ms. */
export function jitteredDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const floor = options.minMs ?? 0;
  const ceiling = backoffCeiling(attempt, options);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.floor(floor + r * (ceiling - floor)), Math.max(floor, ceiling - 1));
}

/** The stateful counter the reconnect loop holds: `next()` after each failure, `reset()` on welcome. */
export class Backoff {
  private readonly options: BackoffOptions;
  private readonly random: () => number;
  private attempt = 0;

  constructor(options: BackoffOptions = DEFAULT_BACKOFF) {
    if (!(options.baseMs > 0) || !(options.capMs >= options.baseMs) || (options.minMs ?? 0) < 0) {
      throw new RangeError('backoff needs 0 < baseMs <= capMs and minMs >= 0');
    }
    this.options = options;
    this.random = options.random ?? Math.random;
  }

  /** Failures since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  next(): number {
    const delay = jitteredDelay(this.attempt, this.options, this.random);
    this.attempt += 1;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}
