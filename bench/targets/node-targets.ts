import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Fleet } from './provision.js';
import { copyFleetDb } from './provision.js';
import { spawnProcess, waitForJsonLine } from '../proc/processes.js';
import { processTarget, type Target, type TargetStart } from './target.js';

/** The bench is compiled to dist/bench/{bench,src}: the CLI and helpers are found from here. */
const here = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
export const CLI_PATH = here('../../src/cli/main.js');
const PROBE_PATH = here('../proc/eld-probe.js');
const CEILING_PATH = here('./ceiling-server.js');

function nodeArgs(start: TargetStart): string[] {
  const args = ['--import', PROBE_PATH];
  // A profiling aid: one more module preloaded into the servers (e.g. timing wrappers).
  const extra = process.env.PIVOTE_BENCH_EXTRA_IMPORT;
  if (extra) args.push('--import', extra);
  if (start.cpuProf) args.push('--cpu-prof', `--cpu-prof-dir=${start.runDir}`);
  return args;
}

/** `pivote server` exactly as an organiser runs it (info logs, JSON on stdout), on a fresh copy of
 *  the fleet db; `baseline` is the same from another build (start.pivoteCli). */
export async function startPivote(start: TargetStart, fleet: Fleet, name: 'pivote' | 'baseline' = 'pivote'): Promise<Target> {
  const db = copyFleetDb(fleet, join(start.runDir, 'pivote.db'), name === 'baseline');
  return startPivoteOn(start, db, [], name);
}

/**
 * `pivote server --db <db> …extraArgs` (db: an SQLite file or a postgres:// URL); `label` names
 * its probe file, so that several servers can share one run directory.
 */
export async function startPivoteOn(start: TargetStart, db: string, extraArgs: readonly string[], name: 'pivote' | 'baseline' = 'pivote', label: string = name): Promise<Target> {
  const probeFile = join(start.runDir, `${label}-stats.json`);
  const child = spawnProcess({
    command: process.execPath,
    args: [
      ...nodeArgs(start), start.pivoteCli ?? CLI_PATH, 'server', '--host', '127.0.0.1', '--port', '0', '--http-port', '0', '--db', db, '--log-level', 'info', '--heartbeat-ms', String(start.heartbeatMs),
      ...extraArgs,
    ],
    env: { PIVOTE_BENCH_STATS_FILE: probeFile },
    needFds: start.needFds,
  });
  // The HTTP side's address, noted whenever its line comes (a build without one never says).
  let http: { url: string; tokenFile: string } | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (http !== undefined || !line.includes('dashboard and HTTP API listening')) return;
    const l = JSON.parse(line) as { url?: unknown; tokenFile?: unknown };
    if (typeof l.url === 'string' && typeof l.tokenFile === 'string') http = { url: l.url, tokenFile: l.tokenFile };
  });
  const port = await waitForJsonLine(child, (l) => (l.msg === 'listening for kiosks' ? Number(l.port) : undefined), 20_000, 'pivote server');
  return processTarget(name, 'pivote', child, port, probeFile, () => http);
}

export async function startCeiling(start: TargetStart): Promise<Target> {
  const probeFile = join(start.runDir, 'ceiling-stats.json');
  const child = spawnProcess({
    command: process.execPath,
    args: [...nodeArgs(start), CEILING_PATH, '--port', '0', '--heartbeat-ms', String(start.heartbeatMs)],
    env: { PIVOTE_BENCH_STATS_FILE: probeFile },
    needFds: start.needFds,
  });
  const port = await waitForJsonLine(child, (l) => (l.msg === 'listening' ? Number(l.port) : undefined), 20_000, 'ceiling server');
  return processTarget('ceiling', 'pivote', child, port, probeFile);
}
