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

/** Presses kept per kiosk (at least maxVotes: votes arriving in press order then never need
 *  the database). */
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
    private perKiosk: number = DEFAULT_PRESSES_PER_KIOSK,
  ) {
    if (!(perKiosk >= 1)) throw new Error(`perKiosk must be at least 1, got ${perKiosk}`);
  }

  /** Keeps at least `n` presses per kiosk from now on (a policy with a larger maxVotes). */
  keepAtLeast(n: number): void {
    if (n > this.perKiosk) this.perKiosk = n;
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
      // Forget the oldest press; the floor rises to its time, so the invariant (everything
      // stored above the floor is here) still holds. Other presses at that same time stay:
      // they are stored presses, so counting them is right, and a kiosk whose votes share one
      // millisecond (a full window in one packet) keeps being judged from memory.
      k.floor = t[0]!;
      t.shift();
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
