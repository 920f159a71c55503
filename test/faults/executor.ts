import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll } from '../e2e/processes.js';
import type { PgCluster } from '../support/postgres/cluster.js';
import { checkHistory, DEFAULT_TOLERANCES, type CheckResult, type Tolerances } from './checker.js';
import { FaultCluster, sleep } from './cluster.js';
import { collectHistory, wallMinusMonotonic } from './history.js';
import { FAULT_KINDS, holdMsByKiosk, LONG_DOWN_MS, type Action, type FaultKind, type Schedule } from './schedule.js';

/**
 * Plays one schedule against real processes and checks the outcome:
 *   start (server, proxies, kiosks online) -> fault phase (actions at their offsets) ->
 *   drain (faults off, every process up, wait until no kiosk has anything pending) ->
 *   stop (kiosks quit, server SIGTERM) -> read outboxes and database -> checkHistory.
 * Every process is killed and the temp dir removed at the end, whatever happened.
 */

/** Temp dirs of schedules still running, so a signal handler can remove them (see removeLiveDirs). */
const liveDirs = new Set<string>();

/** For a SIGINT/SIGTERM handler that exits without unwinding: removes what running schedules made. */
export function removeLiveDirs(): void {
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
}

export interface ExecuteOptions {
  /** Progress lines (one per phase). */
  log?: (line: string) => void;
  /** Bounded wait for the queues to drain. */
  drainTimeoutMs?: number;
  /** Keep the temp dir (databases, outboxes) for a post-mortem; its path is in the result. */
  keepDir?: boolean;
  lockoutMs?: number;
  heartbeatMs?: number;
  /** The running throwaway PostgreSQL of a campaign with several servers (schedule.options.servers > 1). */
  postgres?: PgCluster;
}

export interface ScheduleRun {
  seed: number;
  check: CheckResult;
  /** Faults carried out, by kind. */
  faults: Record<FaultKind, number>;
  /** Server kills that kept it down for LONG_DOWN_MS or more. */
  longServerDowns: number;
  /** Server and kiosk stops by SIGTERM rather than SIGKILL. */
  gracefulStops: number;
  /** What the proxies did: cuts fired at their offset, on an ack, armed ones that saw no traffic. */
  proxy: { connections: number; refused: number; cuts: number; ackCuts: number; expired: number };
  presses: { sent: number; skipped: number };
  /** Crashes, failed restarts, a drain that timed out: the run fails on any of these too. */
  problems: string[];
  drained: boolean;
  ok: boolean;
  wallMs: number;
  dir?: string;
}

