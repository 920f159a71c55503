import { createRng, type Rng } from './random.js';

/**
 * A fault schedule: timed actions against the servers (one on SQLite, or `servers` on one
 * PostgreSQL), `kiosks` kiosks and the proxy in front of each kiosk — and, with several servers,
 * the database itself (stopped and restarted) and each server's connections to it (cut). Pure: `generateSchedule(seed)` always yields the same actions, so a failing seed
 * replays the same presses and faults at the same offsets (the processes' own timing still varies).
 *
 * Kiosks are numbered 0..kiosks-1; buttons 1..buttons. Times are ms from the start of the fault
 * phase. Directions are as the proxy sees them: `toServer` = kiosk -> server bytes.
 */

export type FaultKind = 'killServer' | 'killKiosk' | 'cut' | 'cutAfterAck' | 'delay' | 'stall' | 'partition' | 'rotatePoll' | 'restartDb' | 'cutDb';
export const FAULT_KINDS: readonly FaultKind[] = ['killServer', 'killKiosk', 'cut', 'cutAfterAck', 'delay', 'stall', 'partition', 'rotatePoll', 'restartDb', 'cutDb'];
/** Faults of the shared database: only in a cluster (servers > 1). */
export const DATABASE_FAULT_KINDS: readonly FaultKind[] = ['restartDb', 'cutDb'];

/** The kinds a schedule with `servers` servers can hold. */
export function faultKindsFor(servers: number): FaultKind[] {
  return FAULT_KINDS.filter((k) => servers > 1 || !DATABASE_FAULT_KINDS.includes(k));
}

/** Mostly SIGKILL (the crash we must survive); sometimes SIGTERM, to exercise the graceful stop. */
export type StopSignal = 'SIGKILL' | 'SIGTERM';

export type Action =
  | { atMs: number; kind: 'press'; kiosk: number; button: number }
  /** Stop server `server` with `signal`; start it again `downMs` after it has exited. */
  | { atMs: number; kind: 'killServer'; server: number; signal: StopSignal; downMs: number }
  /** Stop one kiosk with `signal`; start it again (same data dir) `downMs` after it has exited. */
  | { atMs: number; kind: 'killKiosk'; signal: StopSignal; kiosk: number; downMs: number }
  /** Cut that kiosk's connection after `afterBytes` more bytes in `direction` (RST if `reset`). */
  | { atMs: number; kind: 'cut'; kiosk: number; direction: 'toServer' | 'toKiosk'; afterBytes: number; reset: boolean }
  /** At the next `ack` to that kiosk (the server has committed the vote): pass `keepFraction` of
   *  the ack frame's bytes (0 = none), then cut. */
  | { atMs: number; kind: 'cutAfterAck'; kiosk: number; keepFraction: number; reset: boolean }
  /** Hold every chunk on that kiosk's link for `latencyMs`, for `forMs`. */
  | { atMs: number; kind: 'delay'; kiosk: number; latencyMs: number; forMs: number }
  /** Forward nothing on that kiosk's link for `forMs` (both directions), then everything held. */
  | { atMs: number; kind: 'stall'; kiosk: number; forMs: number }
  /** Cut that kiosk's connection and refuse new ones for `forMs` (its network is gone). */
  | { atMs: number; kind: 'partition'; kiosk: number; forMs: number }
  /** Close the open poll (`pivote poll close`), wait `gapMs`, open a new one (`pivote poll open`). */
  | { atMs: number; kind: 'rotatePoll'; gapMs: number }
  /** Stop the database (`pg_ctl stop -m mode`: fast ends sessions, immediate is a crash), start it `downMs` later. */
  | { atMs: number; kind: 'restartDb'; mode: 'fast' | 'immediate'; downMs: number }
  /** Cut server `server`'s connections to the database (RST if `reset`); refuse new ones for `forMs` (0: a cut only). */
  | { atMs: number; kind: 'cutDb'; server: number; forMs: number; reset: boolean };

export type ActionKind = Action['kind'];

