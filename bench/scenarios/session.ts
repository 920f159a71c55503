import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GeneratorPool } from '../load/generator-pool.js';
import type { PhaseCommand, PhaseResult } from '../load/ipc.js';
import { cpuSnapshot, cpuWindow, type CpuSnapshot, type CpuWindow } from '../proc/cpu.js';
import type { ProbeStats } from '../proc/processes.js';
import { startMosquitto } from '../targets/mosquitto.js';
import { startCeiling, startPivote } from '../targets/node-targets.js';
import type { Fleet } from '../targets/provision.js';
import type { Target, TargetName, TargetStart } from '../targets/target.js';

/**
 * One run against one target: start the server process, start the load-generator processes,
 * connect and authenticate every client, then run the phases one after another on the same
 * connections. CPU time (server threads, generators, the whole machine) is read at the edges of
 * each phase's measured window; RSS and event-loop delay around each phase.
 */

export interface SessionSpec {
  target: TargetName;
  clients: number;
  fleet: Fleet;
  workDir: string;
  runLabel: string;
  heartbeatMs: number;
  window: number;
  /** Load-generator processes the clients are spread over. */
  generators: number;
  /** CPUs of the machine, for the "machine saturated" verdict. */
  nproc: number;
  cpuProf: boolean;
  pivoteCli?: string;
  baselineCli?: string;
  mosquittoPath: string | null;
  /** Starts the target instead of the one `target` names (the cluster scenario's servers on
   *  PostgreSQL); `target` is then only its label. */
  start?: (start: TargetStart) => Promise<Target>;
  /** Started once the clients are connected, stopped after the last phase (the dashboard
   *  scenario's live streams); its report is the session's companionReport. */
  companion?: (target: Target) => Promise<Companion>;
  /** The phases, or a function choosing the next from those done (null: stop). */
  phases: PhaseSpec[] | ((done: readonly PhaseSample[]) => PhaseSpec | null);
  /** Wait after the server started before reading its idle RSS, and after connecting before
   *  reading it again (lets start-up allocation settle). */
  idleMs: number;
  settleMs: number;
  log: (line: string) => void;
}

export type PhaseSpec = Omit<PhaseCommand, 'cmd' | 'startAtEpochMs'>;

export interface Companion {
  stop(): Promise<unknown>;
}

export interface PhaseSample extends PhaseResult {
  /** CPU over the measured window (see proc/cpu.ts). */
  cpu: CpuWindow;
  serverCpuPct: number;
  /** Server CPU time in the window ÷ votes acknowledged in it, µs. */
  serverUsPerVote: number | null;
  generatorCpuPct: number;
  generatorUsPerVote: number | null;
  /** The database's processes (PostgreSQL) ÷ votes acknowledged, µs; null without one. */
  backingUsPerVote: number | null;
  generatorProcesses: number;
  /** What stopped the load from growing, when it was not the server: see limitedBy(). */
  limitedBy: Limit | null;
  serverRssBytes: number;
  eventLoopDelayMs: ProbeStats['eventLoopDelayMs'] | null;
}

export type Limit = 'generator' | 'machine';

/** A busiest generator process near a full core, or every core of the machine busy (the
 *  generator, the server and anything else that ran): the figure is not the server's limit. */
export function limitedBy(cpu: CpuWindow, nproc: number): Limit | null {
  if (cpu.generatorMaxPct >= 90) return 'generator';
  if (cpu.machineBusyPct >= 0.9 * nproc * 100) return 'machine';
  return null;
}

export interface SessionResult {
  target: TargetName;
  clients: number;
  connected: number;
  failed: number;
  connectErrors: string[];
  connectMs: number;
  serverRssIdleBytes: number;
  serverRssConnectedBytes: number;
  generatorRssBytes: number;
  phases: PhaseSample[];
  companionReport?: unknown;
  runDir: string;
}

const SLACK_FDS = 256;

