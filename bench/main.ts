import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadMqtt } from './load/mqtt-client.js';
import { cpuCalibration, isTmpfs, machineInfo } from './machine.js';
import { parseBenchArgs, type BenchOptions } from './options.js';
import { fdLimits } from './proc/processes.js';
import { writeDocs } from './report/docs.js';
import { writeResults, type BenchResults } from './report/results.js';
import { checkGoals } from './report/goals.js';
import { allTables } from './report/sections.js';
import { renderText } from './report/table.js';
import type { ScenarioContext } from './scenarios/context.js';
import { runFleet } from './scenarios/fleet.js';
import { runKiosk } from './scenarios/kiosk.js';
import { runLatency } from './scenarios/latency.js';
import { runCluster } from './scenarios/cluster.js';
import { runDashboard } from './scenarios/dashboard.js';
import { runThroughput } from './scenarios/throughput.js';
import { ensureMosquitto, MOSQUITTO_PERSISTENCE, type MosquittoInfo } from './targets/mosquitto.js';
import { provisionFleet } from './targets/provision.js';

/**
 * `npm run bench`: compiles bench/ and src/ into dist/bench, then runs this. Progress goes to
 * stderr, the table to stdout; results to bench/results/<date>.json.
 */
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const log = (line: string): void => void process.stderr.write(`${line}\n`);

function scratchDir(opts: BenchOptions, notes: string[]): string {
  if (opts.workDir !== undefined) {
    // A fresh folder inside: only what the bench created is removed afterwards.
    mkdirSync(opts.workDir, { recursive: true });
    return mkdtempSync(join(resolve(opts.workDir), 'run-'));
  }
  const tmp = mkdtempSync(join(os.tmpdir(), 'pivote-bench-'));
  if (!isTmpfs(tmp)) return tmp;
  // fsync on tmpfs is free: durable-commit figures measured there would be fiction.
  rmSync(tmp, { recursive: true, force: true });
  notes.push(`${os.tmpdir()} is tmpfs; the databases were put under dist/bench/work instead, on disk`);
  const dir = join(REPO, 'dist', 'bench', 'work');
  mkdirSync(dir, { recursive: true });
  return mkdtempSync(join(dir, 'run-'));
}

