import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ErrorCode } from '../../protocol/errors.js';
import { PivoteError } from '../../protocol/errors.js';
import type { PollInfo } from '../../protocol/messages.js';
import type { Connector } from '../connection/client.js';
import type { KioskTlsConfig } from '../config/config.js';
import { formatServerAddress, type ServerAddress } from '../transport/server-address.js';
import type { ConnectionStatus } from '../connection/status.js';
import { systemTimers, type TimerHandle, type Timers } from '../clock/timers.js';
import { startKiosk, type KioskApp } from '../app/kiosk-app.js';
import { pressAtRate, pressLikePeople, type LoopKiosk } from './press-loops.js';
import { capacityPerSecond, seededRandom, type KioskSlot } from './press-plan.js';
import type { SimKiosk } from './provision.js';
import { PEOPLE, peoplePerSecond, type VisitorModel } from './visitors.js';

/**
 * Many kiosks in one process, each the real thing (startKiosk: its own MockGpio, Buttons with
 * debounce, lockout, SQLite outbox, reconnecting client), pressing buttons through the mock pins.
 * By default people press them (one vote per person, a few seconds apart, now and then a
 * button-masher: see visitors.ts); with a `rate`, presses come at that total rate (load). `pivote
 * sim` prints its report; `pivote demo` drives it and shows the progress events live.
 */

/** Wiring of every simulated kiosk (the hardware/README.md default). */
const SIM_WIRING = {
  buttons: ['GPIO5', 'GPIO6', 'GPIO13', 'GPIO19', 'GPIO26', 'GPIO16', 'GPIO20', 'GPIO21'],
  leds: ['GPIO17', 'GPIO27', 'GPIO22', 'GPIO23', 'GPIO12', 'GPIO25', 'GPIO7', 'GPIO8'],
  statusLed: 'GPIO24',
};

/** Shorter than a real kiosk's 1.5 s, so a `rate` run of a few kiosks makes useful load. */
export const SIM_LOCKOUT_MS = 1000;
/** How long a simulated finger holds a button. */
export const SIM_PRESS_MS = 60;
/** Extra wait after a kiosk's lockout before it is pressed again (timer jitter). */
const SPACING_MARGIN_MS = 50;
const DEBOUNCE_MS = 10;

export interface SimulationOptions {
  /** One server, or several (servers sharing one database): kiosk i is given the list starting
   *  at server i, so the kiosks spread over them and each fails over to the next. */
  server: ServerAddress | readonly ServerAddress[];
  kiosks: readonly SimKiosk[];
  /** Stop after this many presses in total. */
  votes?: number;
  /**
   * Presses per second over all kiosks (load: kiosks are pressed as soon as their lockout allows,
   * so the repeated-press rule flags many). Without it, people vote (see `people`).
   */
  rate?: number;
  /** How simulated people behave when there is no `rate`; default PEOPLE. */
  people?: VisitorModel;
  /** Stop pressing after this long; without it (and without `votes`) run until `signal` aborts. */
  durationMs?: number;
  seed?: number;
  lockoutMs?: number;
  /** One subfolder per kiosk holds its outbox. */
  dataDir: string;
  /** For every kiosk to be online and know an open poll. Default 10 s. */
  connectTimeoutMs?: number;
  /** For the outboxes to empty after the last press. Default 15 s. */
  drainTimeoutMs?: number;
  /** Aborting stops pressing; the run then drains and reports as usual. */
  signal?: AbortSignal;
  /** How every simulated kiosk verifies a TLS server (as the kiosk config's `tls`); none = plain TCP. */
  tls?: KioskTlsConfig;
}

export type SimProgress =
  | { type: 'status'; kioskId: string; status: ConnectionStatus }
  | { type: 'poll'; kioskId: string; poll: PollInfo | null }
  | { type: 'started'; kiosks: number; poll: PollInfo; rate: number; mode: 'people' | 'rate' }
  | { type: 'pressed'; kioskId: string; button: number; pressed: number }
  | { type: 'recorded'; kioskId: string; button: number; voteId: string }
  | { type: 'acked'; kioskId: string; voteId: string; status: 'stored' | 'duplicate'; flagged: boolean }
  | { type: 'rejected'; kioskId: string; voteId: string; code: ErrorCode }
  | { type: 'pressingDone'; pressed: number; skipped: number }
  | { type: 'drained'; queued: number };

export interface SimulationDeps {
  logger: Logger;
  onProgress?: (event: SimProgress) => void;
  connect?: Connector;
  timers?: Timers;
  /** Monotonic ms. */
  now?: () => number;
}

export interface SimReport {
  server: string;
  kiosks: number;
  seed: number;
  /** Button presses made on the mock pins. */
  pressed: number;
  /** Presses the kiosks wrote to their outboxes (a press during lockout or with no poll is not). */
  recorded: number;
  acknowledged: number;
  /** Acknowledged but flagged by the server's repeated-press rule (kept, not counted by default). */
  flagged: number;
  rejected: number;
  /** Recorded but not acknowledged or rejected when the run ended. */
  queued: number;
  /** Moments the rate asked for a press but every kiosk was still locked out. */
  skipped: number;
  pressingMs: number;
  /** Every press acknowledged and nothing left queued. */
  ok: boolean;
}

