import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GeneratorHandle } from '../load/generator-handle.js';
import type { PhaseCommand, PhaseResult } from '../load/ipc.js';
import type { ProbeStats } from '../proc/processes.js';
import { startMosquitto } from '../targets/mosquitto.js';
import { startCeiling, startPivote } from '../targets/node-targets.js';
import type { Fleet } from '../targets/provision.js';
import type { Target, TargetName } from '../targets/target.js';

/**
 * One run against one target: start the server process, start the load-generator process,
 * connect and authenticate every client, then run the phases one after another on the same
 * connections, sampling the server's CPU, RSS and event-loop delay around each phase.
 */

export interface SessionSpec {
  target: TargetName;
  clients: number;
  fleet: Fleet;
  workDir: string;
  runLabel: string;
  heartbeatMs: number;
  window: number;
  cpuProf: boolean;
  pivoteCli?: string;
  mosquittoPath: string | null;
  phases: Omit<PhaseCommand, 'cmd'>[];
  /** Wait after the server started before reading its idle RSS, and after connecting before
   *  reading it again (lets start-up allocation settle). */
  idleMs: number;
  settleMs: number;
  log: (line: string) => void;
}

export interface PhaseSample extends PhaseResult {
  serverCpuPct: number;
  serverRssBytes: number;
  eventLoopDelayMs: ProbeStats['eventLoopDelayMs'] | null;
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
  runDir: string;
}

const SLACK_FDS = 256;

export async function runSession(spec: SessionSpec): Promise<SessionResult> {
  const runDir = join(spec.workDir, spec.runLabel);
  mkdirSync(runDir, { recursive: true });
  const start = { runDir, heartbeatMs: spec.heartbeatMs, needFds: spec.clients + SLACK_FDS, cpuProf: spec.cpuProf, ...(spec.pivoteCli !== undefined && { pivoteCli: spec.pivoteCli }) };
  let target: Target;
  if (spec.target === 'pivote') target = await startPivote(start, spec.fleet);
  else if (spec.target === 'ceiling') target = await startCeiling(start);
  else if (spec.mosquittoPath !== null && spec.target === 'mosquitto-lean') target = await startMosquitto(start, spec.mosquittoPath, spec.window, 'mosquitto-lean', 'mqtt-lean');
  else if (spec.mosquittoPath !== null) target = await startMosquitto(start, spec.mosquittoPath, spec.window);
  else throw new Error('mosquitto is not available');

  let generator: GeneratorHandle | undefined;
  try {
    await sleep(spec.idleMs);
    const serverRssIdleBytes = target.rssBytes();
    generator = GeneratorHandle.start(spec.clients + SLACK_FDS);
    const connected = await generator.connect({
      protocol: target.protocol,
      host: '127.0.0.1',
      port: target.port,
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

    const phases: PhaseSample[] = [];
    for (const p of spec.phases) {
      await target.probe(); // starts the event-loop histogram afresh
      const cpu0 = target.cpuMs();
      const t0 = performance.now();
      const result = await generator.phase(p);
      const cpuPct = ((target.cpuMs() - cpu0) / (performance.now() - t0)) * 100;
      const probe = await target.probe();
      phases.push({ ...result, serverCpuPct: cpuPct, serverRssBytes: target.rssBytes(), eventLoopDelayMs: probe?.eventLoopDelayMs ?? null });
    }
    return {
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
    await generator?.close();
    await target.stop();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