export async function executeSchedule(schedule: Schedule, options: ExecuteOptions = {}): Promise<ScheduleRun> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'pivote-faults-'));
  if (!options.keepDir) liveDirs.add(dir);
  const problems: string[] = [];
  const faults = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  const presses = { sent: 0, skipped: 0 };
  let longServerDowns = 0;
  let gracefulStops = 0;
  const cluster = new FaultCluster({
    dir,
    kiosks: schedule.options.kiosks,
    buttons: schedule.options.buttons,
    lockoutMs: options.lockoutMs ?? 100,
    heartbeatMs: options.heartbeatMs ?? 2000,
    onProblem: (what) => problems.push(what),
    servers: schedule.options.servers,
    ...(options.postgres && { postgres: options.postgres }),
  });
  try {
    await cluster.start();
    const offsetMs = wallMinusMonotonic();
    log(`seed ${schedule.seed}: ${schedule.actions.length} actions over ${schedule.options.durationMs} ms`);

    const play = (action: Action): Promise<void> => {
      if (action.kind === 'press') {
        if (cluster.press(cluster.slots[action.kiosk]!, action.button)) presses.sent++;
        else presses.skipped++;
        return Promise.resolve();
      }
      faults[action.kind]++;
      const slot = 'kiosk' in action ? cluster.slots[action.kiosk]! : undefined;
      switch (action.kind) {
        case 'killServer':
          if (action.downMs >= LONG_DOWN_MS[0]) longServerDowns++;
          if (action.signal === 'SIGTERM') gracefulStops++;
          return cluster.killServer(action.signal, action.downMs, action.server);
        case 'killKiosk':
          if (action.signal === 'SIGTERM') gracefulStops++;
          return cluster.killKiosk(slot!, action.signal, action.downMs);
        case 'cut':
          slot!.proxy.cutAfter(action.direction, action.afterBytes, action.reset);
          return Promise.resolve();
        case 'cutAfterAck':
          slot!.proxy.cutAtNextAck(action.keepFraction, action.reset);
          return Promise.resolve();
        case 'delay':
          slot!.proxy.delay(action.latencyMs, action.forMs);
          return Promise.resolve();
        case 'stall':
          slot!.proxy.stall(action.forMs);
          return Promise.resolve();
        case 'partition':
          slot!.proxy.partition(action.forMs);
          return Promise.resolve();
        case 'rotatePoll':
          return cluster.rotatePoll(action.gapMs);
        case 'restartDb':
          return cluster.restartDb(action.mode, action.downMs);
        case 'cutDb':
          cluster.cutDb(action.server, action.forMs, action.reset);
          return Promise.resolve();
      }
    };

    const t0 = Date.now();
    const running = new Set<Promise<void>>();
    for (const action of schedule.actions) {
      await sleep(t0 + action.atMs - Date.now());
      const p = play(action).catch((err: unknown) => void problems.push(`${action.kind} at ${action.atMs} ms failed: ${(err as Error).message}`));
      running.add(p);
      void p.finally(() => running.delete(p));
    }
    await sleep(t0 + schedule.options.durationMs - Date.now());
    await Promise.all([...running]); // restarts still due
    log(`seed ${schedule.seed}: fault phase over after ${Date.now() - t0} ms; draining`);

    const drained = await cluster.drain(options.drainTimeoutMs ?? 45_000);
    if (!drained) problems.push('the queues did not drain in time');
    await cluster.stop();
    const drift = Math.abs(wallMinusMonotonic() - offsetMs);
    if (drift > 50) problems.push(`the wall clock moved ${drift.toFixed(0)} ms against the monotonic clock during the run`);

    const history = await collectHistory(cluster, offsetMs);
    const holds = holdMsByKiosk(schedule);
    const tolerances: Tolerances = {
      ...DEFAULT_TOLERANCES,
      transitMsByKiosk: Object.fromEntries(cluster.slots.map((s) => [s.id, DEFAULT_TOLERANCES.transitMs + (holds.get(s.index) ?? 0)])),
    };
    const check = checkHistory(history, tolerances);
    // A post-mortem needs the processes' logs too: the servers' JSON lines and the kiosks' stderr.
    if (options.keepDir) {
      for (const [i, srv] of cluster.servers.entries()) writeFileSync(join(dir, `server-${i + 1}.log`), srv.logs.map((l) => JSON.stringify(l)).join('\n') + '\n' + srv.stderr.join(''));
      for (const slot of cluster.slots) writeFileSync(join(dir, `${slot.id}.log`), slot.instances.map((k) => k.stderr.join('')).join('\n'));
      writeFileSync(join(dir, 'actions.json'), JSON.stringify(schedule.actions, null, 1));
    }
    const proxy = { connections: 0, refused: 0, cuts: 0, ackCuts: 0, expired: 0 };
    for (const s of cluster.slots) for (const k of Object.keys(proxy) as (keyof typeof proxy)[]) proxy[k] += s.proxy.stats[k];
    return {
      seed: schedule.seed, check, faults, longServerDowns, gracefulStops, proxy, presses, problems, drained,
      ok: check.ok && problems.length === 0,
      wallMs: Date.now() - started,
      ...(options.keepDir && { dir }),
    };
  } finally {
    await killAll();
    await cluster.dispose();
    if (!options.keepDir) rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  }
}