interface SimKioskState extends LoopKiosk {
  app: KioskApp;
  recorded: Set<string>;
  settled: Set<string>;
  slot: KioskSlot;
}

export async function runSimulation(opts: SimulationOptions, deps: SimulationDeps): Promise<SimReport> {
  const timers = deps.timers ?? systemTimers;
  const now = deps.now ?? (() => performance.now());
  const emit = deps.onProgress ?? (() => undefined);
  const lockoutMs = opts.lockoutMs ?? SIM_LOCKOUT_MS;
  const spacingMs = Math.max(lockoutMs, SIM_PRESS_MS + DEBOUNCE_MS) + SPACING_MARGIN_MS;
  const capacity = capacityPerSecond(opts.kiosks.length, spacingMs);
  const people = opts.people ?? PEOPLE;
  const rate = opts.rate ?? peoplePerSecond(people) * opts.kiosks.length;
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
  checkOptions(opts, rate, capacity, lockoutMs);

  const counts = { pressed: 0, recorded: 0, acknowledged: 0, flagged: 0, rejected: 0, skipped: 0 };
  const kiosks: SimKioskState[] = [];
  try {
    for (const [index, k] of opts.kiosks.entries()) kiosks.push(await startSimKiosk(k, index, opts, deps, lockoutMs, counts, emit));
    const poll = await waitUntilReady(kiosks, opts, timers);
    if (poll) emit({ type: 'started', kiosks: kiosks.length, poll, rate, mode: opts.rate === undefined ? 'people' : 'rate' });

    const random = seededRandom(seed);
    const started = now();
    const releases = new Set<TimerHandle>();
    const press = (k: SimKioskState, button: number): void => {
      const mock = k.app.mock as NonNullable<KioskApp['mock']>;
      const pin = mock.pin(k.app.pins.buttons[button - 1] as number);
      counts.pressed++;
      pin.press();
      emit({ type: 'pressed', kioskId: k.app.config.kioskId, button, pressed: counts.pressed });
      const handle = timers.setTimeout(() => {
        releases.delete(handle);
        pin.release();
      }, SIM_PRESS_MS);
      releases.add(handle);
    };
    const loopDeps = {
      kiosks,
      timers,
      now,
      shouldStop: (t: number): boolean =>
        poll === null ||
        (opts.votes !== undefined && counts.pressed >= opts.votes) ||
        (opts.durationMs !== undefined && t - started >= opts.durationMs) ||
        opts.signal?.aborted === true,
      ...(opts.durationMs !== undefined && { deadlineMs: started + opts.durationMs }),
      ...(opts.signal && { signal: opts.signal }),
      press,
      skipped: () => void counts.skipped++,
    };
    if (opts.rate === undefined) await pressLikePeople(loopDeps, people, lockoutMs, random);
    else await pressAtRate(loopDeps, rate, spacingMs, random);
    const pressingMs = Math.round(now() - started);
    emit({ type: 'pressingDone', pressed: counts.pressed, skipped: counts.skipped });
    // Let the last fingers go and their presses reach the outboxes before counting what is queued.
    await sleep(timers, SIM_PRESS_MS + DEBOUNCE_MS + 20);
    await Promise.all(kiosks.map((k) => k.app.mock?.settle()));

    const queued = (): number => kiosks.reduce((n, k) => n + (k.recorded.size - k.settled.size), 0);
    const deadline = now() + (opts.drainTimeoutMs ?? 15_000);
    while (queued() > 0 && now() < deadline) await sleep(timers, 50);
    emit({ type: 'drained', queued: queued() });

    const report: SimReport = {
      server: serverNames(opts.server),
      kiosks: kiosks.length,
      seed,
      ...counts,
      queued: queued(),
      pressingMs,
      ok: false,
    };
    report.ok = report.acknowledged === report.pressed && report.queued === 0 && report.rejected === 0;
    return report;
  } finally {
    await Promise.all(kiosks.map((k) => k.app.stop()));
  }
}

function checkOptions(opts: SimulationOptions, rate: number, capacity: number, lockoutMs: number): void {
  const usage = (message: string): PivoteError => new PivoteError('PV_USAGE', message);
  if (!Number.isInteger(opts.kiosks.length) || opts.kiosks.length < 1) throw usage('the simulation needs at least one kiosk');
  if (opts.votes === undefined && opts.rate === undefined && opts.durationMs === undefined && opts.signal === undefined) {
    throw usage('give a number of votes, a rate or a duration');
  }
  if (opts.votes !== undefined && !(Number.isInteger(opts.votes) && opts.votes > 0)) throw usage('votes must be a positive whole number');
  if (!(rate > 0)) throw usage('the rate must be above 0 presses per second');
  const people = opts.people ?? PEOPLE;
  if (opts.rate === undefined && lockoutMs + SIM_PRESS_MS >= people.minGapMs) {
    throw usage(`a ${lockoutMs} ms lockout is longer than people take between votes (${people.minGapMs} ms); lower the lockout, or give a rate`);
  }
  if (opts.rate !== undefined && rate > capacity + 1e-9) {
    throw usage(
      `${opts.kiosks.length} kiosk(s) with a ${lockoutMs} ms lockout take at most ${capacity.toFixed(2)} presses/s; ` +
        `lower the rate, add kiosks or shorten the lockout`,
    );
  }
}