export interface ScheduleOptions {
  kiosks: number;
  /** 1: one server on SQLite. More: that many servers on one PostgreSQL, with database faults. */
  servers: number;
  /** Length of the fault phase; every action starts (and every restart is due) within it. */
  durationMs: number;
  /** Options of every poll (the kiosk's default wiring has 4 buttons). */
  buttons: number;
  /** Time between two presses on one kiosk, [min, max]; keep min above the kiosk's lockout + 100 ms hold. */
  pressGapMs: readonly [number, number];
  /** How many of each fault per 10 s of schedule, [min, max] (fractions allowed). */
  faultsPer10s: Readonly<Record<FaultKind, readonly [number, number]>>;
}

export const DEFAULT_SCHEDULE_OPTIONS: Readonly<ScheduleOptions> = Object.freeze<ScheduleOptions>({
  kiosks: 5,
  servers: 1,
  durationMs: 10_000,
  buttons: 4,
  pressGapMs: [250, 900],
  faultsPer10s: {
    killServer: [0.6, 1.6],
    killKiosk: [1, 2],
    cut: [3, 6],
    cutAfterAck: [2, 4],
    delay: [1, 2],
    stall: [1, 2],
    partition: [0.5, 1.5],
    rotatePoll: [0.6, 1.6],
    restartDb: [0.5, 1],
    cutDb: [1.5, 3],
  },
});

export interface Schedule {
  seed: number;
  options: ScheduleOptions;
  /** Sorted by atMs (ties keep generation order). */
  actions: Action[];
}

/** A restarted process needs about this long before it can be killed again meaningfully. */
const RESTART_ALLOWANCE_MS = 1500;
/** "Down for several seconds" vs a quick crash-and-restart. */
export const LONG_DOWN_MS: readonly [number, number] = [2000, 5000];
const SHORT_DOWN_MS: readonly [number, number] = [0, 800];
const EDGE_MS = 300;

interface Window {
  from: number;
  to: number;
}