export async function runSession(spec: SessionSpec): Promise<SessionResult> {
  const runDir = join(spec.workDir, spec.runLabel);
  mkdirSync(runDir, { recursive: true });
  const start = { runDir, heartbeatMs: spec.heartbeatMs, needFds: spec.clients + SLACK_FDS, cpuProf: spec.cpuProf, ...(spec.pivoteCli !== undefined && { pivoteCli: spec.pivoteCli }) };
  let target: Target;
  if (spec.start !== undefined) target = await spec.start(start);
  else if (spec.target === 'pivote') target = await startPivote(start, spec.fleet);
  else if (spec.target === 'baseline') {
    if (spec.baselineCli === undefined) throw new Error('the baseline target needs --baseline-cli');
    target = await startPivote({ ...start, pivoteCli: spec.baselineCli }, spec.fleet, 'baseline');
  }
  else if (spec.target === 'ceiling') target = await startCeiling(start);
  else if (spec.mosquittoPath !== null && spec.target === 'mosquitto-lean') target = await startMosquitto(start, spec.mosquittoPath, spec.window, 'mosquitto-lean', 'mqtt-lean');
  else if (spec.mosquittoPath !== null) target = await startMosquitto(start, spec.mosquittoPath, spec.window);
  else throw new Error('mosquitto is not available');

  let generator: GeneratorPool | undefined;
  let companion: Companion | undefined;
  try {
    await sleep(spec.idleMs);
    const serverRssIdleBytes = target.rssBytes();
    generator = GeneratorPool.start(spec.generators, spec.clients, SLACK_FDS);
    const connected = await generator.connect({
      protocol: target.protocol,
      host: '127.0.0.1',
      port: target.port,
      ...(target.servers !== undefined && { ports: target.servers.map((s) => s.port) }),
      kiosksFile: spec.fleet.kiosksFile,
      count: spec.clients,
      concurrency: 64,
      window: spec.window,
      pollId: spec.fleet.pollId,
      heartbeatMs: spec.heartbeatMs,
      timeoutMs: 60_000,
    });
    spec.log(`    ${spec.target}: ${connected.connected}/${spec.clients} connected in ${(connected.ms / 1000).toFixed(1)} s${connected.failed ? ` (${connected.errors.join('; ')})` : ''}`);
    if (connected.connected === 0) throw new Error(`no client could connect to ${spec.target}: ${connected.errors.join('; ')}`);
    await sleep(spec.settleMs);
    const serverRssConnectedBytes = target.rssBytes();
    if (spec.companion) companion = await spec.companion(target);

    const phases: PhaseSample[] = [];
    const next = typeof spec.phases === 'function' ? spec.phases : (done: readonly PhaseSample[]) => (spec.phases as PhaseSpec[])[done.length] ?? null;
    for (let chosen = next(phases); chosen !== null; chosen = next(phases)) {
      const p = chosen;
      await target.probe(); // starts the event-loop histogram afresh
      const startAtEpochMs = performance.timeOrigin + performance.now() + 300;
      const pids = generator.pids;
      const serverPids = target.servers?.map((s) => s.pid) ?? [target.pid];
      const backing = target.backingCpuMs?.bind(target);
      const edge = (afterMs: number): Promise<CpuSnapshot> =>
        new Promise((resolve) => setTimeout(() => resolve(cpuSnapshot(serverPids, pids, backing)), startAtEpochMs + afterMs - (performance.timeOrigin + performance.now())));
      const [result, before, after] = await Promise.all([generator.phase(p, startAtEpochMs), edge(p.warmupMs), edge(p.warmupMs + p.measureMs)]);
      const probe = await target.probe();
      const cpu = cpuWindow(before, after);
      const windowMs = after.atMs - before.atMs;
      const perVote = (pct: number): number | null => (result.acked > 0 ? ((pct / 100) * windowMs * 1000) / result.acked : null);
      phases.push({
        ...result,
        cpu,
        serverCpuPct: cpu.serverPct,
        serverUsPerVote: perVote(cpu.serverPct),
        generatorCpuPct: cpu.generatorPct,
        generatorUsPerVote: perVote(cpu.generatorPct),
        backingUsPerVote: backing === undefined ? null : perVote(cpu.backingPct),
        generatorProcesses: generator.size,
        limitedBy: limitedBy(cpu, spec.nproc),
        serverRssBytes: target.rssBytes(),
        eventLoopDelayMs: probe?.eventLoopDelayMs ?? null,
      });
    }
    const companionReport = companion === undefined ? undefined : await companion.stop();
    companion = undefined;
    return {
      ...(companionReport !== undefined && { companionReport }),
      target: spec.target,
      clients: spec.clients,
      connected: connected.connected,
      failed: connected.failed,
      connectErrors: connected.errors,
      connectMs: connected.ms,
      serverRssIdleBytes,
      serverRssConnectedBytes,
      generatorRssBytes: generator.rssBytes(),
      phases,
      runDir,
    };
  } finally {
    await companion?.stop().catch(() => undefined);
    await generator?.close();
    await target.stop();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