async function main(): Promise<number> {
  const opts = parseBenchArgs(process.argv.slice(2));
  if (opts.docsFrom !== undefined) {
    const file = resolve(opts.docsFrom);
    const previous = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
    if (previous.schema !== 2) throw new Error(`${file} is a results file of schema ${String(previous.schema)}; this bench writes docs from schema 2 only`);
    for (const f of writeDocs(join(REPO, 'docs'), previous, relative(REPO, file))) log(`wrote ${f}`);
    return 0;
  }
  const startedAt = new Date();
  const notes: string[] = [];
  const workDir = scratchDir(opts, notes);
  const machine = machineInfo(workDir);
  log(`pivote bench: ${opts.scenarios.join(', ')}${opts.quick ? ' (quick)' : ''}; ${machine.nproc} × ${machine.cpuModel}; load ${machine.loadBefore.toFixed(2)}; scratch ${workDir}`);
  if (machine.loadBefore > 0.5 * machine.nproc) log(`warning: the machine is busy (load ${machine.loadBefore.toFixed(2)}); figures will be noisy`);

  // Connections need file descriptors: each process gets its soft limit raised up to the hard one.
  const limits = fdLimits();
  if (opts.scenarios.includes('fleet') && opts.fleetSize + 300 > limits.hard) {
    const size = Math.max(100, limits.hard - 300);
    notes.push(`fleet reduced from ${opts.fleetSize} to ${size} kiosks: the hard file-descriptor limit is ${limits.hard} (raise it with ulimit -Hn)`);
    opts.fleetSize = size;
  }

  // The cluster scenario runs pivote only: the peers are not needed for it.
  const needsTargets = opts.scenarios.some((s) => s !== 'kiosk' && s !== 'cluster');
  let mosquitto: MosquittoInfo = { path: null, version: null, note: 'not requested' };
  let mqttJs: string | null = null;
  if (needsTargets && (opts.targets.includes('mosquitto') || opts.targets.includes('mosquitto-lean'))) {
    mosquitto = ensureMosquitto(opts.installMosquitto, log);
    const loaded = await loadMqtt();
    if ('error' in loaded) {
      if (opts.targets.includes('mosquitto')) notes.push(`Mosquitto with mqtt.js skipped: ${loaded.error}`);
    } else mqttJs = 'mqtt';
    if (mosquitto.path === null) notes.push(`peer skipped: ${mosquitto.note}`);
    log(`mosquitto: ${mosquitto.path === null ? 'ABSENT' : `${mosquitto.version ?? '?'}`} — ${mosquitto.note}`);
  }
  const targets = opts.targets.filter((t) => {
    if (t === 'mosquitto') return mosquitto.path !== null && mqttJs !== null;
    if (t === 'mosquitto-lean') return mosquitto.path !== null;
    return true;
  });

  const kiosksNeeded = Math.max(opts.scenarios.some((s) => s === 'throughput' || s === 'latency' || s === 'dashboard' || s === 'cluster') ? opts.clients : 1, opts.scenarios.includes('fleet') ? opts.fleetSize : 1);
  const t = performance.now();
  const fleet = await provisionFleet(workDir, kiosksNeeded, { pivoteCli: opts.pivoteCli, baselineCli: opts.targets.includes('baseline') ? opts.baselineCli : undefined });
  log(`provisioned ${kiosksNeeded} kiosks and a poll in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const ctx: ScenarioContext = { opts, fleet, workDir, targets, mosquittoPath: mosquitto.path, nproc: machine.nproc, log };

  const partial: Pick<BenchResults, 'throughput' | 'latency' | 'dashboard' | 'cluster' | 'fleet' | 'kiosk'> = {};
  let failed = false;
  for (const scenario of opts.scenarios) {
    try {
      if (scenario === 'throughput') partial.throughput = await runThroughput(ctx);
      else if (scenario === 'latency') partial.latency = await runLatency(ctx);
      else if (scenario === 'dashboard') partial.dashboard = await runDashboard(ctx);
      else if (scenario === 'cluster') {
        partial.cluster = await runCluster(ctx);
        if (partial.cluster.skipped !== undefined) notes.push(`cluster skipped: ${partial.cluster.skipped}`);
      }
      else if (scenario === 'fleet') partial.fleet = await runFleet(ctx);
      else partial.kiosk = await runKiosk(ctx);
    } catch (err) {
      failed = true;
      notes.push(`${scenario} failed: ${(err as Error).message.split('\n')[0]}`);
      log(`${scenario} FAILED: ${(err as Error).stack ?? String(err)}`);
    }
  }

  machine.loadAfter = os.loadavg()[0]!;
  machine.calibration.after = cpuCalibration();
  const finishedAt = new Date();
  const { workDir: _w, resultsDir: _r, keepWork: _k, docsFrom: _d, ...shownOptions } = opts;
  const results: BenchResults = {
    schema: 2,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    quick: opts.quick,
    machine,
    options: shownOptions,
    mosquitto: { ...mosquitto, persistence: MOSQUITTO_PERSISTENCE, mqttJs },
    notes,
    ...partial,
    goals: checkGoals(partial),
  };
  process.stdout.write(`\n${allTables(results).map(renderText).join('\n\n')}\n`);
  if (notes.length > 0) process.stdout.write(`\nNotes:\n${notes.map((n) => `  - ${n}`).join('\n')}\n`);
  const file = writeResults(resolve(opts.resultsDir), results);
  log(`\nresults: ${file}`);
  if (opts.writeDocs) {
    for (const f of writeDocs(join(REPO, 'docs'), results, relative(REPO, file))) log(`wrote ${f}`);
  }
  if (opts.keepWork) log(`scratch kept: ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
  return failed ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    // --help and --version (commander's exitOverride) have already printed what was asked;
    // a usage error has printed its message: neither needs a stack.
    const exitCode = (err as { exitCode?: unknown; code?: unknown }).exitCode;
    if (typeof exitCode === 'number' && String((err as { code?: unknown }).code).startsWith('commander.')) {
      process.exitCode = exitCode;
      return;
    }
    log(`bench failed: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
  },
);