export function generateSchedule(seed: number, overrides: Partial<ScheduleOptions> = {}): Schedule {
  const options: ScheduleOptions = { ...DEFAULT_SCHEDULE_OPTIONS, ...overrides };
  checkOptions(options);
  const rng = createRng(seed);
  const { durationMs: duration, kiosks } = options;
  const actions: Action[] = [];
  const count = (kind: FaultKind): number => scaledCount(rng, options.faultsPer10s[kind], duration);

  // Server kills first: they decide where a poll rotation "while votes are queued" can go.
  const serverDown: (Window & { long: boolean; server: number })[] = [];
  for (let i = count('killServer'); i > 0; i--) {
    const long = rng.chance(0.5);
    const downMs = long ? rng.int(LONG_DOWN_MS[0], LONG_DOWN_MS[1]) : rng.int(SHORT_DOWN_MS[0], SHORT_DOWN_MS[1]);
    const at = place(rng, EDGE_MS, duration - downMs - EDGE_MS, downMs, serverDown);
    if (at === undefined) continue;
    // One server down at a time (windows do not overlap); which one, in a cluster.
    const server = options.servers > 1 ? rng.int(0, options.servers - 1) : 0;
    serverDown.push({ from: at, to: at + downMs, long: downMs >= LONG_DOWN_MS[0], server });
    actions.push({ atMs: at, kind: 'killServer', server, signal: stopSignal(rng), downMs });
  }
  // The database's faults keep clear of server restarts: a server starting needs its database.
  const dbDown = options.servers > 1 ? databaseFaults(rng, options, serverDown, actions) : [];

  const kioskDown: Window[][] = Array.from({ length: kiosks }, () => []);
  for (let i = count('killKiosk'); i > 0; i--) {
    const kiosk = rng.int(0, kiosks - 1);
    const downMs = rng.int(0, 2000);
    const at = place(rng, EDGE_MS, duration - downMs - EDGE_MS, downMs, kioskDown[kiosk]!);
    if (at === undefined) continue;
    kioskDown[kiosk]!.push({ from: at, to: at + downMs });
    actions.push({ atMs: at, kind: 'killKiosk', signal: stopSignal(rng), kiosk, downMs });
  }

  for (let i = count('cut'); i > 0; i--) {
    actions.push({
      atMs: rng.int(EDGE_MS, duration - EDGE_MS),
      kind: 'cut',
      kiosk: rng.int(0, kiosks - 1),
      direction: rng.chance(0.5) ? 'toServer' : 'toKiosk',
      afterBytes: rng.int(0, 400),
      reset: rng.chance(0.5),
    });
  }
  for (let i = count('cutAfterAck'); i > 0; i--) {
    actions.push({
      atMs: rng.int(EDGE_MS, duration - EDGE_MS),
      kind: 'cutAfterAck',
      kiosk: rng.int(0, kiosks - 1),
      // A third of them drop the whole ack; the rest deliver a torn prefix.
      keepFraction: rng.chance(1 / 3) ? 0 : Math.floor(rng.next() * 1000) / 1000,
      reset: rng.chance(0.5),
    });
  }
  for (let i = count('delay'); i > 0; i--) {
    actions.push({ atMs: rng.int(EDGE_MS, duration - EDGE_MS), kind: 'delay', kiosk: rng.int(0, kiosks - 1), latencyMs: rng.int(20, 400), forMs: rng.int(500, 3000) });
  }
  for (let i = count('stall'); i > 0; i--) {
    actions.push({ atMs: rng.int(EDGE_MS, duration - EDGE_MS), kind: 'stall', kiosk: rng.int(0, kiosks - 1), forMs: rng.int(300, 3000) });
  }

  for (let i = count('partition'); i > 0; i--) {
    actions.push({ atMs: rng.int(EDGE_MS, duration - EDGE_MS), kind: 'partition', kiosk: rng.int(0, kiosks - 1), forMs: rng.int(500, 4000) });
  }

  const rotations: Window[] = [];
  const longDowns = serverDown.filter((w) => w.long);
  for (let i = count('rotatePoll'); i > 0; i--) {
    const gapMs = rng.int(0, 1000);
    // Half of them while the server is down, so kiosks hold votes for the poll being closed.
    const during = longDowns.length > 0 && rng.chance(0.5) ? rng.pick(longDowns) : undefined;
    const lo = during ? during.from + 200 : 1000;
    const hi = during ? during.to - gapMs - 200 : duration - gapMs - 1000;
    // `pivote poll` needs the database: never while it is down.
    const at = place(rng, lo, hi, gapMs + 1000, [...rotations, ...dbDown]);
    if (at === undefined) continue;
    rotations.push({ from: at, to: at + gapMs + 1000 });
    actions.push({ atMs: at, kind: 'rotatePoll', gapMs });
  }

  for (let kiosk = 0; kiosk < kiosks; kiosk++) {
    const [gapMin, gapMax] = options.pressGapMs;
    for (let t = rng.int(100, gapMax); t < duration - 100; t += rng.int(gapMin, gapMax)) {
      // A kiosk that is down (or just being restarted) has nobody to press its buttons.
      if (kioskDown[kiosk]!.some((w) => t >= w.from - 50 && t <= w.to + 50)) continue;
      actions.push({ atMs: t, kind: 'press', kiosk, button: rng.int(1, options.buttons) });
    }
  }

  const sorted = actions.map((a, i) => ({ a, i })).sort((x, y) => x.a.atMs - y.a.atMs || x.i - y.i).map((x) => x.a);
  return { seed, options, actions: sorted };
}

/** Faults in a schedule, by kind (presses are not faults). */
export function countFaults(schedule: Pick<Schedule, 'actions'>): Record<FaultKind, number> {
  const out = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  for (const a of schedule.actions) if (a.kind !== 'press') out[a.kind]++;
  return out;
}

/**
 * A bound on how long a byte can be held on each kiosk's link by this schedule: stalls on one
 * kiosk can follow or overlap one another, and a chunk delayed by latency can then meet a stall,
 * so it is that kiosk's stalls added up plus its largest latency. Kiosks without any are absent.
 */
