/**
 * The simulator's choices as pure functions: a seeded random source, which kiosk presses next
 * and which button. Time is passed in, so the schedule is testable without timers.
 */

/** mulberry32: tiny, fast, good enough to pick buttons; the same seed gives the same choices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface KioskSlot {
  /** Options of the poll the kiosk knows; 0 = none (it cannot take a vote). */
  options: number;
  /** When its last press happened (ms), or undefined. */
  lastPressMs: number | undefined;
}

export interface PlannedPress {
  kiosk: number;
  button: number;
}

/**
 * A random kiosk that can take a vote now (knows a poll and its previous press is at least
 * `spacingMs` ago, so its lockout is over) and a random option; undefined if none is free.
 */
export function planPress(slots: readonly KioskSlot[], nowMs: number, spacingMs: number, random: () => number): PlannedPress | undefined {
  const free: number[] = [];
  slots.forEach((s, i) => {
    if (s.options > 0 && (s.lastPressMs === undefined || nowMs - s.lastPressMs >= spacingMs)) free.push(i);
  });
  if (free.length === 0) return undefined;
  const kiosk = free[Math.floor(random() * free.length)] as number;
  const options = (slots[kiosk] as KioskSlot).options;
  return { kiosk, button: 1 + Math.floor(random() * options) };
}

/** The most presses per second `kiosks` kiosks can take when each waits `spacingMs` between presses. */
export function capacityPerSecond(kiosks: number, spacingMs: number): number {
  return (kiosks * 1000) / spacingMs;
}