async function startSimKiosk(
  k: SimKiosk,
  index: number,
  opts: SimulationOptions,
  deps: SimulationDeps,
  lockoutMs: number,
  counts: { recorded: number; acknowledged: number; flagged: number; rejected: number },
  emit: (e: SimProgress) => void,
): Promise<SimKioskState> {
  const recorded = new Set<string>();
  const settled = new Set<string>();
  const app = await startKiosk(
    {
      servers: serversOf(opts.server, index),
      kioskId: k.id,
      secret: k.secret,
      secretFile: undefined,
      buttons: SIM_WIRING.buttons,
      leds: SIM_WIRING.leds,
      statusLed: SIM_WIRING.statusLed,
      debounceMs: DEBOUNCE_MS,
      lockoutMs,
      holdMs: undefined,
      dataDir: join(opts.dataDir, k.id),
      gpio: 'mock',
      tls: opts.tls,
      heartbeatMs: undefined,
    },
    {
      logger: deps.logger,
      gpio: 'mock',
      software: 'pivote-sim',
      ...(deps.connect && { connect: deps.connect }),
      ...(deps.timers && { timers: deps.timers }),
      onRecorded: (vote) => {
        recorded.add(vote.voteId);
        counts.recorded++;
        emit({ type: 'recorded', kioskId: k.id, button: vote.button, voteId: vote.voteId });
      },
    },
  );
  app.client.on('status', (status) => emit({ type: 'status', kioskId: k.id, status }));
  app.client.on('poll', (poll) => emit({ type: 'poll', kioskId: k.id, poll }));
  app.client.on('acked', (voteId, status, flagged) => {
    if (!recorded.has(voteId) || settled.has(voteId)) return; // a leftover from an earlier run
    settled.add(voteId);
    counts.acknowledged++;
    if (flagged) counts.flagged++;
    emit({ type: 'acked', kioskId: k.id, voteId, status, flagged });
  });
  app.client.on('rejected', (voteId, code) => {
    if (!recorded.has(voteId) || settled.has(voteId)) return;
    settled.add(voteId);
    counts.rejected++;
    emit({ type: 'rejected', kioskId: k.id, voteId, code });
  });
  return { app, recorded, settled, slot: { options: 0, lastPressMs: undefined }, options: () => app.runtime.state.poll?.options.length ?? 0 };
}

/** Every kiosk online and told the open poll; null if aborted first; otherwise one error saying what is wrong. */
async function waitUntilReady(kiosks: readonly SimKioskState[], opts: SimulationOptions, timers: Timers): Promise<PollInfo | null> {
  const timeoutMs = opts.connectTimeoutMs ?? 10_000;
  const server = serverNames(opts.server);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const refused = kiosks.find((k) => k.app.client.status === 'error');
    if (refused) {
      throw new PivoteError('PV_AUTH_FAILED', `the server at ${server} refused kiosk ${refused.app.config.kioskId}; is --db the server's database?`, {
        kioskId: refused.app.config.kioskId,
      });
    }
    const online = kiosks.filter((k) => k.app.client.status === 'online');
    const polls = online.map((k) => k.app.client.poll);
    if (online.length === kiosks.length && polls.every((p) => p !== undefined)) {
      const poll = polls[0];
      if (!poll) throw new PivoteError('PV_NO_OPEN_POLL', `no poll is open on ${server}; the simulated kiosks have nothing to vote on`);
      return poll;
    }
    if (opts.signal?.aborted) return null;
    if (Date.now() > deadline) {
      throw new PivoteError(
        'PV_USAGE',
        `only ${online.length} of ${kiosks.length} simulated kiosks reached the server at ${server} within ${timeoutMs} ms; is \`pivote server\` running there?`,
        { server },
      );
    }
    await sleep(timers, 25);
  }
}

function sleep(timers: Timers, ms: number): Promise<void> {
  return new Promise((resolve) => timers.setTimeout(resolve, ms));
}

const listOf = (s: ServerAddress | readonly ServerAddress[]): readonly ServerAddress[] => (Array.isArray(s) ? s : [s as ServerAddress]);

/** Kiosk `index`'s server list: all of them, starting at a different one for each kiosk. */
export function serversOf(s: ServerAddress | readonly ServerAddress[], index: number): ServerAddress[] {
  const list = listOf(s);
  return list.map((_, i) => list[(index + i) % list.length] as ServerAddress);
}

function serverNames(s: ServerAddress | readonly ServerAddress[]): string {
  return listOf(s).map(formatServerAddress).join(', ');
}