export function holdMsByKiosk(schedule: Pick<Schedule, 'actions'>): Map<number, number> {
  const perKiosk = new Map<number, { stalls: number; latency: number }>();
  for (const a of schedule.actions) {
    if (a.kind !== 'stall' && a.kind !== 'delay') continue;
    const k = perKiosk.get(a.kiosk) ?? { stalls: 0, latency: 0 };
    if (a.kind === 'stall') k.stalls += a.forMs;
    else k.latency = Math.max(k.latency, a.latencyMs);
    perKiosk.set(a.kiosk, k);
  }
  return new Map([...perKiosk].map(([kiosk, k]) => [kiosk, k.stalls + k.latency]));
}

/** The worst kiosk's hold bound (holdMsByKiosk). */
export function maxHoldMs(schedule: Pick<Schedule, 'actions'>): number {
  return Math.max(0, ...holdMsByKiosk(schedule).values());
}

/** Database restarts and cut connections (a cluster only); returns when the database is down. */
function databaseFaults(rng: Rng, options: ScheduleOptions, serverDown: readonly (Window & { server: number })[], actions: Action[]): Window[] {
  const duration = options.durationMs;
  const count = (kind: FaultKind): number => scaledCount(rng, options.faultsPer10s[kind], duration);
  const dbDown: Window[] = [];
  for (let i = count('restartDb'); i > 0; i--) {
    const downMs = rng.int(300, 3000);
    const at = place(rng, EDGE_MS, duration - downMs - EDGE_MS, downMs, [...dbDown, ...serverDown]);
    if (at === undefined) continue;
    dbDown.push({ from: at, to: at + downMs });
    actions.push({ atMs: at, kind: 'restartDb', mode: rng.chance(0.5) ? 'fast' : 'immediate', downMs });
  }
  for (let i = count('cutDb'); i > 0; i--) {
    const server = rng.int(0, options.servers - 1);
    // Half are a cut only (the server reconnects at once), half a partition of up to 3 s.
    const forMs = rng.chance(0.5) ? 0 : rng.int(200, 3000);
    const at = place(rng, EDGE_MS, duration - forMs - EDGE_MS, forMs, serverDown.filter((w) => w.server === server));
    if (at === undefined) continue;
    actions.push({ atMs: at, kind: 'cutDb', server, forMs, reset: rng.chance(0.5) });
  }
  return dbDown;
}

function stopSignal(rng: Rng): StopSignal {
  return rng.chance(0.2) ? 'SIGTERM' : 'SIGKILL';
}

function checkOptions(o: ScheduleOptions): void {
  const bad = (what: string): never => {
    throw new RangeError(`schedule options: ${what}`);
  };
  if (!Number.isInteger(o.kiosks) || o.kiosks < 1) bad('kiosks must be a positive whole number');
  if (!Number.isInteger(o.servers) || o.servers < 1) bad('servers must be a positive whole number');
  if (!Number.isInteger(o.buttons) || o.buttons < 2 || o.buttons > 8) bad('buttons must be 2-8');
  if (!Number.isInteger(o.durationMs) || o.durationMs < 3000) bad('durationMs must be at least 3000');
  const [gapMin, gapMax] = o.pressGapMs;
  if (!(gapMin >= 150 && gapMax >= gapMin)) bad('pressGapMs must be [min >= 150, max >= min]');
}

/** A count for `duration` from a per-10-s range, randomly rounded so fractions average out. */
function scaledCount(rng: Rng, [min, max]: readonly [number, number], duration: number): number {
  const x = (min + rng.next() * (max - min)) * (duration / 10_000);
  const whole = Math.floor(x);
  return whole + (rng.chance(x - whole) ? 1 : 0);
}

/** A start in [lo, hi] whose window [at, at + length] keeps RESTART_ALLOWANCE_MS from `taken`. */
function place(rng: Rng, lo: number, hi: number, length: number, taken: readonly Window[]): number | undefined {
  if (hi < lo) return undefined;
  for (let attempt = 0; attempt < 20; attempt++) {
    const at = rng.int(lo, hi);
    const clear = taken.every((w) => at + length + RESTART_ALLOWANCE_MS <= w.from || at >= w.to + RESTART_ALLOWANCE_MS);
    if (clear) return at;
  }
  return undefined;
}
