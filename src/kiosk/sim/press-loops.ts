import type { TimerHandle, Timers } from '../clock/timers.js';
import { planPress, seededRandom, type KioskSlot } from './press-plan.js';
import { KioskVisitors, type VisitorModel } from './visitors.js';

/**
 * The two ways the simulator decides when to press which kiosk's button: like people (each
 * kiosk its own queue of voters, see visitors.ts) or at a fixed total rate (load). Both run on
 * the injected timers and stop when `shouldStop` says so.
 */

export interface LoopKiosk {
  /** Options of the poll the kiosk shows now; 0 = none (it cannot take a vote). */
  options(): number;
  readonly slot: KioskSlot;
}

export interface PressLoopDeps<K extends LoopKiosk> {
  kiosks: readonly K[];
  timers: Timers;
  /** Monotonic ms. */
  now: () => number;
  /** Checked before every press and whenever the loop wakes. */
  shouldStop: (nowMs: number) => boolean;
  /** Latest moment the loop must wake to check `shouldStop` (a duration's end), if any. */
  deadlineMs?: number;
  signal?: AbortSignal;
  press: (kiosk: K, button: number, nowMs: number) => void;
  /** A press was due but its kiosk could not take it (no poll, or still locked out). */
  skipped: () => void;
}

/** Runs `step` now and again at the time it returns, until it returns undefined; wakes early on abort. */
function loop(deps: Pick<PressLoopDeps<LoopKiosk>, 'timers' | 'now' | 'signal'>, step: () => number | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let handle: TimerHandle | undefined;
    let finished = false;
    const finish = (err?: Error): void => {
      if (finished) return;
      finished = true;
      if (handle !== undefined) deps.timers.clearTimeout(handle);
      deps.signal?.removeEventListener('abort', wake);
      if (err) reject(err);
      else resolve();
    };
    const wake = (): void => {
      if (finished) return;
      if (handle !== undefined) deps.timers.clearTimeout(handle);
      handle = undefined;
      let next: number | undefined;
      try {
        next = step();
      } catch (err) {
        finish(err as Error);
        return;
      }
      if (next === undefined) finish();
      else handle = deps.timers.setTimeout(wake, Math.max(0, next - deps.now()));
    };
    deps.signal?.addEventListener('abort', wake);
    wake();
  });
}

/** People at kiosks: each kiosk takes its next voter when one is due. */
export function pressLikePeople<K extends LoopKiosk>(deps: PressLoopDeps<K>, model: VisitorModel, lockoutMs: number, random: () => number): Promise<void> {
  const started = deps.now();
  // One random stream per kiosk, seeded in kiosk order: a seed gives each kiosk the same people
  // whatever order timers fire in.
  const queues = deps.kiosks.map(() => new KioskVisitors(model, lockoutMs, seededRandom(Math.floor(random() * 2 ** 32)), started));
  return loop(deps, () => {
    let t = deps.now();
    for (let i = 0; i < queues.length; i++) {
      const queue = queues[i]!;
      const kiosk = deps.kiosks[i]!;
      while (queue.nextAtMs <= t) {
        if (deps.shouldStop(t)) return undefined;
        const options = kiosk.options();
        if (options === 0) {
          // No poll on this kiosk now: this person walks away without voting.
          queue.take(1, t);
          deps.skipped();
          continue;
        }
        const visit = queue.take(options, t);
        kiosk.slot.lastPressMs = t;
        deps.press(kiosk, visit.button, t);
        t = deps.now();
      }
    }
    if (deps.shouldStop(t)) return undefined;
    const next = Math.min(...queues.map((q) => q.nextAtMs));
    return deps.deadlineMs === undefined ? next : Math.min(next, deps.deadlineMs);
  });
}

/** Load at a fixed total rate: each tick presses a random kiosk whose lockout is over. */
export function pressAtRate<K extends LoopKiosk>(deps: PressLoopDeps<K>, rate: number, spacingMs: number, random: () => number): Promise<void> {
  const started = deps.now();
  let tick = 0;
  return loop(deps, () => {
    const t = deps.now();
    if (deps.shouldStop(t)) return undefined;
    for (const k of deps.kiosks) k.slot.options = k.options();
    const plan = planPress(deps.kiosks.map((k) => k.slot), t, spacingMs, random);
    if (plan === undefined) deps.skipped();
    else {
      const kiosk = deps.kiosks[plan.kiosk]!;
      kiosk.slot.lastPressMs = t;
      deps.press(kiosk, plan.button, t);
    }
    tick++;
    // Scheduled from the start time, so timer lateness does not lower the rate.
    return started + (tick * 1000) / rate;
  });
}
