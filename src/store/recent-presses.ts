/**
 * The repeated-press rule answered from memory: a vote is flagged when its kiosk already has
 * at least `maxVotes` stored votes pressed in [pressedAt - windowMs, pressedAt] (both ends
 * included). Asking the database this for every vote cost an index keyed by kiosk, one page per
 * kiosk per commit (docs/PERFORMANCE.md); the press times it needs are few and recent.
 *
 * For each kiosk this holds a sorted list of press times and a `floor`, with one invariant:
 * **every stored press of the kiosk later than `floor` is in the list**. A verdict drawn from
 * the list is then exact whenever the window lies above the floor, or when the list alone
 * already holds `maxVotes` presses in the window. Otherwise (a vote pressed long before the
 * kiosk's latest presses, e.g. delivered hours late) `judge` answers `undefined` and the caller
 * asks the database. Pure: no I/O, no clock.
 */

/** Presses kept per kiosk. Votes arriving in press order never need more than maxVotes. */
export const DEFAULT_PRESSES_PER_KIOSK = 32;

interface KioskPresses {
  /** Ascending press times of stored votes, all > floor. */
  times: number[];
  /** Every stored press later than this is in `times`. */
  floor: number;
}

/** Index of the first element of ascending `a` that is >= x (or > x when `after`). */
function bound(a: readonly number[], x: number, after: boolean): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x || (after && a[mid] === x)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class RecentPresses {
  private readonly kiosks = new Map<string, KioskPresses>();

  /**
   * @param floor every stored press later than this is about to be `load`ed: the same floor
   *   for every kiosk, including kiosks not seen yet.
   * @param perKiosk most press times kept for one kiosk (at least 1).
   */
  constructor(
    private readonly floor: number,
    private readonly perKiosk: number = DEFAULT_PRESSES_PER_KIOSK,
  ) {
    if (!(perKiosk >= 1)) throw new Error(`perKiosk must be at least 1, got ${perKiosk}`);
  }

  /** Kiosks with press times held, and press times held (for tests and memory figures). */
  get size(): { kiosks: number; presses: number } {
    let presses = 0;
    for (const k of this.kiosks.values()) presses += k.times.length;
    return { kiosks: this.kiosks.size, presses };
  }

  /**
   * Whether a press at `pressedAt` is flagged; `undefined` when the window reaches below what
   * memory holds for this kiosk and memory alone cannot say (ask the database).
   */
  judge(kioskId: string, pressedAt: number, windowMs: number, maxVotes: number): boolean | undefined {
    if (maxVotes <= 0) return true;
    const k = this.kiosks.get(kioskId);
    const floor = k?.floor ?? this.floor;
    const from = pressedAt - windowMs;
    // Presses in [from, pressedAt] that memory holds: all of them when from > floor.
    if (k !== undefined && bound(k.times, pressedAt, true) - bound(k.times, from, false) >= maxVotes) return true;
    return from > floor ? false : undefined;
  }

  /** A vote was stored (or found stored at start): its press counts from now on. */
  add(kioskId: string, pressedAt: number): void {
    let k = this.kiosks.get(kioskId);
    if (k === undefined) {
      k = { times: [], floor: this.floor };
      this.kiosks.set(kioskId, k);
    }
    if (pressedAt <= k.floor) return; // below what memory answers for: the database holds it
    const t = k.times;
    if (t.length === 0 || pressedAt >= t[t.length - 1]!) t.push(pressedAt);
    else t.splice(bound(t, pressedAt, true), 0, pressedAt);
    if (t.length > this.perKiosk) {
      // Forget the oldest press time and every copy of it; the floor rises to it, so the
      // invariant (everything stored above the floor is here) still holds.
      const oldest = t[0]!;
      k.floor = oldest;
      t.splice(0, bound(t, oldest, true));
    }
  }

  /** Undoes `add` for a vote whose transaction rolled back (it is not stored after all). */
  remove(kioskId: string, pressedAt: number): void {
    const k = this.kiosks.get(kioskId);
    if (k === undefined) return;
    const i = bound(k.times, pressedAt, false);
    if (k.times[i] === pressedAt) k.times.splice(i, 1);
  }
}
